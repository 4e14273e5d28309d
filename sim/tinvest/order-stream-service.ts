/**
 * OrdersStreamService: OrderStateStream and TradesStream over the order engine's events.
 * Every account named must be the token's (50004 otherwise); none = all of them.
 */
import type { ServerWritableStream, UntypedHandleCall } from '@grpc/grpc-js';
import { OrderStreamSession, orderStreamPingDelay } from './order-streams.js';
import type { OrderStreamInfo, OrderStreamMethod } from './order-streams.js';
import type { OpenStream, SimContext, SimService } from './service-host.js';
import type { VenueError } from './wire.js';

interface OrderStreamRequestIn {
  accounts?: string[] | null;
  ping_delay_ms?: number | null;
  ping_delay_millis?: number | null;
}

export interface OrderStreamService extends SimService {
  readonly streamsOpened: number;
  readonly streamsOpen: number;
  info(): OrderStreamInfo[];
}

const SERVICE = 'OrdersStreamService';

export function orderStreamService(ctx: SimContext): OrderStreamService {
  const sessions = new Set<OrderStreamSession>();
  let opened = 0;
  const host = {
    now: () => ctx.now(),
    stalled: () => ctx.stalled(),
    onSent: (kind: string) => ctx.onSent(kind),
    commissionOf: (n: bigint) => ctx.engine.commissionOf(n),
  };

  function handler(method: OrderStreamMethod): UntypedHandleCall {
    const key = `${SERVICE}/${method}`;
    return (call: ServerWritableStream<OrderStreamRequestIn, Record<string, unknown>>) => {
      ctx.count(key);
      let session: OrderStreamSession;
      try {
        ctx.admitStream(key, call.metadata);
        const req = call.request;
        const ids = (req.accounts ?? []).filter((id) => id !== '');
        for (const id of ids) ctx.accounts.get(id);
        const delay = orderStreamPingDelay(method, method === 'TradesStream' ? req.ping_delay_ms : req.ping_delay_millis);
        session = new OrderStreamSession(
          host,
          method,
          ids,
          delay,
          (msg) => {
            call.write(msg);
          },
          (err) => {
            sessions.delete(session);
            if (err) call.emit('error', ctx.errorReply(err));
            else call.end();
          },
        );
      } catch (e) {
        call.emit('error', ctx.errorReply(ctx.asVenueError(e)));
        return;
      }
      sessions.add(session);
      opened += 1;
      call.on('cancelled', () => {
        session.dispose();
        sessions.delete(session);
      });
      session.start();
    };
  }

  const offOrders = ctx.engine.onEvent((e) => {
    for (const s of sessions) s.onOrderEvent(e);
  });

  return {
    streams: {
      [`${SERVICE}/OrderStateStream`]: handler('OrderStateStream'),
      [`${SERVICE}/TradesStream`]: handler('TradesStream'),
    },
    *openStreams(): Iterable<OpenStream> {
      for (const s of [...sessions]) yield { key: `${SERVICE}/${s.method}`, end: (err: VenueError) => s.end(err) };
    },
    stop() {
      offOrders();
    },
    get streamsOpened() {
      return opened;
    },
    get streamsOpen() {
      return sessions.size;
    },
    info: () => [...sessions].map((s) => s.info()),
  };
}
