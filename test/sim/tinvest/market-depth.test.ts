import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Market } from '../../../sim/market.js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { SimInstrument, TInvestSim } from '../../../sim/tinvest/server.js';
import { RawClient, scaledOf } from './helpers.js';
import type { Q, RawStream, TS } from './helpers.js';

interface Level {
  price: Q;
  quantity: string;
}
interface BookMsg {
  figi: string;
  depth: number;
  is_consistent: boolean;
  bids: Level[];
  asks: Level[];
  time: TS;
  instrument_uid: string;
}
interface SubStatus {
  figi: string;
  depth?: number;
  subscription_status: number;
  instrument_uid: string;
}
interface Msg {
  payload?: string;
  subscribe_order_book_response?: { order_book_subscriptions: SubStatus[] };
  subscribe_info_response?: { info_subscriptions: SubStatus[] };
  subscribe_trades_response?: { trade_subscriptions: SubStatus[] };
  orderbook?: BookMsg;
  trading_status?: { instrument_uid: string; trading_status: number; limit_order_available_flag: boolean; market_order_available_flag: boolean };
}

let clock = Math.floor(Date.now() / 60_000) * 60_000 + 5_000;
let market: Market;
let sim: TInvestSim;
let client: RawClient;
let sber: SimInstrument;
const open: RawStream<Msg>[] = [];

function stream(): RawStream<Msg> {
  const s = client.bidi<Msg>('MarketDataStreamService', 'MarketDataStream');
  open.push(s);
  return s;
}

const price = (q: Q): bigint => scaledOf(q, 2);

/** Bids strictly falling, asks strictly rising, best bid below best ask, sizes positive. */
function expectSaneBook(b: BookMsg, depth: number): void {
  expect(b.bids.length).toBe(depth);
  expect(b.asks.length).toBe(depth);
  for (let k = 1; k < depth; k++) {
    expect(price(b.bids[k]!.price)).toBeLessThan(price(b.bids[k - 1]!.price));
    expect(price(b.asks[k]!.price)).toBeGreaterThan(price(b.asks[k - 1]!.price));
  }
  expect(price(b.bids[0]!.price)).toBeLessThan(price(b.asks[0]!.price));
  for (const l of [...b.bids, ...b.asks]) expect(BigInt(l.quantity)).toBeGreaterThan(0n);
}

beforeAll(async () => {
  market = new Market({
    seed: 5,
    now: () => clock,
    historySeconds: 3 * 86_400,
    symbols: [{ symbol: 'SBER', startPrice: '300.00', priceStep: '0.01', qtyStep: '1', tradesPerSecond: 5 }],
  });
  sim = await startTInvestSim({ market, now: () => clock });
  client = new RawClient(sim.endpoint, sim.token);
  sber = sim.instruments.find((i) => i.ticker === 'SBER') ?? expect.unreachable('SBER');
});
afterEach(() => {
  for (const s of open.splice(0)) s.cancel();
});
afterAll(async () => {
  client.close();
  await sim.close();
});

