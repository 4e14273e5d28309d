/**
 * Hostile order books and trades on the market-data stream: unreadable levels, quantities not
 * above zero and data for instruments never subscribed are counted and skipped; a crossed book
 * is delivered, flagged inconsistent and counted as a failure in its health. The venue here is
 * a small grpc-js server that writes what the test tells it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import type { ServerDuplexStream, ServerUnaryCall, ServiceDefinition, sendUnaryData } from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';
import { PROTO_PACKAGE, SERVICES } from '../../../electron/venues/tinvest/constants.js';
import { RAW_MARKET_DATA_STREAM } from '../../../sim/hostile/tinvest/server.js';
import { packageDefinition } from '../../../electron/venues/tinvest/proto.js';
import { createTInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { RecordingSink, waitFor } from './helpers.js';

const UID = 'e6123145-9665-43e0-8413-cd61b8aa9b13';
const FIGI = 'BBG004730N88';
const STRANGER = '11111111-2222-4333-8444-555555555555';
/** Every trade prints in the same second, so repeats share their time. */
const TRADE_SEC = String(Math.floor(Date.now() / 1000));

function type(name: string): MessageTypeDefinition<object, Record<string, unknown>> {
  return packageDefinition()[`${PROTO_PACKAGE}.${name}`] as MessageTypeDefinition<object, Record<string, unknown>>;
}

const px = (units: number, nano = 0) => ({ units: String(units), nano });
const lvl = (price: ReturnType<typeof px> | undefined, quantity: string) => (price ? { price, quantity } : { quantity });

let server: Server;
let endpoint = '';

