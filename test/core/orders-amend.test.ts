/**
 * Amending a working order through the journal: checked like an order, committed before it is
 * sent, idempotent by amend id, and settled by the venue's evidence when its answer is lost —
 * including T-Invest's replace, which retires the order's venue id and re-posts it under the
 * amend id.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AmendRequest, Order, OrderRequest, OrderUpdate } from '../../common/domain.js';
import { Hub, HubError } from '../../electron/core/hub.js';
import { Session } from '../../electron/bridge/session.js';
import { VenueError } from '../../electron/venues/venue.js';
import { evidenceOf, tradingVenues } from './memory-trading-venue.js';
import type { MemoryTradingVenue } from './memory-trading-venue.js';

function limitBuy(patch: Partial<OrderRequest> = {}): OrderRequest {
  return { venue: 'tinvest', accountId: 'acc-1', instrumentId: 'id-SBER', side: 'buy', type: 'limit', quantity: '2', price: '100.5', clientOrderId: randomUUID(), ...patch };
}

function amendOf(o: Order, patch: Partial<AmendRequest> = {}): AmendRequest {
  return { venue: o.venue, accountId: o.accountId, clientOrderId: o.clientOrderId, amendId: randomUUID(), ...patch };
}

interface Rig {
  hub: Hub;
  venue: MemoryTradingVenue;
  updates: OrderUpdate[];
}

async function rig(opts: { maxNotional?: Record<string, string> } = {}): Promise<Rig> {
  const hub = new Hub({ resolveRetryMs: 10, ...(opts.maxNotional ? { risk: { maxNotional: opts.maxNotional } } : {}) });
  const venues = tradingVenues();
  hub.addVenue(venues.factory);
  await hub.connect('tinvest');
  const updates: OrderUpdate[] = [];
  hub.on({ order: (u) => updates.push(u) });
  return { hub, venue: venues.current(), updates };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HubError) return { code: err.code, message: err.message };
    if (err instanceof VenueError) return { code: err.kind, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('order journal: amending', () => {
  it('amends a working order on the venue: new price and size, its amend recorded once, the intent stored before the send', async () => {
    const { hub, venue, updates } = await rig();
    const placed = await hub.journal.place(limitBuy());
    const req = amendOf(placed, { price: '99.75', quantity: '3' });
    let eventsAtSend: string[] = [];
    venue.onAmend = () => {
      eventsAtSend = hub.journal.events('tinvest', placed.clientOrderId).map((e) => e.kind);
    };
    const after = await hub.journal.amend(req);
    expect(venue.amendsSent).toEqual([{ req, venueOrderId: 'v-1' }]);
    expect(eventsAtSend.at(-1)).toBe('amend-intent');
    expect(after).toMatchObject({ status: 'open', price: '99.75', quantity: '3', venueOrderId: 'v-1' });
    expect(after.amends).toEqual([{ amendId: req.amendId, price: '99.75', quantity: '3', venueOrderId: 'v-1', at: 6 }]);
    expect(updates.at(-1)?.order).toEqual(after);
    expect(hub.journal.get('tinvest', placed.clientOrderId)).toEqual(after);
  });

  it('is idempotent by amend id: a repeat returns the order and sends nothing; another amend under the same id is refused', async () => {
    const { hub, venue } = await rig();
    const placed = await hub.journal.place(limitBuy());
    const req = amendOf(placed, { price: '99' });
    const [a, b] = await Promise.all([hub.journal.amend(req), hub.journal.amend({ ...req })]);
    expect(a).toEqual(b);
    expect(await hub.journal.amend({ ...req, price: '99.00' })).toEqual(a);
    expect(venue.amendsSent).toHaveLength(1);
    expect(await refusal(hub.journal.amend({ ...req, price: '98' }))).toMatchObject({ code: 'invalid', message: expect.stringMatching(/amend id was already used/) });
    // An amend id must not name an order either: T-Invest sends it as a request id.
    const other = await hub.journal.place(limitBuy());
    expect(await refusal(hub.journal.amend(amendOf(placed, { amendId: other.clientOrderId, price: '98' })))).toMatchObject({ code: 'invalid' });
    expect(venue.amendsSent).toHaveLength(1);
  });

  it('refuses, before anything is stored or sent, what the order cannot take', async () => {
    const { hub, venue } = await rig({ maxNotional: { rub: '5000' } });
    const limit = await hub.journal.place(limitBuy());
    const stop = await hub.journal.place(limitBuy({ type: 'stop-loss', side: 'sell', triggerPrice: '90', price: undefined }));
    const cases: [AmendRequest, RegExp][] = [
      [amendOf(limit, { price: '100.555' }), /price 100.555 is not a multiple of the price step 0.01 for SBER: the nearest valid prices are 100.55 and 100.56/],
      [amendOf(limit, { quantity: '2.5' }), /quantity 2.5 is not a multiple of the quantity step 1/],
      [amendOf(limit, { triggerPrice: '95' }), /a limit order has no trigger price to change/],
      [amendOf(stop, { price: '95' }), /a stop-loss order has no limit price to change/],
      [amendOf(stop, { triggerPrice: '90.001' }), /trigger price 90.001 is not a multiple of the price step/],
      [amendOf(limit, { quantity: '5' }), /order value 5025 rub is over the limit of 5000 rub per order/],
      [amendOf(stop, { quantity: '6' }), /order value 5400 rub is over the limit/],
      [{ ...amendOf(limit, { price: '99' }), accountId: 'acc-2' }, /that account has no order with this client order id/],
    ];
    for (const [req, why] of cases) expect((await refusal(hub.journal.amend(req))).message).toMatch(why);
    // Part filled: the new total must stay above what is filled.
    venue.update({ ...venue.held.get(limit.clientOrderId)!, status: 'partially-filled', filledQuantity: '1', fills: [{ tradeId: 't1', price: '100.5', quantity: '1', time: 5 }] });
    expect((await refusal(hub.journal.amend(amendOf(limit, { quantity: '1' })))).message).toMatch(/must be more than the 1 already filled/);
    // A final order is not amended.
    await hub.journal.cancel('tinvest', 'acc-1', stop.clientOrderId);
    expect((await refusal(hub.journal.amend(amendOf(stop, { triggerPrice: '91' })))).message).toMatch(/is cancelled: only a working order can be amended/);
    expect(venue.amendsSent).toEqual([]);
    expect(hub.journal.events('tinvest', limit.clientOrderId).some((e) => e.kind === 'amend-intent')).toBe(false);
  });

  it('refuses an amend of an order whose state is unknown, and on a venue without amends', async () => {
    const { hub, venue } = await rig();
    venue.answer = 'lose';
    const lost = await hub.journal.place(limitBuy());
    expect(lost.status).toBe('unknown');
    expect((await refusal(hub.journal.amend(amendOf(lost, { price: '99' })))).message).toMatch(/is unknown: only a working order can be amended/);
    const plain = new Hub();
    const venues = tradingVenues();
    plain.addVenue(venues.factory);
    await plain.connect('tinvest');
    (venues.current() as { amendOrder?: unknown }).amendOrder = undefined;
    venues.current().answer = 'ack';
    const o = await plain.journal.place(limitBuy());
    expect(await refusal(plain.journal.amend(amendOf(o, { price: '99' })))).toMatchObject({ code: 'rejected', message: expect.stringMatching(/amending orders is not available/) });
  });

  it('leaves the order as it was when the venue refuses the amend, and tells the caller the venue\'s code', async () => {
    const { hub, venue } = await rig();
    const placed = await hub.journal.place(limitBuy());
    venue.amendAnswer = 'reject';
    const err = await hub.journal.amend(amendOf(placed, { price: '99' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VenueError);
    expect(err).toMatchObject({ kind: 'rejected', code: '30059' });
    expect(hub.journal.get('tinvest', placed.clientOrderId)).toEqual(placed);
    expect(hub.journal.events('tinvest', placed.clientOrderId).map((e) => e.kind).slice(-2)).toEqual(['amend-intent', 'amend-refused']);
  });

  it('makes the order unknown when the amend\'s answer is lost, and resolves it by the amend ids', async () => {
    const { hub, venue } = await rig();
    const placed = await hub.journal.place(limitBuy());
    venue.replaceOnAmend = true;
    venue.amendAnswer = 'lose';
    const req = amendOf(placed, { price: '99' });
    const after = await hub.journal.amend(req);
    expect(after.status).toBe('unknown');
    await until(() => hub.journal.get('tinvest', placed.clientOrderId)?.status === 'open');
    expect(venue.resolveHints.at(-1)).toMatchObject({ venueOrderId: 'v-1', amendIds: [req.amendId] });
    // The replacement under the amend id became the original order, never a second one.
    expect(hub.orders()).toHaveLength(1);
    expect(hub.journal.get('tinvest', placed.clientOrderId)).toMatchObject({ price: '99', venueOrderId: 'v-2', amends: [{ amendId: req.amendId, price: '99', venueOrderId: 'v-2' }] });
  });

  it('T-Invest style replace: the retired id\'s cancel does not end the order, and evidence under the amend id folds into it', async () => {
    const { hub, venue } = await rig();
    venue.replaceOnAmend = true;
    const placed = await hub.journal.place(limitBuy());
    const req = amendOf(placed, { price: '99' });
    // The venue's stream tells the old incarnation's end before the replace answers.
    venue.onAmend = () => venue.update({ ...venue.held.get(placed.clientOrderId)!, status: 'cancelled', updatedAt: 5 });
    const after = await hub.journal.amend(req);
    expect(after).toMatchObject({ status: 'open', price: '99', venueOrderId: 'v-2' });
    expect(hub.journal.get('tinvest', placed.clientOrderId)?.status).toBe('open');
    // The new incarnation fills: the stream names it by the amend id.
    venue.update({ ...venue.held.get(req.amendId)!, status: 'filled', filledQuantity: '2', fills: [{ tradeId: 't-9', price: '99', quantity: '2', time: 7 }], updatedAt: 7 });
    expect(hub.orders()).toHaveLength(1);
    expect(hub.journal.get('tinvest', placed.clientOrderId)).toMatchObject({ status: 'filled', filledQuantity: '2', venueOrderId: 'v-2' });
    // A cancel the trader really made while an amend was out still ends the order.
    const other = await hub.journal.place(limitBuy());
    venue.replaceOnAmend = false;
    venue.amendAnswer = 'reject';
    venue.onAmend = () => venue.update({ ...venue.held.get(other.clientOrderId)!, status: 'cancelled', updatedAt: 8 });
    await hub.journal.amend(amendOf(other, { price: '98' })).catch(() => undefined);
    expect(hub.journal.get('tinvest', other.clientOrderId)?.status).toBe('cancelled');
  });

  it('refuses a second amend of one order while the first is out', async () => {
    const { hub, venue } = await rig();
    const placed = await hub.journal.place(limitBuy());
    let second: Promise<unknown> | undefined;
    venue.onAmend = () => {
      second ??= refusal(hub.journal.amend(amendOf(placed, { price: '98' })));
    };
    await hub.journal.amend(amendOf(placed, { price: '99' }));
    expect(await second).toMatchObject({ code: 'invalid', message: expect.stringMatching(/being sent; wait for its answer/) });
    expect(venue.amendsSent).toHaveLength(1);
  });

  it('settles a lost amend by the venue\'s own record of the order (Kraken style: same ids)', async () => {
    const { hub, venue } = await rig();
    const placed = await hub.journal.place(limitBuy());
    venue.amendAnswer = 'lose';
    await hub.journal.amend(amendOf(placed, { quantity: '4' }));
    await until(() => hub.journal.get('tinvest', placed.clientOrderId)?.status === 'open');
    expect(hub.journal.get('tinvest', placed.clientOrderId)).toMatchObject({ quantity: '4', venueOrderId: 'v-1' });
    expect(evidenceOf(venue.held.get(placed.clientOrderId)!, 'reconcile').terms?.quantity).toBe('4');
  });

  it('a lost replace: the old incarnation\'s cancel seen meanwhile does not end the order; resolving finds the replacement', async () => {
    const { hub, venue } = await rig();
    venue.replaceOnAmend = true;
    const placed = await hub.journal.place(limitBuy());
    venue.amendAnswer = 'lose';
    const req = amendOf(placed, { price: '99' });
    venue.onAmend = () => venue.update({ ...venue.held.get(placed.clientOrderId)!, status: 'cancelled', updatedAt: 5 });
    expect((await hub.journal.amend(req)).status).toBe('unknown');
    await until(() => hub.journal.get('tinvest', placed.clientOrderId)?.status === 'open');
    expect(hub.journal.get('tinvest', placed.clientOrderId)).toMatchObject({ price: '99', venueOrderId: 'v-2' });
  });

  it('merging the venue\'s history reads a replacement before the incarnation it replaced, whatever order the venue lists them in', async () => {
    const { hub, venue } = await rig();
    venue.replaceOnAmend = true;
    const placed = await hub.journal.place(limitBuy());
    venue.amendAnswer = 'lose';
    // The venue can't be asked for now: only its history will tell.
    (venue as { resolveOrder?: unknown }).resolveOrder = async () => {
      throw new VenueError('unavailable', 'BUSY', 'try later');
    };
    const req = amendOf(placed, { price: '99' });
    await hub.journal.amend(req);
    const old = evidenceOf(venue.held.get(placed.clientOrderId)!, 'history');
    const replacement = evidenceOf(venue.held.get(req.amendId)!, 'history');
    (venue as { accountHistory?: unknown }).accountHistory = async () => ({ orders: [old, replacement], trades: [] });
    await hub.journal.mergeHistory('tinvest', { force: true });
    expect(hub.orders()).toHaveLength(1);
    expect(hub.journal.get('tinvest', placed.clientOrderId)).toMatchObject({ status: 'open', price: '99', venueOrderId: 'v-2' });
  });

  it('through the bridge: orders.amend answers with the amended order, or with the venue\'s refusal and its code', async () => {
    const { hub, venue } = await rig();
    const session = new Session({ hub, transport: 'ipc', push: () => undefined, diagnosticsMs: 0 });
    const placed = await hub.journal.place(limitBuy());
    const ok = await session.handle('orders.amend', { venue: 'tinvest', accountId: 'acc-1', clientOrderId: placed.clientOrderId, price: '99.5', amendId: randomUUID() });
    expect(ok).toMatchObject({ ok: true, value: { price: '99.5', status: 'open' } });
    venue.amendAnswer = 'reject';
    const refused = await session.handle('orders.amend', { venue: 'tinvest', accountId: 'acc-1', clientOrderId: placed.clientOrderId, quantity: '3', amendId: randomUUID() });
    expect(refused).toEqual({ ok: false, code: 'rejected', message: 'the order cannot be amended now', venue: { code: '30059' } });
    const offStep = await session.handle('orders.amend', { venue: 'tinvest', accountId: 'acc-1', clientOrderId: placed.clientOrderId, price: '99.555', amendId: randomUUID() });
    expect(offStep).toMatchObject({ ok: false, code: 'invalid' });
    expect(hub.journal.get('tinvest', placed.clientOrderId)).toMatchObject({ price: '99.5', quantity: '2' });
    session.close();
  });

  it('after two replaces, the first replacement\'s cancel (under its amend id) does not end the order', async () => {
    const { hub, venue } = await rig();
    venue.replaceOnAmend = true;
    const placed = await hub.journal.place(limitBuy());
    const first = amendOf(placed, { price: '99' });
    await hub.journal.amend(first);
    const second = { ...amendOf(placed, { price: '98' }) };
    // The venue replaces the replacement: the memory venue keys it by the order's client id.
    venue.held.set(placed.clientOrderId, venue.held.get(first.amendId)!);
    await hub.journal.amend(second);
    expect(hub.journal.get('tinvest', placed.clientOrderId)).toMatchObject({ price: '98', venueOrderId: 'v-3' });
    // The stream tells that the first replacement (v-2) ended, under the first amend id.
    venue.update({ ...venue.held.get(first.amendId)!, status: 'cancelled', updatedAt: 9 });
    expect(hub.journal.get('tinvest', placed.clientOrderId)).toMatchObject({ status: 'open', price: '98', venueOrderId: 'v-3' });
    expect(hub.journal.get('tinvest', placed.clientOrderId)?.amends?.map((a) => a.amendId)).toEqual([first.amendId, second.amendId]);
    // The current one's end is the order's end.
    venue.update({ ...venue.held.get(second.amendId)!, status: 'cancelled', updatedAt: 10 });
    expect(hub.journal.get('tinvest', placed.clientOrderId)?.status).toBe('cancelled');
  });
});