describe('T-Invest sim: order books, last and close prices, trading status', () => {
  it('streams the whole book at the subscribed depth, at once and after trades, around the last price', async () => {
    const s = stream();
    s.write({ subscribe_order_book_request: { subscription_action: 1, instruments: [{ instrument_id: sber.uid, depth: 10 }] } });
    const { match: st } = await s.until((m) => m.payload === 'subscribe_order_book_response');
    expect(st.subscribe_order_book_response?.order_book_subscriptions[0]).toMatchObject({ figi: sber.figi, depth: 10, subscription_status: 1, instrument_uid: sber.uid });
    const first = (await s.until((m) => m.payload === 'orderbook')).match.orderbook ?? expect.unreachable('book');
    expect(first).toMatchObject({ figi: sber.figi, depth: 10, is_consistent: true, instrument_uid: sber.uid });
    expectSaneBook(first, 10);
    const last = market.lastPrice('SBER');
    expect([price(first.bids[0]!.price), price(first.asks[0]!.price)]).toContain(last);

    clock += 2_000;
    market.advance();
    const next = (await s.until((m) => m.payload === 'orderbook')).match.orderbook ?? expect.unreachable('book');
    expectSaneBook(next, 10);
    expect(sim.stats.activeSubscriptions()[0]?.orderBooks).toEqual([expect.objectContaining({ instrumentUid: sber.uid, depth: 10 })]);
  });

  it('refuses a depth outside 1, 10, 20, 30, 40, 50 with DEPTH_IS_INVALID (4) and an unknown id with 2', async () => {
    const s = stream();
    s.write({
      subscribe_order_book_request: {
        subscription_action: 1,
        instruments: [
          { instrument_id: sber.uid, depth: 15 },
          { instrument_id: 'no-such-instrument', depth: 10 },
        ],
      },
    });
    const { match } = await s.until((m) => m.payload === 'subscribe_order_book_response');
    expect(match.subscribe_order_book_response?.order_book_subscriptions.map((x) => x.subscription_status)).toEqual([4, 2]);
  });

  it('refuses a trades subscription with an unknown trade_source with SOURCE_IS_INVALID (10)', async () => {
    const s = stream();
    s.write({ subscribe_trades_request: { subscription_action: 1, instruments: [{ instrument_id: sber.uid }], trade_source: 7 } });
    const { match } = await s.until((m) => m.payload === 'subscribe_trades_response');
    expect(match.subscribe_trades_response?.trade_subscriptions.map((x) => x.subscription_status)).toEqual([10]);
    s.write({ subscribe_trades_request: { subscription_action: 1, instruments: [{ instrument_id: sber.uid }], trade_source: 3 } });
    const ok = (await s.until((m) => m.payload === 'subscribe_trades_response')).match;
    expect(ok.subscribe_trades_response?.trade_subscriptions.map((x) => x.subscription_status)).toEqual([1]);
  });

  it('GetOrderBook answers the same book shape with last and close prices; depth is checked (30031, 30032)', async () => {
    const { value } = await client.unary<BookMsg & { last_price: Q; close_price: Q }>('MarketDataService', 'GetOrderBook', { instrument_id: sber.uid, depth: 20 });
    expectSaneBook(value, 20);
    expect(price(value.last_price)).toBe(market.lastPrice('SBER'));
    expect(price(value.close_price)).toBeGreaterThan(0n);
    await expect(client.unary('MarketDataService', 'GetOrderBook', { instrument_id: sber.uid, depth: 0 })).rejects.toMatchObject({ details: '30031' });
    await expect(client.unary('MarketDataService', 'GetOrderBook', { instrument_id: sber.uid, depth: 7 })).rejects.toMatchObject({ details: '30032' });
  });

  it('GetLastPrices and GetClosePrices: named instruments, or every tradable one when none is named', async () => {
    const { value: one } = await client.unary<{ last_prices: { instrument_uid: string; price: Q }[] }>('MarketDataService', 'GetLastPrices', { instrument_id: [sber.uid] });
    expect(one.last_prices).toHaveLength(1);
    expect(price(one.last_prices[0]!.price)).toBe(market.lastPrice('SBER'));
    const { value: all } = await client.unary<{ close_prices: { instrument_uid: string; price: Q }[] }>('MarketDataService', 'GetClosePrices', { instruments: [] });
    expect(all.close_prices.map((c) => c.instrument_uid)).toContain(sber.uid);
    // The previous UTC day's last day-candle close.
    const today = Math.floor(clock / 86_400_000) * 86_400;
    const prevDay = market.candles('SBER', 86_400, today - 86_400, today)[0] ?? expect.unreachable('a day of history');
    expect(price(all.close_prices.find((c) => c.instrument_uid === sber.uid)!.price)).toBe(prevDay.close);
  });

  it('a trading status change reaches info subscribers and GetTradingStatus, with the flags it allows', async () => {
    const s = stream();
    s.write({ subscribe_info_request: { subscription_action: 1, instruments: [{ instrument_id: sber.uid }] } });
    const initial = (await s.until((m) => m.payload === 'trading_status')).match.trading_status;
    expect(initial).toMatchObject({ trading_status: 5, limit_order_available_flag: true, market_order_available_flag: true });
    try {
      sim.setTradingStatus('SBER', 4); // BREAK_IN_TRADING: nothing goes
      const br = (await s.until((m) => m.payload === 'trading_status')).match.trading_status;
      expect(br).toMatchObject({ instrument_uid: sber.uid, trading_status: 4, limit_order_available_flag: false, market_order_available_flag: false });
      const { value } = await client.unary<{ trading_status: number; limit_order_available_flag: boolean }>('MarketDataService', 'GetTradingStatus', { instrument_id: sber.uid });
      expect(value).toMatchObject({ trading_status: 4, limit_order_available_flag: false });
      sim.setTradingStatus('SBER', 2); // OPENING_PERIOD: limit orders only
      const op = (await s.until((m) => m.payload === 'trading_status')).match.trading_status;
      expect(op).toMatchObject({ trading_status: 2, limit_order_available_flag: true, market_order_available_flag: false });
    } finally {
      sim.setTradingStatus('SBER', 5);
    }
  });
});
