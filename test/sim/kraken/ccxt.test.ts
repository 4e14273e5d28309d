/**
 * An independent public client, ccxt 4.5.84, unchanged, pointed at the local venue only
 * through its own configuration (urls, keys, and its documented nonce override).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ccxt from 'ccxt';
import { startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { publicGet } from './clients.js';

describe('ccxt 4.5.84 against the local Kraken', () => {
  let sim: KrakenSim;
  let rest: InstanceType<typeof ccxt.kraken>;
  let pro: InstanceType<typeof ccxt.pro.kraken>;
  let orderId = '';

  beforeAll(async () => {
    sim = await startKrakenSim({ seed: 42 });
    // Both instances sign with one key, so they share one growing nonce (Kraken's advice, and
    // ccxt's "overriding the nonce"); a ms clock alone can repeat within a millisecond on loopback.
    let last = Date.now();
    const nonce = (): number => (last = Math.max(last + 1, Date.now()));
    const common = { apiKey: sim.apiKey, secret: sim.apiSecret, rateLimit: 50, nonce };
    rest = new ccxt.kraken({ ...common, urls: { api: { public: sim.rest, private: sim.rest } } });
    pro = new ccxt.pro.kraken({
      ...common,
      urls: { api: { public: sim.rest, private: sim.rest, ws: { public: sim.ws, private: sim.wsAuth, publicV2: sim.ws, privateV2: sim.wsAuth } } },
    });
    // ccxt asks for this once before it opens a plain ws:// (non-TLS) URL; its error message names the call.
    await pro.loadHttpProxyAgent();
  });
  afterAll(async () => {
    await pro?.close();
    await sim?.close();
  });

  it('loads markets with Kraken ids, altnames and precisions', async () => {
    const markets = await rest.loadMarkets();
    const btc = markets['BTC/USD'];
    expect(btc?.id).toBe('XXBTZUSD');
    expect((btc?.info as { altname?: string } | undefined)?.altname).toBe('XBTUSD');
    expect(btc?.precision).toMatchObject({ price: 0.1, amount: 1e-8 });
    expect(btc?.limits.amount?.min).toBe(0.00005);
    expect(markets['DOGE/USD']?.id).toBe('XDGUSD');
    expect(markets['ETH/BTC']?.id).toBe('XETHXXBT');
  });

  it('fetches OHLCV with volume from index 6 (not vwap)', async () => {
    const candles = await rest.fetchOHLCV('BTC/USD', '5m');
    const raw = (await publicGet(sim.rest, 'OHLC', { pair: 'XXBTZUSD', interval: 5 })).result?.['XXBTZUSD'] as [number, string, string, string, string, string, string, number][];
    expect(candles.length).toBe(raw.length);
    expect(candles.length).toBeLessThanOrEqual(720);
    // Compare committed candles only: the last one may have traded between the two calls.
    for (let i = 0; i < candles.length - 1; i++) {
      const c = candles[i] ?? [];
      const r = raw[i];
      expect(c[0]).toBe((r?.[0] ?? 0) * 1000);
      expect(c[4]).toBe(Number(r?.[4]));
      expect(c[5]).toBe(Number(r?.[6]));
    }
  });

  it('fetches the balance from BalanceEx', async () => {
    const b = await rest.fetchBalance();
    expect(b['BTC']?.total).toBe(2);
    expect(b['USD']?.total).toBe(100000);
    expect(b['USD']?.used).toBe(0);
    expect(b['DOGE']?.total).toBe(150000);
  });

  it('creates a limit order away from the market, finds it open, and its hold in the balance', async () => {
    const price = Number(rest.priceToPrecision('BTC/USD', Number(sim.market.lastPrice('BTC/USD')) / 10 / 2));
    const o = await rest.createOrder('BTC/USD', 'limit', 'buy', 0.001, price);
    expect(o.id).toMatch(/^O[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{6}$/);
    expect(o.symbol).toBe('BTC/USD');
    expect(o.price).toBe(price);
    orderId = o.id ?? '';
    const open = await rest.fetchOpenOrders('BTC/USD');
    const mine = open.find((x) => x.id === orderId);
    expect(mine).toMatchObject({ symbol: 'BTC/USD', side: 'buy', type: 'limit', amount: 0.001, price, status: 'open', filled: 0 });
    const b = await rest.fetchBalance();
    expect(b['USD']?.used).toBeGreaterThan(0);
    expect(sim.record.orders.get(orderId)?.status).toBe('open');
  });

  it('watches OHLCV over WS v2: a snapshot, then an update when the market trades', async () => {
    const snap = await pro.watchOHLCV('BTC/USD', '1m');
    expect(snap.length).toBeGreaterThan(0);
    for (const c of snap) {
      expect(c).toHaveLength(6);
      expect((c[0] ?? 1) % 60000).toBe(0);
    }
    const next = await pro.watchOHLCV('BTC/USD', '1m');
    expect(next.length).toBeGreaterThan(0);
    expect(next.at(-1)?.[0]).toBeGreaterThanOrEqual(snap.at(-1)?.[0] ?? 0);
  });

  it('watches the order book over WS v2 and keeps it consistent through updates', async () => {
    let book = await pro.watchOrderBook('BTC/USD');
    for (let i = 0; i < 3; i++) book = await pro.watchOrderBook('BTC/USD');
    expect(book.bids).toHaveLength(10);
    expect(book.asks).toHaveLength(10);
    const bestBid = book.bids[0]?.[0] ?? 0;
    const bestAsk = book.asks[0]?.[0] ?? 0;
    expect(bestBid).toBeLessThan(bestAsk);
    for (let i = 1; i < 10; i++) {
      expect(book.bids[i]?.[0] ?? 0).toBeLessThan(book.bids[i - 1]?.[0] ?? 0);
      expect(book.asks[i]?.[0] ?? 0).toBeGreaterThan(book.asks[i - 1]?.[0] ?? 0);
    }
  });

  it('watches orders on executions: the snapshot shows the open order, a REST cancel arrives as canceled', async () => {
    const first = await pro.watchOrders();
    expect(first.find((o) => o.id === orderId)).toMatchObject({ symbol: 'BTC/USD', status: 'open', side: 'buy', type: 'limit' });
    // Registered before the cancel's HTTP round trip can complete, so the update cannot be missed.
    const next = pro.watchOrders();
    await rest.cancelOrder(orderId, 'BTC/USD');
    const updates = await next;
    expect(updates.find((o) => o.id === orderId)?.status).toBe('canceled');
    expect(sim.record.orders.get(orderId)?.status).toBe('canceled');
    expect((await rest.fetchOpenOrders('BTC/USD')).find((x) => x.id === orderId)).toBeUndefined();
  });

  it('places and cancels over WS v2 with createOrderWs and cancelOrderWs', async () => {
    const o = await pro.createOrderWs('ETH/USD', 'limit', 'buy', 0.01, 1000);
    const id = o.id ?? '';
    expect(sim.record.orders.get(id)).toMatchObject({ pair: 'XETHZUSD', side: 'buy', price: '1000.00', volume: '0.01000000', status: 'open', source: 'ws' });
    await pro.cancelOrderWs(id);
    expect(sim.record.orders.get(id)?.status).toBe('canceled');
  });

  it('fetches the order book and the public trades over REST', async () => {
    const book = await rest.fetchOrderBook('BTC/USD', 25);
    expect(book.bids.length).toBeGreaterThan(0);
    expect(book.asks.length).toBeGreaterThan(0);
    expect(book.bids.length).toBeLessThanOrEqual(25);
    expect(book.bids[0]?.[0] ?? 0).toBeLessThan(book.asks[0]?.[0] ?? 0);
    for (let i = 1; i < book.bids.length; i++) expect(book.bids[i]?.[0] ?? 0).toBeLessThan(book.bids[i - 1]?.[0] ?? 0);
    const trades = await rest.fetchTrades('BTC/USD');
    expect(trades.length).toBeGreaterThan(0);
    for (const t of trades) {
      expect(t.symbol).toBe('BTC/USD');
      expect(['buy', 'sell']).toContain(t.side);
      expect(t.price).toBeGreaterThan(0);
      expect(t.amount).toBeGreaterThan(0);
    }
  });

  it('watches trades over WS v2', async () => {
    const first = await pro.watchTrades('BTC/USD');
    expect(first.length).toBeGreaterThan(0);
    expect(first.every((t) => t.symbol === 'BTC/USD' && (t.price ?? 0) > 0)).toBe(true);
  });

  it('creates a stop-loss with stopLossPrice that the venue accepts as a trigger order, lists it, and cancels it', async () => {
    const trigger = Number(rest.priceToPrecision('BTC/USD', Number(sim.market.lastPrice('BTC/USD')) / 10 / 2));
    const o = await rest.createOrder('BTC/USD', 'market', 'sell', 0.001, undefined, { stopLossPrice: trigger });
    const id = o.id ?? '';
    expect(sim.record.orders.get(id)).toMatchObject({ ordertype: 'stop-loss', status: 'open', triggerPrice: trigger.toFixed(1) });
    const open = await rest.fetchOpenOrders('BTC/USD');
    const mine = open.find((x) => x.id === id);
    expect(mine).toMatchObject({ side: 'sell', amount: 0.001, status: 'open' });
    expect(mine?.triggerPrice ?? mine?.stopLossPrice).toBe(trigger);
    await rest.cancelOrder(id, 'BTC/USD');
    expect(sim.record.orders.get(id)?.status).toBe('canceled');
  });

  it('edits a resting limit order in place with editOrder (AmendOrder): same id, new price', async () => {
    const price = Number(rest.priceToPrecision('BTC/USD', Number(sim.market.lastPrice('BTC/USD')) / 10 / 2));
    const o = await rest.createOrder('BTC/USD', 'limit', 'buy', 0.001, price);
    const id = o.id ?? '';
    await rest.editOrder(id, 'BTC/USD', 'limit', 'buy', 0.001, price + 1);
    expect(sim.record.orders.get(id)).toMatchObject({ status: 'open', price: (price + 1).toFixed(1) });
    await rest.cancelOrder(id, 'BTC/USD');
  });
});
