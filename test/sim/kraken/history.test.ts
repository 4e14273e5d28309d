/**
 * The local Kraken's account history (doc §11): ClosedOrders paged 50 at a time with
 * cl_ord_id, start/end and closetime, `closetm` and `reason` on each row; TradesHistory paged
 * with each fill's fee in the quote currency (taker 0.26 %, maker 0.16 % of cost); QueryTrades
 * by trade txid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Market, formatFixed } from '../../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { PrivateClient } from './clients.js';

interface Row {
  status: string;
  cl_ord_id?: string;
  opentm: number;
  closetm?: number;
  reason?: string | null;
  trades?: string[];
}
interface Trade {
  ordertxid: string;
  pair: string;
  time: number;
  type: string;
  price: string;
  cost: string;
  fee: string;
  vol: string;
  maker: boolean;
}

/** "1.23" at `scale` decimals as an integer. */
function units(text: string, scale: number): bigint {
  const [w = '0', f = ''] = text.split('.');
  return BigInt(w + f.padEnd(scale, '0').slice(0, scale));
}

describe('Kraken sim account history', () => {
  let sim: KrakenSim;
  let market: Market;
  let client: PrivateClient;
  // A clock the test moves: one second per order, so the REST counter drains and times differ.
  let clock = Date.UTC(2025, 4, 14, 11, 0, 0);
  const now = (): number => clock;
  const N = 70;
  const placedAt: number[] = [];

  beforeAll(async () => {
    market = new Market({ seed: 9, symbols: krakenMarketSymbols(), now, historySeconds: 600 });
    sim = await startKrakenSim({ seed: 9, market, now, tier: 'pro' });
    client = new PrivateClient(sim.rest, sim.apiKey, sim.apiSecret);
    for (let i = 0; i < N; i++) {
      clock += 1_000;
      placedAt.push(clock);
      // Market buys fill at once as takers; every fifth is a resting limit that is then cancelled.
      if (i % 5 === 4) {
        await client.ok('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'limit', price: formatFixed(market.lastPrice('BTC/USD') - 50_000n, 1), volume: '0.0001', cl_ord_id: `h-${i}` });
        clock += 1_000;
        await client.ok('CancelOrder', { cl_ord_id: `h-${i}` });
      } else {
        await client.ok('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'market', volume: '0.0001', cl_ord_id: `h-${i}` });
      }
    }
    clock += 30_000;
  });
  afterAll(() => sim.close());

  it('pages ClosedOrders 50 at a time, newest first, with a total count, closetm and reason', async () => {
    const end = String(Math.floor(clock / 1000));
    const p0 = await client.ok<{ closed: Record<string, Row>; count: number }>('ClosedOrders', { end, ofs: 0 });
    const p1 = await client.ok<{ closed: Record<string, Row>; count: number }>('ClosedOrders', { end, ofs: 50 });
    expect(p0.count).toBe(N);
    expect(Object.keys(p0.closed)).toHaveLength(50);
    expect(Object.keys(p1.closed)).toHaveLength(N - 50);
    const all = { ...p0.closed, ...p1.closed };
    expect(new Set(Object.values(all).map((r) => r.cl_ord_id)).size).toBe(N);
    const closeTimes = [...Object.values(p0.closed), ...Object.values(p1.closed)].map((r) => r.closetm ?? 0);
    expect(closeTimes).toEqual([...closeTimes].sort((a, b) => b - a));
    const cancelled = Object.values(all).filter((r) => r.status === 'canceled');
    expect(cancelled).toHaveLength(N / 5);
    for (const r of cancelled) expect(r.reason).toBe('User requested');
    for (const r of Object.values(all)) expect(r.closetm).toBeGreaterThanOrEqual(r.opentm);
  });

  it('filters ClosedOrders by cl_ord_id and by an exclusive start', async () => {
    const one = await client.ok<{ closed: Record<string, Row>; count: number }>('ClosedOrders', { cl_ord_id: 'h-7', trades: true });
    expect(one.count).toBe(1);
    const row = Object.values(one.closed)[0]!;
    expect(row).toMatchObject({ cl_ord_id: 'h-7', status: 'closed' });
    expect(row.trades).toHaveLength(1);
    // start is exclusive: orders opened or closed after the 50th order's placement second.
    const later = await client.ok<{ closed: Record<string, Row>; count: number }>('ClosedOrders', { start: String(placedAt[49]! / 1000), closetime: 'open' });
    expect(later.count).toBe(N - 50);
    expect(await client.ok<{ count: number }>('ClosedOrders', { cl_ord_id: 'never-sent' })).toMatchObject({ count: 0 });
  });

  it('pages TradesHistory with each fill fee in the quote currency (taker 0.26 % of cost, rounded up)', async () => {
    const fills = N - N / 5;
    const end = String(Math.floor(clock / 1000));
    const p0 = await client.ok<{ trades: Record<string, Trade>; count: number }>('TradesHistory', { end, ofs: 0 });
    const p1 = await client.ok<{ trades: Record<string, Trade>; count: number }>('TradesHistory', { end, ofs: 50 });
    expect(p0.count).toBe(fills);
    expect(fills).toBeGreaterThan(50);
    expect(Object.keys(p0.trades)).toHaveLength(50);
    expect(Object.keys(p1.trades)).toHaveLength(fills - 50);
    const all = { ...p0.trades, ...p1.trades };
    expect(Object.keys(all)).toHaveLength(fills);
    for (const t of Object.values(all)) {
      expect(t).toMatchObject({ pair: 'XXBTZUSD', type: 'buy', vol: '0.00010000', maker: false });
      // cost and fee at the pair's cost_decimals (5); the venue keeps USD at 4.
      const cost = units(t.cost, 5) / 10n;
      const fee = units(t.fee, 5) / 10n;
      expect(fee).toBe((cost * 26n + 9_999n) / 10_000n);
      expect(fee).toBeGreaterThan(0n);
    }
    const since = await client.ok<{ count: number }>('TradesHistory', { start: String(placedAt[49]! / 1000) });
    expect(since.count).toBe(Array.from({ length: N - 50 }, (_, k) => k + 50).filter((i) => i % 5 !== 4).length);
  });

  it('answers QueryTrades for up to 20 trade txids and refuses more', async () => {
    const h = await client.ok<{ trades: Record<string, Trade> }>('TradesHistory');
    const ids = Object.keys(h.trades).slice(0, 3);
    const q = await client.ok<Record<string, Trade>>('QueryTrades', { txid: ids.join(',') });
    expect(Object.keys(q).sort()).toEqual([...ids].sort());
    expect(q[ids[0]!]).toEqual(h.trades[ids[0]!]);
    const tooMany = await client.post('QueryTrades', { txid: Array.from({ length: 21 }, (_, i) => `T${i}`).join(',') });
    expect(tooMany.error).toEqual(['EGeneral:Invalid arguments:txid']);
  });

  it('charges a maker fill 0.16 % of its cost in the quote currency', async () => {
    const price = market.lastPrice('BTC/USD') - 100n;
    const add = await client.ok<{ txid: string[] }>('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'limit', price: formatFixed(price, 1), volume: '0.001', cl_ord_id: 'maker-1' });
    market.printTrade('BTC/USD', price - 5n, 10n, 'sell', clock);
    const q = await client.ok<Record<string, Row>>('QueryOrders', { txid: add.txid[0]!, trades: true });
    const tid = q[add.txid[0]!]!.trades![0]!;
    const t = (await client.ok<Record<string, Trade>>('QueryTrades', { txid: tid }))[tid]!;
    expect(t.maker).toBe(true);
    const cost = units(t.cost, 5) / 10n;
    expect(units(t.fee, 5) / 10n).toBe((cost * 16n + 9_999n) / 10_000n);
  });
});
