import { describe, expect, it } from 'vitest';
import type { Order, OrderEvidence, OrderStatus } from '../../common/domain.js';
import { FINAL_ORDER_STATUSES } from '../../common/domain.js';
import { ORDER_STATUS_RANK, ORDER_TRANSITIONS, applyEvidence, markUnknown, orderFromEvidence } from '../../electron/core/order-state.js';

const base: Order = {
  venue: 'kraken',
  accountId: 'spot',
  clientOrderId: 'c-1',
  instrumentId: 'XXBTZUSD',
  side: 'buy',
  type: 'limit',
  quantity: '2',
  price: '100',
  status: 'pending',
  filledQuantity: '0',
  fills: [],
  createdAt: 1,
  updatedAt: 1,
};

function ev(patch: Partial<OrderEvidence>): OrderEvidence {
  return { kind: 'status', venue: 'kraken', accountId: 'spot', clientOrderId: 'c-1', at: 10, source: 'stream', ...patch };
}

const ALL: OrderStatus[] = ['pending', 'unknown', 'open', 'partially-filled', 'filled', 'cancelled', 'rejected', 'expired'];

describe('order state machine', () => {
  it('has one rank per status, finals highest, and no transition out of a final state', () => {
    expect(Object.keys(ORDER_STATUS_RANK).sort()).toEqual([...ALL].sort());
    for (const s of ALL) {
      if (FINAL_ORDER_STATUSES.has(s)) {
        expect(ORDER_TRANSITIONS[s].size).toBe(0);
        expect(ORDER_STATUS_RANK[s]).toBe(3);
      }
      // Every allowed move between ranked states goes forward (unknown is left by its own rule).
      for (const to of ORDER_TRANSITIONS[s]) {
        if (s === 'unknown' || to === 'unknown') continue;
        expect(ORDER_STATUS_RANK[to]).toBeGreaterThan(ORDER_STATUS_RANK[s]);
      }
    }
  });

  it('never moves a final order, and says so', () => {
    for (const final of ['filled', 'cancelled', 'rejected', 'expired'] as const) {
      for (const s of ALL) {
        const t = applyEvidence({ ...base, status: final }, ev({ status: s }));
        expect(t.order.status).toBe(final);
        if (s !== final) expect(t.refused).toEqual({ from: final, to: s });
      }
    }
  });

  it('moves forward by rank only: a late "open" after a partial fill changes nothing', () => {
    const partial = applyEvidence({ ...base, status: 'open' }, ev({ kind: 'fill', fills: [{ tradeId: 't1', price: '100', quantity: '1', time: 5 }] })).order;
    expect(partial).toMatchObject({ status: 'partially-filled', filledQuantity: '1' });
    const late = applyEvidence(partial, ev({ status: 'open' }));
    expect(late.changed).toBe(false);
    expect(late.order.status).toBe('partially-filled');
  });

  it('lets any venue evidence settle unknown, and a lost answer make a working order unknown', () => {
    const unknown = markUnknown({ ...base, status: 'open' }, 5).order;
    expect(unknown.status).toBe('unknown');
    expect(applyEvidence(unknown, ev({ status: 'open' })).order.status).toBe('open');
    expect(applyEvidence(unknown, ev({ status: 'cancelled' })).order.status).toBe('cancelled');
    // Our own "sent" is not evidence; the venue showing it pending is.
    expect(applyEvidence(unknown, ev({ status: 'pending', source: 'send' })).order.status).toBe('unknown');
    expect(applyEvidence(unknown, ev({ status: 'pending', source: 'stream' })).order.status).toBe('pending');
    expect(markUnknown({ ...base, status: 'filled' }, 5).changed).toBe(false);
  });

  it('applies each fill once per trade id, and the filled quantity never goes down', () => {
    const fill = { tradeId: 't1', price: '100', quantity: '1', time: 5, fee: '0.26', feeCurrency: 'usd' };
    const once = applyEvidence({ ...base, status: 'open' }, ev({ kind: 'fill', fills: [fill] }));
    expect(once.newFills).toEqual([fill]);
    const twice = applyEvidence(once.order, ev({ kind: 'fill', fills: [fill] }));
    expect(twice.changed).toBe(false);
    expect(twice.newFills).toEqual([]);
    const lower = applyEvidence(once.order, ev({ filledQuantity: '0' }));
    expect(lower.order.filledQuantity).toBe('1');
  });

  it('turns "not found" of an order never answered into a rejection that may be sent again', () => {
    const t = applyEvidence({ ...base, status: 'unknown' }, ev({ kind: 'not-found', source: 'reconcile' }));
    expect(t.order).toMatchObject({ status: 'rejected', reason: { code: 'not-placed' } });
    // An order the venue had acknowledged can't be "not found" into a rejection.
    expect(applyEvidence({ ...base, status: 'open' }, ev({ kind: 'not-found' })).order.status).toBe('open');
  });

  it('redacts the venue text of a rejection, and adopts an order placed elsewhere only with its terms', () => {
    const t = applyEvidence(base, ev({ kind: 'rejected', reason: { code: 'EOrder', message: 'bad key Authorization: Bearer t.abcdefghijklmnopqrstuvwxyz0123456789' } }));
    expect(t.order.reason?.message).not.toContain('abcdefghijklmnop');
    expect(orderFromEvidence(ev({}))).toBeUndefined();
    expect(orderFromEvidence(ev({ terms: { instrumentId: 'XXBTZUSD', side: 'sell', type: 'market', quantity: '1', createdAt: 3 } }))).toMatchObject({ side: 'sell', status: 'pending', fills: [] });
  });
});

