/**
 * A frame our decoder cannot read is counted and skipped; the stream stays up and the
 * candles around it arrive. The venue here is a small grpc-js server that writes raw bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { ServerDuplexStream, ServerUnaryCall, ServiceDefinition, sendUnaryData } from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';
import { PROTO_PACKAGE, SERVICES } from '../../../electron/venues/tinvest/constants.js';
import { RAW_MARKET_DATA_STREAM } from '../../../sim/hostile/tinvest/server.js';
import { packageDefinition } from '../../../electron/venues/tinvest/proto.js';
import { createTInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { RecordingSink, waitFor } from './helpers.js';

const UID = 'e6123145-9665-43e0-8413-cd61b8aa9b13';
const FIGI = 'BBG004730N88';

function type(name: string): MessageTypeDefinition<object, Record<string, unknown>> {
  return packageDefinition()[`${PROTO_PACKAGE}.${name}`] as MessageTypeDefinition<object, Record<string, unknown>>;
}

let server: Server;
let endpoint = '';

beforeAll(async () => {
  server = new Server();
  const pd = packageDefinition();
  server.addService(pd[`${PROTO_PACKAGE}.${SERVICES.users}`] as unknown as ServiceDefinition, {
    GetAccounts: (_c: ServerUnaryCall<object, object>, cb: sendUnaryData<object>) => cb(null, { accounts: [{ id: '1', name: 'a' }] }),
    GetUserTariff: (_c: ServerUnaryCall<object, object>, cb: sendUnaryData<object>) => cb(null, {}),
  });
  const share = { figi: FIGI, ticker: 'SBER', classCode: 'TQBR', isin: 'RU0009029540', lot: 10, currency: 'rub', name: 'Сбербанк', uid: UID, minPriceIncrement: { units: '0', nano: 10_000_000 }, apiTradeAvailableFlag: true, buyAvailableFlag: true, sellAvailableFlag: true };
  const none = (_c: ServerUnaryCall<object, object>, cb: sendUnaryData<object>): void => cb(null, {});
  server.addService(pd[`${PROTO_PACKAGE}.${SERVICES.instruments}`] as unknown as ServiceDefinition, {
    Shares: (_c: ServerUnaryCall<object, object>, cb: sendUnaryData<object>) => cb(null, { instruments: [share] }),
    ShareBy: none,
    GetInstrumentBy: none,
    FindInstrument: none,
  });
  server.addService(pd[`${PROTO_PACKAGE}.${SERVICES.marketData}`] as unknown as ServiceDefinition, {
    GetCandles: (_c: ServerUnaryCall<object, object>, cb: sendUnaryData<object>) => cb(null, { candles: [] }),
  });
  const Res = type('MarketDataResponse');
  const Req = type('MarketDataRequest');
  // Two periods in a row, so neither replaces the other.
  const candle = (volume: string, minutesAgo: number): Buffer =>
    Res.serialize({ candle: { figi: FIGI, interval: 1, instrumentUid: UID, open: { units: '300', nano: 0 }, high: { units: '301', nano: 0 }, low: { units: '299', nano: 500_000_000 }, close: { units: '300', nano: 250_000_000 }, volume, time: { seconds: String((Math.floor(Date.now() / 60_000) - minutesAgo) * 60), nanos: 0 } } });
  server.addService(RAW_MARKET_DATA_STREAM, {
    MarketDataStream: (call: ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', (bytes: Buffer) => {
        const req = Req.deserialize(bytes);
        if (req.payload !== 'subscribeCandlesRequest') return;
        call.write(Res.serialize({ subscribeCandlesResponse: { trackingId: 'x', candlesSubscriptions: [{ figi: FIGI, interval: 1, subscriptionStatus: 1, instrumentUid: UID, subscriptionAction: 1 }] } }));
        call.write(candle('10', 1));
        call.write(Buffer.from([0x2a, 0x7f, 0x0a])); // a candle whose length runs past the frame
        call.write(Buffer.from([0x0f, 0xff])); // wire type 7 does not exist
        call.write(candle('11', 0));
      });
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  endpoint = `127.0.0.1:${port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.tryShutdown(() => r()));
});

describe('malformed frames on the market-data stream', () => {
  it('are counted and skipped while the candles around them arrive on the same stream', async () => {
    const sink = new RecordingSink();
    const venue = createTInvestVenue({ endpoint, token: 't', mode: 'demo', tls: false, sink });
    await venue.connect();
    venue.subscribeCandles({ venue: 'tinvest', instrumentId: UID, interval: '1m' });
    await waitFor('both candles', () => sink.candles.length === 2);
    const rec = sink.record('marketdata');
    expect(rec.malformed).toHaveLength(2);
    expect(rec.malformed[0]).toMatch(/beyond/);
    expect(rec.malformed[1]).toMatch(/wire type 7/);
    expect(rec.reconnects).toBe(0);
    expect(sink.candles.map((c) => [c.volume, c.low, c.close])).toEqual([
      ['10', '299.5', '300.25'],
      ['11', '299.5', '300.25'],
    ]);
    await venue.close();
  });
});
