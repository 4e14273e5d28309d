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
