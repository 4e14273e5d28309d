/**
 * Placing stop, take-profit and trailing orders with a time in force: each field is checked
 * before anything is stored or sent, and the per-order value limit uses the price the order
 * would trade at.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../common/domain.js';
import { Hub, HubError } from '../../electron/core/hub.js';
import { tradingVenues } from './memory-trading-venue.js';
import type { MemoryTradingVenue } from './memory-trading-venue.js';

const NOW = 1_700_000_000_000;

function order(patch: Partial<OrderRequest> = {}): OrderRequest {
  return { venue: 'tinvest', accountId: 'acc-1', instrumentId: 'id-SBER', side: 'sell', type: 'stop-loss', quantity: '2', triggerPrice: '90', clientOrderId: randomUUID(), ...patch };
}

async function rig(maxNotional?: Record<string, string>): Promise<{ hub: Hub; venue: MemoryTradingVenue }> {
  const hub = new Hub({ now: () => NOW, ...(maxNotional ? { risk: { maxNotional } } : {}) });
  const venues = tradingVenues();
  hub.addVenue(venues.factory);
  await hub.connect('tinvest');
  return { hub, venue: venues.current() };
}

async function why(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HubError && err.code === 'invalid') return err.message;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('order journal: stop and conditional orders', () => {
  it('places each order type the venue offers with its fields kept', async () => {
    const { hub, venue } = await rig();
    const stop = await hub.journal.place(order({ timeInForce: 'gtd', expireAt: NOW + 3_600_000 }));
    expect(stop).toMatchObject({ type: 'stop-loss', triggerPrice: '90', timeInForce: 'gtd', expireAt: NOW + 3_600_000, status: 'open' });
    expect(stop.price).toBeUndefined();
    const tp = await hub.journal.place(order({ type: 'take-profit-limit', triggerPrice: '110', price: '109.5' }));
    expect(tp).toMatchObject({ triggerPrice: '110', price: '109.5' });
    const trail = await hub.journal.place(order({ type: 'trailing-stop-limit', triggerPrice: undefined, price: '95', trailingOffset: { value: '0.50', unit: 'price' } }));
    expect(trail.trailingOffset).toEqual({ value: '0.5', unit: 'price' });
    expect(venue.placed.map((r) => r.type)).toEqual(['stop-loss', 'take-profit-limit', 'trailing-stop-limit']);
  });

  it('refuses what a type does not take or lacks, off-step triggers and offsets, bad expiries and post-only on non-limit orders, sending and storing nothing', async () => {
    const { hub, venue } = await rig();
    const cases: [Partial<OrderRequest>, RegExp][] = [
      [{ triggerPrice: '90.005' }, /trigger price 90.005 is not a multiple of the price step 0.01 for SBER: the nearest valid prices are 90 and 90.01/],
      [{ triggerPrice: undefined }, /a stop-loss order needs a trigger price/],
      [{ price: '89' }, /a stop-loss order takes no limit price/],
      [{ type: 'stop-loss-limit' }, /a stop-loss-limit order needs a limit price/],
      [{ type: 'limit', price: '100', triggerPrice: '90' }, /a limit order takes no trigger price/],
      [{ type: 'trailing-stop', triggerPrice: undefined }, /a trailing-stop order needs a trailing offset/],
      [{ type: 'trailing-stop', triggerPrice: undefined, trailingOffset: { value: '0', unit: 'price' } }, /0 is not a positive amount/],
      [{ type: 'trailing-stop', triggerPrice: undefined, trailingOffset: { value: '0.015', unit: 'price' } }, /trailing offset 0.015 is not a multiple of the price step/],
      [{ type: 'trailing-stop', triggerPrice: undefined, trailingOffset: { value: '100', unit: 'percent' } }, /in percent must be under 100/],
      [{ type: 'trailing-stop', trailingOffset: { value: '1', unit: 'percent' } }, /a trailing-stop order takes no trigger price/],
      [{ timeInForce: 'gtd' }, /good-till-date needs an expiry time/],
      [{ timeInForce: 'gtd', expireAt: NOW - 1 }, /must be in the future/],
      [{ expireAt: NOW + 1000 }, /only a good-till-date order takes an expiry time/],
      [{ postOnly: true }, /post-only is for limit orders/],
      [{ timeInForce: 'fok' }, /offers time in force day, gtc, gtd, ioc, not fok/],
    ];
    for (const [patch, re] of cases) expect(await why(hub.journal.place(order(patch)))).toMatch(re);
    venue.orderTypes = ['limit', 'market', 'stop-loss'];
    expect(await why(hub.journal.place(order({ type: 'take-profit', triggerPrice: '110' })))).toMatch(/takes limit, market, stop-loss orders, not take-profit/);
    expect(venue.placed).toEqual([]);
    expect(hub.orders()).toEqual([]);
  });

  it('values a stop order at its trigger, a stop-limit at its limit price and a trailing stop at the last price for the per-order limit', async () => {
    const { hub, venue } = await rig({ rub: '1000' });
    // 2 lots × 10 × 60 = 1200 rub at the trigger; the limit price decides for a -limit type.
    expect(await why(hub.journal.place(order({ triggerPrice: '60' })))).toMatch(/order value 1200 rub is over the limit of 1000 rub/);
    await hub.journal.place(order({ triggerPrice: '40' }));
    expect(await why(hub.journal.place(order({ type: 'stop-loss-limit', triggerPrice: '40', price: '55' })))).toMatch(/order value 1100 rub/);
    expect(await why(hub.journal.place(order({ type: 'trailing-stop', triggerPrice: undefined, trailingOffset: { value: '1', unit: 'percent' } })))).toMatch(/no last price of SBER/);
    expect(venue.placed).toHaveLength(1);
  });

  it('refuses a repeat of a client order id with a different trigger, offset, time in force or post-only', async () => {
    const { hub, venue } = await rig();
    const first = order({ timeInForce: 'gtc' });
    await hub.journal.place(first);
    for (const patch of [{ triggerPrice: '91' }, { timeInForce: 'day' as const }, { timeInForce: undefined }]) {
      expect(await why(hub.journal.place({ ...first, ...patch }))).toMatch(/already used for another order/);
    }
    expect(await hub.journal.place({ ...first, triggerPrice: '90.00' })).toMatchObject({ clientOrderId: first.clientOrderId });
    expect(venue.placed).toHaveLength(1);
  });
});
