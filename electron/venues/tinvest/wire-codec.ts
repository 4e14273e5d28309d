/**
 * The wire tap on gRPC calls: the serialize/deserialize functions handed to grpc-js are wrapped,
 * so the tap sees the exact protobuf bytes that went out and came in, per call. Without a tap
 * nothing is wrapped; with one, each message costs one property read while nobody listens.
 */
import type { Metadata, StatusObject } from '@grpc/grpc-js';
import { wallClock } from '../../net/wire-tap.js';
import type { WireTap } from '../../net/wire-tap.js';

const VENUE = 'tinvest';

/**
 * Headers and trailers as JSON text (rate-limit headers, the venue's error message and tracking
 * id): what the adapter reads of them. Binary (-bin) values are left out.
 */
export function metadataText(md: Metadata | undefined): string {
  const out: Record<string, string> = {};
  if (md) for (const [k, v] of Object.entries(md.getMap())) if (typeof v === 'string') out[k] = v;
  return JSON.stringify(out);
}

/** Call ids, unique in the process (and so per connection), to pair requests with answers. */
let lastCall = 0;

export interface TappedCall<Req, Res> {
  serialize: (req: Req) => Buffer;
  deserialize: (buf: Buffer) => Res;
  /** The call ended with this status (grpc-js 'status'). */
  ended(st: StatusObject): void;
  /**
   * Watches a call: the venue's headers arriving (the call accepted: an 'in' open) and our side
   * ending it (cancel, end: an 'out' close), which a replay must tell from the venue ending it.
   */
  observe(call: ObservedCall): void;
}

/** What observe() needs of a grpc-js call. */
export interface ObservedCall {
  on(event: 'metadata', listener: (md: Metadata) => void): unknown;
  cancel(): void;
  end?: () => void;
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
      if (tap.active) tap.emit({ venue: VENUE, connection, channel, dir: 'in', kind: 'close', at: wallClock(), call, status: { code: st.code, detail: st.details }, text: metadataText(st.metadata) });
    },
    observe: (c) => {
      c.on('metadata', (md: Metadata) => {
        if (tap.active) tap.emit({ venue: VENUE, connection, channel, dir: 'in', kind: 'open', at: wallClock(), call, text: metadataText(md) });
      });
      let ending = false;
      const closing = (how: string): void => {
        if (ending) return;
        ending = true;
        if (tap.active) tap.emit({ venue: VENUE, connection, channel, dir: 'out', kind: 'close', at: wallClock(), call, status: { code: how, detail: 'ended by us' } });
      };
      // Own properties over the call's methods: the one place our side ends a call is seen here.
      const cancel = c.cancel.bind(c);
      c.cancel = () => {
        closing('cancel');
        cancel();
      };
      const end = c.end?.bind(c);
      if (end) {
        c.end = () => {
          closing('end');
          end();
        };
      }
    },
  };
}