describe('order state machine: amends, triggers and the venue\'s own terms', () => {
  const working: Order = { ...base, status: 'open', venueOrderId: 'v-1' };

  it('applies a confirmed amend to a working order: new price, size and venue id, status and fills kept', () => {
    const partial: Order = { ...working, status: 'partially-filled', filledQuantity: '1', fills: [{ tradeId: 't1', price: '100', quantity: '1', time: 5 }] };
    const t = applyEvidence(partial, ev({ status: 'open', amended: { amendId: 'a-1', price: '99', quantity: '3', venueOrderId: 'v-2', at: 20 }, at: 20 }));
    expect(t.changed).toBe(true);
    expect(t.refused).toBeUndefined();
    expect(t.order).toMatchObject({ status: 'partially-filled', price: '99', quantity: '3', venueOrderId: 'v-2', filledQuantity: '1', updatedAt: 20 });
    expect(t.order.fills).toHaveLength(1);
    expect(t.order.amends).toEqual([{ amendId: 'a-1', price: '99', quantity: '3', venueOrderId: 'v-2', at: 20 }]);
  });

  it('applies an amend once per amend id: a repeated confirmation changes nothing', () => {
    const once = applyEvidence(working, ev({ amended: { amendId: 'a-1', price: '99', at: 20 } })).order;
    const twice = applyEvidence(once, ev({ amended: { amendId: 'a-1', price: '99', at: 21 } }));
    expect(twice.changed).toBe(false);
    expect(twice.order.amends).toHaveLength(1);
    const next = applyEvidence(once, ev({ amended: { amendId: 'a-2', triggerPrice: '95', at: 22 } })).order;
    expect(next.amends?.map((a) => a.amendId)).toEqual(['a-1', 'a-2']);
    expect(next).toMatchObject({ price: '99', triggerPrice: '95' });
  });

  it('counts one change told twice under different ids (the venue\'s stream, then our answer) once', () => {
    const byStream = applyEvidence(working, ev({ amended: { amendId: 'venue-7', price: '99', quantity: '2', at: 20 } })).order;
    const byAnswer = applyEvidence(byStream, ev({ source: 'send', amended: { amendId: 'a-1', price: '99', quantity: '2', at: 21 } }));
    expect(byAnswer.changed).toBe(false);
    expect(byAnswer.order.amends).toHaveLength(1);
  });

  it('refuses an amend of a final order and counts it like other stale evidence', () => {
    for (const final of ['filled', 'cancelled', 'rejected', 'expired'] as const) {
      const t = applyEvidence({ ...working, status: final, filledQuantity: final === 'filled' ? '2' : '0' }, ev({ amended: { amendId: 'a-1', price: '99', at: 20 } }));
      expect(t.changed).toBe(false);
      expect(t.order.price).toBe('100');
      expect(t.refused).toEqual({ from: final, to: final });
    }
  });

  it('after a replace, evidence about the old venue id keeps its fills but not its status', () => {
    const replaced = applyEvidence(working, ev({ amended: { amendId: 'a-1', price: '99', venueOrderId: 'v-2', at: 20 } })).order;
    const old = applyEvidence(replaced, ev({ venueOrderId: 'v-1', status: 'cancelled', fills: [{ tradeId: 't0', price: '100', quantity: '1', time: 15 }] }));
    expect(old.order).toMatchObject({ status: 'partially-filled', venueOrderId: 'v-2', filledQuantity: '1' });
    expect(old.refused).toEqual({ from: 'open', to: 'cancelled' });
    // Evidence about the current id moves it as usual.
    expect(applyEvidence(replaced, ev({ venueOrderId: 'v-2', status: 'cancelled' })).order.status).toBe('cancelled');
    // A repeat of the first amend's confirmation after a second replace is about v-2, now retired.
    const twice = applyEvidence(replaced, ev({ amended: { amendId: 'a-2', price: '98', venueOrderId: 'v-3', at: 30 } })).order;
    const stale = applyEvidence(twice, ev({ venueOrderId: 'v-2', status: 'cancelled', amended: { amendId: 'a-1', price: '99', venueOrderId: 'v-2', at: 31 } }));
    expect(stale.order).toMatchObject({ status: 'open', price: '98', venueOrderId: 'v-3' });
  });

  it('sets a stop order\'s trigger time once, its status moving only as the evidence says', () => {
    const stop: Order = { ...working, type: 'stop-loss', triggerPrice: '90' };
    delete stop.price;
    const fired = applyEvidence(stop, ev({ triggeredAt: 30 }));
    expect(fired.changed).toBe(true);
    expect(fired.order).toMatchObject({ status: 'open', triggeredAt: 30 });
    const again = applyEvidence(fired.order, ev({ triggeredAt: 40 }));
    expect(again.changed).toBe(false);
    expect(again.order.triggeredAt).toBe(30);
    expect(applyEvidence(fired.order, ev({ status: 'filled', triggeredAt: 40 })).order).toMatchObject({ status: 'filled', triggeredAt: 30 });
  });

  it('takes the venue\'s own terms of a working order from a query (an amend whose answer was lost), not from a stream', () => {
    const terms = { instrumentId: base.instrumentId, side: 'buy' as const, type: 'limit' as const, quantity: '3', price: '98.0', createdAt: 1 };
    const lost: Order = { ...working, status: 'unknown' };
    const t = applyEvidence(lost, ev({ source: 'reconcile', status: 'open', terms }));
    expect(t.order).toMatchObject({ status: 'open', price: '98.0', quantity: '3' });
    // The same numbers written differently are no change.
    expect(applyEvidence(t.order, ev({ source: 'reconcile', status: 'open', terms: { ...terms, price: '98' } })).changed).toBe(false);
    // A stream event's terms may be older than an amend just confirmed: ignored.
    expect(applyEvidence(working, ev({ source: 'stream', status: 'open', terms })).order.price).toBe('100');
    // A final order keeps the terms it ended with.
    expect(applyEvidence({ ...working, status: 'cancelled' }, ev({ source: 'history', terms })).order.price).toBe('100');
  });

  it('carries trigger, trailing and time-in-force terms into an order placed elsewhere', () => {
    const o = orderFromEvidence(
      ev({
        source: 'history',
        terms: {
          instrumentId: 'XXBTZUSD',
          side: 'sell',
          type: 'trailing-stop-limit',
          quantity: '1',
          price: '95',
          trailingOffset: { value: '2', unit: 'percent' },
          timeInForce: 'gtd',
          expireAt: 99_000,
          postOnly: false,
          createdAt: 7,
        },
      }),
    );
    expect(o).toMatchObject({ type: 'trailing-stop-limit', price: '95', trailingOffset: { value: '2', unit: 'percent' }, timeInForce: 'gtd', expireAt: 99_000, postOnly: false });
    const stop = orderFromEvidence(ev({ terms: { instrumentId: 'X', side: 'buy', type: 'take-profit', quantity: '1', triggerPrice: '120', createdAt: 7 } }));
    expect(stop).toMatchObject({ type: 'take-profit', triggerPrice: '120' });
  });
});