beforeAll(async () => {
  server = new Server();
  const pd = packageDefinition();
  const ok = (v: object) => (_c: ServerUnaryCall<object, object>, cb: sendUnaryData<object>) => cb(null, v);
  const refuse = (_c: ServerUnaryCall<object, object>, cb: sendUnaryData<object>) => cb({ code: status.UNAVAILABLE, details: 'no snapshots here' });
  server.addService(pd[`${PROTO_PACKAGE}.${SERVICES.users}`] as unknown as ServiceDefinition, { GetAccounts: ok({ accounts: [{ id: '1', name: 'a' }] }), GetUserTariff: ok({}) });
  const share = { figi: FIGI, ticker: 'SBER', classCode: 'TQBR', isin: 'RU0009029540', lot: 10, currency: 'rub', name: 'Сбербанк', uid: UID, minPriceIncrement: { units: '0', nano: 10_000_000 }, apiTradeAvailableFlag: true };
  server.addService(pd[`${PROTO_PACKAGE}.${SERVICES.instruments}`] as unknown as ServiceDefinition, { Shares: ok({ instruments: [share] }), ShareBy: ok({}), GetInstrumentBy: ok({}), FindInstrument: ok({}) });
  // No snapshots: the book is only what the stream says (the failed priming is reported, and
  // superseded by the stream's books).
  server.addService(pd[`${PROTO_PACKAGE}.${SERVICES.marketData}`] as unknown as ServiceDefinition, {
    GetCandles: ok({ candles: [] }),
    GetOrderBook: refuse,
    GetLastPrices: refuse,
    GetClosePrices: refuse,
    GetTradingStatus: refuse,
    GetTradingStatuses: refuse,
    GetLastTrades: refuse,
  });
  const Res = type('MarketDataResponse');
  const Req = type('MarketDataRequest');
  const book = (bids: object[], asks: object[], consistent = true, uid = UID) =>
    Res.serialize({ orderbook: { figi: uid === UID ? FIGI : '', depth: 10, isConsistent: consistent, bids, asks, time: { seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 }, instrumentUid: uid } });
  const trade = (quantity: string, uid = UID) =>
    Res.serialize({ trade: { figi: uid === UID ? FIGI : '', direction: 1, price: px(300, 500_000_000), quantity, time: { seconds: TRADE_SEC, nanos: 0 }, instrumentUid: uid } });
  server.addService(RAW_MARKET_DATA_STREAM, {
    MarketDataStream: (call: ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', (bytes: Buffer) => {
        const req = Req.deserialize(bytes);
        if (req.payload === 'subscribeOrderBookRequest') {
          call.write(Res.serialize({ subscribeOrderBookResponse: { trackingId: 'x', orderBookSubscriptions: [{ figi: FIGI, depth: 10, subscriptionStatus: 1, instrumentUid: UID, subscriptionAction: 1 }] } }));
          call.write(book([lvl(px(300), '5'), lvl(px(299, 990_000_000), '7')], [lvl(px(300, 10_000_000), '3')]));
          call.write(book([lvl(undefined, '5')], [lvl(px(301), '3')])); // a level without price
          call.write(book([lvl(px(300), '-4')], [lvl(px(301), '3')])); // a negative quantity
          call.write(book([lvl(px(300), '0')], [lvl(px(301), '3')])); // an empty level
          call.write(book([lvl(px(302), '5')], [lvl(px(301), '3')], false)); // crossed: delivered, flagged
          call.write(book([lvl(px(300), '5')], [lvl(px(301), '3')], true, STRANGER)); // never subscribed
          call.write(book([lvl(px(300), '6')], [lvl(px(300, 20_000_000), '2')]));
        }
        if (req.payload === 'subscribeTradesRequest') {
          call.write(Res.serialize({ subscribeTradesResponse: { trackingId: 'y', tradeSubscriptions: [{ figi: FIGI, subscriptionStatus: 1, instrumentUid: UID }] } }));
          call.write(trade('2'));
          call.write(trade('-1'));
          call.write(trade('0'));
          call.write(trade('3', STRANGER));
          call.write(trade('2')); // the same print again within the millisecond: a second print, not a repeat
        }
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

describe('hostile books and trades on the market-data stream', () => {
  it('skips unreadable books and counts them as failures; a crossed book arrives flagged; strangers are counted', async () => {
    const sink = new RecordingSink();
    const venue = createTInvestVenue({ endpoint, token: 't', mode: 'demo', tls: false, sink });
    await venue.connect();
    venue.subscribeMarket({ venue: 'tinvest', instrumentId: UID, stream: 'book', depth: 10 });
    await waitFor('three books', () => sink.books.length === 3, 20_000);
    const rec = sink.record('marketdata');
    await waitFor('four malformed reports', () => rec.malformed.length >= 4, 20_000);
    expect(rec.malformed.filter((m) => /level without price/.test(m))).toHaveLength(1);
    expect(rec.malformed.filter((m) => /quantity -4/.test(m))).toHaveLength(1);
    expect(rec.malformed.filter((m) => /quantity 0/.test(m))).toHaveLength(1);
    expect(rec.malformed.filter((m) => /not subscribed/.test(m))).toHaveLength(1);
    const [first, crossed, last] = sink.books;
    expect(first!.bids.map((l) => [l.price, l.quantity])).toEqual([
      ['300', '5'],
      ['299.99', '7'],
    ]);
    expect(first!.health).toMatchObject({ verification: 'snapshot', verified: 1, failures: 0, consistent: true });
    expect(crossed!.bids[0]).toEqual({ price: '302', quantity: '5' });
    expect(crossed!.health).toMatchObject({ verified: 2, failures: 4, consistent: false });
    expect(last!.health).toMatchObject({ verified: 3, failures: 4, consistent: true });
    expect(last!.asks).toEqual([{ price: '300.02', quantity: '2' }]);
    expect(rec.reconnects).toBe(0);
    await venue.close();
  });

  it('skips trades of quantity not above zero or of strangers, and gives repeats within a millisecond their own ids', async () => {
    const sink = new RecordingSink();
    const venue = createTInvestVenue({ endpoint, token: 't', mode: 'demo', tls: false, sink });
    await venue.connect();
    venue.subscribeMarket({ venue: 'tinvest', instrumentId: UID, stream: 'trades' });
    await waitFor('two prints', () => sink.prints.length === 2, 20_000);
    const rec = sink.record('marketdata');
    await waitFor('three malformed reports', () => rec.malformed.length >= 3, 20_000);
    expect(rec.malformed.filter((m) => /trade .* quantity (-1|0)$/.test(m))).toHaveLength(2);
    expect(rec.malformed.filter((m) => /trade for an instrument not subscribed/.test(m))).toHaveLength(1);
    expect(sink.prints.map((p) => [p.price, p.quantity, p.side])).toEqual([
      ['300.5', '2', 'buy'],
      ['300.5', '2', 'buy'],
    ]);
    const [a, b] = sink.prints;
    expect(a!.time).toBe(b!.time);
    expect(a!.tradeId).not.toBe(b!.tradeId);
    await venue.close();
  });
});
