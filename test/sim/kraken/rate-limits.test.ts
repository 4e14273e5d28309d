import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Market } from '../../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { PrivateClient, WsProbe } from './clients.js';

describe('Kraken sim rate limits', () => {
  let sim: KrakenSim;
  let client: PrivateClient;
  // Time only moves when a test moves it, so decay is exact and nothing sleeps.
  let clock = Date.UTC(2025, 4, 14, 10, 0, 0);
  const now = (): number => clock;

  beforeAll(async () => {
    const market = new Market({ seed: 3, symbols: krakenMarketSymbols(), now, historySeconds: 600 });
    sim = await startKrakenSim({ seed: 3, market, now, limits: { tradingMax: 5, tradingDecayPerSec: 1, restMax: 3, restDecayPerSec: 1 } });
    client = new PrivateClient(sim.rest, sim.apiKey, sim.apiSecret);
  });
  afterAll(() => sim.close());

  // Far below the market, so they rest.
  const BUY: Record<string, { price: string; volume: string }> = {
    XBTUSD: { price: '20000.0', volume: '0.001' },
    ETHUSD: { price: '1000.00', volume: '0.01' },
    SOLUSD: { price: '10.00', volume: '0.1' },
  };
  const restingBuy = (pair = 'XBTUSD'): Promise<{ error: string[]; result?: Record<string, unknown> }> =>
    client.post('AddOrder', { pair, type: 'buy', ordertype: 'limit', ...BUY[pair] });

  it('refuses the add that would pass the per-pair trading threshold with EOrder:Rate limit exceeded, and lets it through once decayed', async () => {
    for (let i = 0; i < 5; i++) expect((await restingBuy()).error).toEqual([]);
    expect((await restingBuy()).error).toEqual(['EOrder:Rate limit exceeded']);
    expect(sim.record.errorCount('EOrder:Rate limit exceeded')).toBe(1);
    // Another pair has its own counter.
    expect((await restingBuy('ETHUSD')).error).toEqual([]);
    clock += 2000;
    expect(sim.record.tradingCounter('XBTUSD')).toBe(3);
    expect((await restingBuy()).error).toEqual([]);
    expect((await restingBuy()).error).toEqual([]);
    expect((await restingBuy()).error).toEqual(['EOrder:Rate limit exceeded']);
    expect(sim.record.errorCount('EOrder:Rate limit exceeded')).toBe(2);
  });

  it('shares the trading counter between REST and WS order entry', async () => {
    const p = await WsProbe.open(sim.ws);
    const token = await client.token();
    const r = await p.request('add_order', { token, symbol: 'BTC/USD', side: 'buy', order_type: 'limit', order_qty: 0.001, limit_price: 20000 }, 7);
    expect(r['success']).toBe(false);
    expect(r['error']).toBe('EOrder:Rate limit exceeded');
    expect(sim.record.wsErrors.get('EOrder:Rate limit exceeded')).toBe(1);
    p.close();
  });

  it('charges +8 for cancelling an order younger than 5 s and nothing after 300 s', async () => {
    clock += 60_000; // counter back to 0
    const placed = await restingBuy('SOLUSD');
    const txid = (placed.result?.['txid'] as string[])[0] ?? '';
    expect(sim.record.tradingCounter('SOLUSD')).toBe(1);
    clock += 1000;
    expect((await client.post('CancelOrder', { txid })).error).toEqual([]);
    expect(sim.record.tradingCounter('SOLUSD')).toBe(8);
    clock += 60_000;
    const old = await restingBuy('SOLUSD');
    clock += 301_000;
    expect((await client.post('CancelOrder', { txid: (old.result?.['txid'] as string[])[0] ?? '' })).error).toEqual([]);
    expect(sim.record.tradingCounter('SOLUSD')).toBe(0);
  });

  it('counts REST calls per key, ledger and trade history double, order entry not at all', async () => {
    clock += 60_000;
    expect((await client.post('Balance')).error).toEqual([]);
    expect((await client.post('TradesHistory')).error).toEqual([]);
    expect(sim.record.restCounter(sim.apiKey)).toBe(3);
    expect((await client.post('OpenOrders')).error).toEqual(['EAPI:Rate limit exceeded']);
    // AddOrder and CancelOrder go to the trading counter, so they still work.
    expect((await restingBuy('ETHUSD')).error).toEqual([]);
    clock += 1000;
    expect((await client.post('OpenOrders')).error).toEqual([]);
    expect((await client.post('Balance')).error).toEqual(['EAPI:Rate limit exceeded']);
    expect(sim.record.errorCount('EAPI:Rate limit exceeded')).toBe(2);
  });
});
