/**
 * Trigger orders through the adapter against the local venue: sent as add_order `triggers`
 * (or AddOrder price/price2 while the private socket is down), fired by a trade the test
 * prints across the trigger, reported with `triggeredAt`; REST rows of orders placed
 * elsewhere carry their trigger terms.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatFixed } from '../../../sim/market.js';
import { startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { OrderRequest } from '../../../common/domain.js';
import { isVenueError } from '../../../electron/venues/venue.js';
import { PrivateClient } from '../../sim/kraken/clients.js';
import { RecordingSink, removeStateDirs, tempStateDir, waitFor } from './helpers.js';

let sim: KrakenSim | undefined;
let venue: KrakenVenue | undefined;
afterEach(async () => {
  await venue?.close();
  await sim?.close();
  removeStateDirs();
});

async function start(seed: number, wsAuthDown = false): Promise<RecordingSink> {
  sim = await startKrakenSim({ seed });
  const sink = new RecordingSink();
  venue = createKrakenVenue({
    rest: sim.rest,
    ws: sim.ws,
    wsAuth: wsAuthDown ? 'ws://127.0.0.1:9/v2' : sim.wsAuth,
    apiKey: sim.apiKey,
    apiSecret: sim.apiSecret,
    mode: 'demo',
    sink,
    stateDir: tempStateDir(),
    timing: { privateConnectMs: wsAuthDown ? 300 : 10_000 },
  });
  await venue.connect();
  return sink;
}

const last = (): bigint => sim!.market.lastPrice('BTC/USD');
const px = (v: bigint): string => formatFixed(v, 1);
const base = { venue: 'kraken', accountId: 'spot', instrumentId: 'XXBTZUSD', quantity: '0.001' } as const;

describe('Kraken trigger orders', () => {
  it('offers every order type and gtc, gtd, ioc', async () => {
    await start(41);
    expect(venue!.orderTypes).toEqual(['limit', 'market', 'stop-loss', 'stop-loss-limit', 'take-profit', 'take-profit-limit', 'trailing-stop', 'trailing-stop-limit']);
    expect(venue!.timeInForce).toEqual(['gtc', 'gtd', 'ioc']);
  });

  it('a stop-loss sell over WS waits, then fires when the last price falls to it: triggeredAt, then filled', async () => {
    const sink = await start(42);
    const trigger = px(last() - 2000n);
    const ev = await venue!.placeOrder({ ...base, side: 'sell', type: 'stop-loss', triggerPrice: trigger, clientOrderId: 'sl-1' });
    expect(ev.kind).toBe('accepted');
    const rec = sim!.record.orders.get(ev.venueOrderId!)!;
    expect(rec).toMatchObject({ ordertype: 'stop-loss', triggerPrice: `${trigger}`, status: 'open', source: 'ws' });
    await waitFor('open', () => sink.statuses('sl-1').has('open'));
    expect(sink.about('sl-1').some((e) => e.triggeredAt !== undefined)).toBe(false);
    sim!.tradeAt('BTC/USD', trigger, '0.0001', 'sell');
    await waitFor('triggered and filled', () => sink.about('sl-1').some((e) => e.triggeredAt !== undefined) && sink.statuses('sl-1').has('filled'));
    const fired = sink.about('sl-1').find((e) => e.triggeredAt !== undefined)!;
    expect(fired.triggeredAt).toBe(sim!.record.orders.get(ev.venueOrderId!)!.triggeredMs);
  });

  it('a take-profit-limit buy and a trailing-stop-limit sell carry their trigger, limit and offset to the venue and back in terms', async () => {
    const sink = await start(43);
    const trigger = px(last() - 3000n);
    const limit = px(last() - 3100n);
    const tp = await venue!.placeOrder({ ...base, side: 'buy', type: 'take-profit-limit', triggerPrice: trigger, price: limit, timeInForce: 'gtd', expireAt: Date.now() + 3_600_000, clientOrderId: 'tp-1' });
    expect(sim!.record.orders.get(tp.venueOrderId!)).toMatchObject({ ordertype: 'take-profit-limit', triggerPrice: trigger, price: limit, timeInForce: 'GTD' });
    const tr = await venue!.placeOrder({ ...base, side: 'sell', type: 'trailing-stop-limit', trailingOffset: { value: '1.5', unit: 'percent' }, price: '10', clientOrderId: 'ts-1' });
    expect(sim!.record.orders.get(tr.venueOrderId!)).toMatchObject({ ordertype: 'trailing-stop-limit' });
    const open = await venue!.openOrders('spot');
    const tpTerms = open.find((e) => e.clientOrderId === 'tp-1')!.terms!;
    expect(tpTerms).toMatchObject({ type: 'take-profit-limit', triggerPrice: trigger, price: limit, timeInForce: 'gtd' });
    expect(tpTerms.expireAt).toBeGreaterThan(Date.now());
    const trTerms = open.find((e) => e.clientOrderId === 'ts-1')!.terms!;
    expect(trTerms).toMatchObject({ type: 'trailing-stop-limit', trailingOffset: { value: '1.5', unit: 'percent' } });
    expect(trTerms.triggerPrice).toBeDefined();
    await waitFor('tp-1 on the stream', () => sink.about('tp-1').length > 0);
  });

  it('over REST while the private socket is down: a trailing stop with a price offset fires on a pullback', async () => {
    const sink = await start(44, true);
    const top = last() + 5000n;
    const ev = await venue!.placeOrder({ ...base, side: 'sell', type: 'trailing-stop', trailingOffset: { value: '50', unit: 'price' }, clientOrderId: 'tr-rest' });
    expect(sim!.record.orders.get(ev.venueOrderId!)).toMatchObject({ ordertype: 'trailing-stop', source: 'rest' });
    sim!.tradeAt('BTC/USD', px(top));
    expect(sim!.record.orders.get(ev.venueOrderId!)!.triggerPrice).toBe(px(top - 500n));
    sim!.tradeAt('BTC/USD', px(top - 500n), '0.0001', 'sell');
    const r = await venue!.resolveOrder('spot', 'tr-rest', { venueOrderId: ev.venueOrderId!, instrumentId: 'XXBTZUSD', sentAt: Date.now() - 60_000 });
    expect(r).toMatchObject({ kind: 'status', status: 'filled' });
    expect(r.triggeredAt).toBeGreaterThan(0);
    expect(r.terms).toMatchObject({ type: 'trailing-stop', trailingOffset: { value: '50', unit: 'price' } });
    expect(sink.state('ws-private')).not.toBe('live');
  });

  it('refuses what Kraken would not take before sending: no trigger, a trailing stop without an offset, fok, post-only on a stop', async () => {
    await start(45);
    const refused = async (r: Partial<OrderRequest>): Promise<string> => {
      try {
        await venue!.placeOrder({ ...base, side: 'sell', type: 'stop-loss', clientOrderId: `bad-${Math.random().toString(36).slice(2, 10)}`, ...r });
      } catch (e) {
        if (isVenueError(e)) return e.kind;
        throw e;
      }
      return 'placed';
    };
    expect(await refused({})).toBe('invalid');
    expect(await refused({ type: 'trailing-stop' })).toBe('invalid');
    expect(await refused({ triggerPrice: px(last() - 1000n), timeInForce: 'fok' })).toBe('invalid');
    expect(await refused({ triggerPrice: px(last() - 1000n), postOnly: true })).toBe('invalid');
    expect(sim!.record.orders.size).toBe(0);
  });

  it('an order placed elsewhere with a stop reaches reconcile with its trigger terms', async () => {
    const sink = await start(46);
    const client = new PrivateClient(sim!.rest, sim!.apiKey, sim!.apiSecret);
    // The market moves on its own: read the last price once.
    const now = last();
    const trigger = px(now + 4000n);
    const limit = px(now + 4100n);
    await client.ok('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'stop-loss-limit', price: trigger, price2: limit, volume: '0.001', cl_ord_id: 'elsewhere-1' });
    const open = await venue!.openOrders('spot');
    expect(open.find((e) => e.clientOrderId === 'elsewhere-1')?.terms).toMatchObject({ type: 'stop-loss-limit', triggerPrice: trigger, price: limit });
    // The executions stream tells of it too, with the same terms.
    await waitFor('the stream', () => sink.about('elsewhere-1').some((e) => e.terms?.triggerPrice === trigger));
  });
});
