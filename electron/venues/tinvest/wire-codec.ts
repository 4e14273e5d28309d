/**
 * The wire tap on gRPC calls: the serialize/deserialize functions handed to grpc-js are wrapped,
 * so the tap sees the exact protobuf bytes that went out and came in, per call. Without a tap
 * nothing is wrapped; with one, each message costs one property read while nobody listens.
 */
import type { StatusObject } from '@grpc/grpc-js';
import { wallClock } from '../../net/wire-tap.js';
import type { WireTap } from '../../net/wire-tap.js';

const VENUE = 'tinvest';

/** Call ids, unique in the process (and so per connection), to pair requests with answers. */
let lastCall = 0;

export interface TappedCall<Req, Res> {
  serialize: (req: Req) => Buffer;
  deserialize: (buf: Buffer) => Res;
  /** The call ended with this status (grpc-js 'status'). */
  ended(st: StatusObject): void;
}

/** The codec of one call on `connection` ('unary', 'marketdata#0', 'order-state'), method `channel`. */
export function tappedCall<Req, Res>(
  tap: WireTap,
  connection: string,
  channel: string,
  serialize: (req: Req) => Buffer,
  deserialize: (buf: Buffer) => Res,
): TappedCall<Req, Res> {
  const call = ++lastCall;
  if (tap.active) tap.emit({ venue: VENUE, connection, channel, dir: 'out', kind: 'open', at: wallClock(), call });
  return {
    serialize: (req) => {
      const bytes = serialize(req);
      if (tap.active) tap.emit({ venue: VENUE, connection, channel, dir: 'out', kind: 'frame', at: wallClock(), bytes, call });
      return bytes;
    },
    deserialize: (buf) => {
      if (tap.active) tap.emit({ venue: VENUE, connection, channel, dir: 'in', kind: 'frame', at: wallClock(), bytes: Buffer.from(buf), call });
      return deserialize(buf);
    },
    ended: (st) => {
      if (tap.active) tap.emit({ venue: VENUE, connection, channel, dir: 'in', kind: 'close', at: wallClock(), call, status: { code: st.code, detail: st.details } });
    },
  };
}
