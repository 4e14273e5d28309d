/**
 * An exception while handling one venue message never leaves the connection that owns it: it
 * is caught there, counted with the message, and the connection recovers by reconnecting. Any
 * error escaping into grpc-js's event handlers would fail these tests as an unhandled error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { ServerUnaryCall, ServerWritableStream, ServiceDefinition, sendUnaryData } from '@grpc/grpc-js';
import type { Candle, CandleKey } from '../../../common/domain.js';
import { createTInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import type { TInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { contractServices, loadContract } from '../../../sim/tinvest/proto.js';
import { candleFrame } from '../../../sim/hostile/tinvest/frames.js';
import { startHostileTInvest } from '../../../sim/hostile/tinvest/server.js';
import type { HostileTInvest } from '../../../sim/hostile/tinvest/server.js';
import { RecordingSink, waitFor } from './helpers.js';

let venue: TInvestVenue | undefined;
let host: HostileTInvest | undefined;
let server: Server | undefined;

afterEach(async () => {
  await venue?.close();
  await host?.close();
  if (server) server.forceShutdown();
  venue = undefined;
  host = undefined;
  server = undefined;
});

const T0 = Math.floor(Date.now() / 60_000) * 60 - 3_600;

/** A sink whose consumer throws on the first candle it is given. */
class ThrowingSink extends RecordingSink {
  thrown = 0;
  override candle(c: Candle): void {
    if (this.thrown === 0) {
      this.thrown++;
      throw new TypeError('consumer bug');
    }
    super.candle(c);
  }
}

describe('containment per connection', () => {
  it('a throw while handling a market-data message is counted with the message; the stream reconnects and candles flow', async () => {
    let t = T0;
    const h = await startHostileTInvest({
      onSubscribe: (call) => {
        // Every stream gets two fresh periods.
        for (let i = 0; i < 2; i++) call.write(candleFrame(h.instruments[0]!, { time: (t += 60), open: 100n, high: 101n, low: 99n, close: 100n, volume: 3n }));
      },
    });
    host = h;
    const sink = new ThrowingSink();
    venue = createTInvestVenue({ endpoint: h.endpoint, token: 't', mode: 'demo', tls: false, sink, pingDelayMs: 5_000, reconnect: { baseMs: 20, maxMs: 100 } });
    await venue.connect();
    const key: CandleKey = { venue: 'tinvest', instrumentId: h.instruments[0]!.uid, interval: '1m' };
    venue.subscribeCandles(key);
    await waitFor('a second stream', () => h.streamsOpened >= 2, 5_000);
    await waitFor('candles after the reconnect', () => sink.candles.length >= 2, 5_000);
    const rec = sink.record('marketdata');
    expect(rec.reconnects).toBeGreaterThanOrEqual(1);
    expect(rec.errors.some((e) => e.code === 'handler-fault' && /consumer bug/.test(e.message))).toBe(true);
    expect(rec.malformedFrames.some((f) => f !== undefined && f.includes(String(T0 + 60)))).toBe(true);
  });

  it('an order-stream message with a broken Quotation is counted, the stream goes degraded and reconciles', async () => {
    const def = loadContract();
    const svc = contractServices(def);
    let streams = 0;
    let getOrders = 0;
    server = new Server();
    server.addService(svc.get('UsersService')! as ServiceDefinition, {
      GetAccounts: (_c: ServerUnaryCall<object, object>, cb: sendUnaryData<object>) => cb(null, { accounts: [{ id: 'acc', name: 'a' }] }),
    });
    server.addService(svc.get('InstrumentsService')! as ServiceDefinition, {
      Shares: (_c: ServerUnaryCall<object, object>, cb: sendUnaryData<object>) => cb(null, { instruments: [] }),
    });
    server.addService(svc.get('OrdersService')! as ServiceDefinition, {
      GetOrders: (_c: ServerUnaryCall<object, object>, cb: sendUnaryData<object>) => {
        getOrders++;
        cb(null, { orders: [] });
      },
    });
    server.addService(svc.get('OrdersStreamService')! as ServiceDefinition, {
      OrderStateStream: (call: ServerWritableStream<object, object>) => {
        streams++;
        call.write({ subscription: { tracking_id: 't', status: 1, stream_id: 's', accounts: ['acc'] } });
        setTimeout(() => {
          call.write({
            order_state: {
              order_id: '1',
              order_request_id: '0b6e2f3c-2a55-4b43-9a0a-9a1e1c0c1a01',
              execution_report_status: 4,
              direction: 1,
              order_type: 1,
              account_id: 'acc',
              lot_size: 10,
              lots_requested: '1',
              order_price: { currency: 'rub', units: '5', nano: -1 },
              instrument_uid: 'u',
            },
          });
        }, 200);
      },
    });
    const port = await new Promise<number>((res, rej) => server!.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    const sink = new RecordingSink();
    venue = createTInvestVenue({ endpoint: `127.0.0.1:${port}`, token: 't', mode: 'demo', tls: false, sink, accountId: 'acc', trading: { pingDelayMs: 5_000 } });
    await venue.connect();
    await waitFor('the bad message to be counted', () => sink.record('orders').malformed.length > 0, 5_000);
    const rec = sink.record('orders');
    expect(rec.malformed[0]).toMatch(/nano|sign/);
    expect(rec.malformedFrames[0]).toContain('"orderId":"1"');
    expect(rec.states.map((s) => s.state)).toContain('degraded');
    await waitFor('a reconcile after it', () => getOrders >= 2, 5_000);
    await waitFor('live again', () => sink.state('orders') === 'live', 5_000);
    expect(streams).toBeGreaterThanOrEqual(1);
  });
});
