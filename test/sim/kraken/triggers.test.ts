/**
 * Trigger orders and amends on the local venue: triggers fire when the last trade price
 * reaches them from the side the sheet says (§9), trailing stops follow the peak, fired
 * orders act as market or limit orders; amends keep or lose queue place (§8). A fixed
 * clock and trades printed by the test make every step deterministic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Market, formatFixed } from '../../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { PrivateClient } from './clients.js';

type Rec = Record<string, unknown>;

describe('Kraken sim trigger orders and amends', () => {
  let sim: KrakenSim;
  let market: Market;
  let client: PrivateClient;
  const clock = Date.UTC(2025, 4, 14, 11, 0, 0);
  const now = (): number => clock;

  beforeAll(async () => {
    market = new Market({ seed: 9, symbols: krakenMarketSymbols(), now, historySeconds: 600 });
    sim = await startKrakenSim({ seed: 9, market, now, tier: 'pro' });
    client = new PrivateClient(sim.rest, sim.apiKey, sim.apiSecret);
  });
  afterAll(() => sim.close());

  const last = (): bigint => market.lastPrice('BTC/USD');
  const px = (v: bigint): string => formatFixed(v, 1);
  const query = async (txid: string): Promise<Rec> => (await client.ok<Record<string, Rec>>('QueryOrders', { txid }))[txid]!;

  it('a sell stop-loss waits while the price rises, fires when the last trade falls to it, and sells at market', async () => {
    const trigger = last() - 500n;
    const add = await client.ok<{ txid: string[]; descr: { order: string } }>('AddOrder', { pair: 'XBTUSD', type: 'sell', ordertype: 'stop-loss', price: px(trigger), volume: '0.001' });
    const txid = add.txid[0]!;
    expect(add.descr.order).toBe(`sell 0.00100000 XBTUSD @ stop loss ${px(trigger)}`);
    let o = await query(txid);
    expect(o).toMatchObject({ status: 'open', stopprice: px(trigger), vol_exec: '0.00000000' });
    expect((o['descr'] as Rec)['ordertype']).toBe('stop-loss');
    expect(String(o['misc'])).not.toContain('touched');
    // Up, then down but not yet to the trigger: nothing.
    sim.tradeAt('BTC/USD', px(trigger + 1000n));
    sim.tradeAt('BTC/USD', px(trigger + 1n));
    expect((await query(txid))['status']).toBe('open');
    sim.tradeAt('BTC/USD', px(trigger - 2n), '0.0001', 'sell');
    o = await query(txid);
    expect(o['status']).toBe('closed');
    expect(o['vol_exec']).toBe('0.00100000');
    expect(String(o['misc'])).toContain('touched');
    expect(sim.record.orders.get(txid)?.triggeredMs).toBe(clock);
  });

  it('a buy take-profit-limit fires as the price falls to its trigger and then rests at its limit', async () => {
    const trigger = last() - 300n;
    const limit = trigger - 200n;
    const add = await client.ok<{ txid: string[] }>('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'take-profit-limit', price: px(trigger), price2: px(limit), volume: '0.001' });
    const txid = add.txid[0]!;
    expect(await query(txid)).toMatchObject({ status: 'open', stopprice: px(trigger), limitprice: '0.0' });
    sim.tradeAt('BTC/USD', px(trigger + 50n));
    expect(String((await query(txid))['misc'])).not.toContain('touched');
    sim.tradeAt('BTC/USD', px(trigger));
    const o = await query(txid);
    // Triggered, resting at its limit below the market: open, untouched by fills.
    expect(o).toMatchObject({ status: 'open', vol_exec: '0.00000000', limitprice: px(limit) });
    expect(String(o['misc'])).toContain('touched');
    expect(sim.queueAt('BTC/USD', 'buy', px(limit))).toContain(txid);
    await client.ok('CancelOrder', { txid });
  });

  it('a trailing stop sell follows the peak and fires on a pullback of its offset', async () => {
    const start = last();
    const add = await client.ok<{ txid: string[] }>('AddOrder', { pair: 'XBTUSD', type: 'sell', ordertype: 'trailing-stop', price: '+100.0', volume: '0.001' });
    const txid = add.txid[0]!;
    expect((await query(txid))['stopprice']).toBe(px(start - 1000n));
    sim.tradeAt('BTC/USD', px(start + 3000n));
    expect((await query(txid))['stopprice']).toBe(px(start + 2000n));
    // A pullback smaller than the offset keeps it waiting; one as large fires it.
    sim.tradeAt('BTC/USD', px(start + 2500n));
    expect((await query(txid))['status']).toBe('open');
    sim.tradeAt('BTC/USD', px(start + 2000n), '0.0001', 'sell');
    expect((await query(txid))['status']).toBe('closed');
  });

  it('a percent trailing-stop-limit buy follows the low, and its limit sits its offset above the trigger once fired', async () => {
    sim.tradeAt('BTC/USD', '60000.0');
    const txid = (await client.ok<{ txid: string[] }>('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'trailing-stop-limit', price: '+2%', price2: '+5.0', volume: '0.001' })).txid[0]!;
    let o = await query(txid);
    expect(o).toMatchObject({ stopprice: '61200.0' });
    expect(o['descr']).toMatchObject({ price: '+2.00%', price2: '+5.0' });
    sim.tradeAt('BTC/USD', '50000.0');
    expect((await query(txid))['stopprice']).toBe('51000.0');
    sim.tradeAt('BTC/USD', '50900.0');
    expect((await query(txid))['misc']).not.toContain('touched');
    sim.tradeAt('BTC/USD', '51000.0');
    o = await query(txid);
    expect(String(o['misc'])).toContain('touched');
    expect(o['limitprice']).toBe('51005.0');
    await client.post('CancelOrder', { txid });
  });

  it('refuses a trailing stop without a positive relative offset', async () => {
    const r = await client.post('AddOrder', { pair: 'XBTUSD', type: 'sell', ordertype: 'trailing-stop', price: px(last()), volume: '0.001' });
    expect(r.error[0]).toMatch(/^EGeneral:Invalid arguments:price/);
  });

  it('amends: a size decrease keeps queue place, a size increase or a price change goes to the back; below-filled cancels the rest', async () => {
    const price = px(last() - 5000n);
    const a = (await client.ok<{ txid: string[] }>('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'limit', price, volume: '0.003' })).txid[0]!;
    const b = (await client.ok<{ txid: string[] }>('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'limit', price, volume: '0.003' })).txid[0]!;
    expect(sim.queueAt('BTC/USD', 'buy', price)).toEqual([a, b]);
    await client.ok('AmendOrder', { txid: a, order_qty: '0.002' });
    expect(sim.queueAt('BTC/USD', 'buy', price)).toEqual([a, b]);
    await client.ok('AmendOrder', { txid: a, order_qty: '0.004' });
    expect(sim.queueAt('BTC/USD', 'buy', price)).toEqual([b, a]);
    const amends = await client.ok<{ count: number; amends: Rec[] }>('OrderAmends', { order_id: a });
    expect(amends.count).toBe(3);
    expect(amends.amends.map((x) => x['amend_type'])).toEqual(['original', 'user', 'user']);
    expect(amends.amends.map((x) => x['order_qty'])).toEqual(['0.00300000', '0.00200000', '0.00400000']);
    // Fill b partly, then amend it below what filled: the rest is cancelled.
    sim.tradeAt('BTC/USD', price, '0.002', 'sell');
    expect((await query(b))['vol_exec']).toBe('0.00200000');
    await client.ok('AmendOrder', { txid: b, order_qty: '0.001' });
    expect(await query(b)).toMatchObject({ status: 'closed', vol_exec: '0.00200000', vol: '0.00200000' });
    await client.ok('CancelOrder', { txid: a });
  });

  it('amends a stop trigger that has not fired; no change at all is refused', async () => {
    const trigger = last() - 800n;
    const txid = (await client.ok<{ txid: string[] }>('AddOrder', { pair: 'XBTUSD', type: 'sell', ordertype: 'stop-loss', price: px(trigger), volume: '0.001' })).txid[0]!;
    await client.ok('AmendOrder', { txid, trigger_price: px(trigger - 100n) });
    expect((await query(txid))['stopprice']).toBe(px(trigger - 100n));
    const same = await client.post('AmendOrder', { txid, trigger_price: px(trigger - 100n) });
    expect(same.error[0]).toBe('EOrder:No amendable parameters');
    await client.ok('CancelOrder', { txid });
  });
});
