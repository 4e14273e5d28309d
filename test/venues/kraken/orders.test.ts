/**
 * The Kraken adapter's order pieces without a venue: cl_ord_id rules, the wire bookkeeping
 * (ids, resting age, the first-sign wait that replaced polling), and executions turned into
 * evidence with identity, terms and fees. Nothing here ranks statuses: that is the core's.
 */
import { describe, expect, it } from 'vitest';
import type { OrderEvidence } from '../../../common/domain.js';
import { KrakenLimits } from '../../../electron/venues/kraken/limits.js';
import type { WsExecution } from '../../../electron/venues/kraken/messages.js';
import { isValidClOrdId } from '../../../electron/venues/kraken/order-entry.js';
import { Reconciler } from '../../../electron/venues/kraken/reconcile.js';
import { KrakenRest } from '../../../electron/venues/kraken/rest.js';
import { SymbolTable } from '../../../electron/venues/kraken/symbols.js';
import { WireOrders } from '../../../electron/venues/kraken/wire-orders.js';
import { RecordingSink } from './helpers.js';

describe('Kraken order bookkeeping', () => {
  it('checks cl_ord_id the way Kraken does', () => {
    expect(isValidClOrdId('6d1b345e-2821-40e2-ad83-4ecb18a06876')).toBe(true);
    expect(isValidClOrdId('6d1b345e282140e2ad834ecb18a06876')).toBe(true);
    expect(isValidClOrdId('my-order-000000001')).toBe(true);
    expect(isValidClOrdId('my-order-0000000001')).toBe(false);
    expect(isValidClOrdId('has space')).toBe(false);
  });

  it('links cl_ord_id and order_id from whichever side shows first, and ages resting orders', () => {
    const w = new WireOrders();
    w.sent('c-1', 'XXBTZUSD', 1_000);
    // Unknown age is the highest cancel penalty: counted as brand new.
    expect(w.restingAge('c-1', 50_000)).toBe(0);
    w.seen('O1', 'c-1', { resting: true, at: 2_000 });
    expect(w.clientIdOf('O1')).toBe('c-1');
    expect(w.restingAge('c-1', 12_000)).toBe(10_000);
    // A sparse event carries only the order_id: the bookkeeping still knows whose it is.
    expect(w.seen('O1', undefined, { final: true, at: 3_000 }).clientOrderId).toBe('c-1');
    expect(w.live()).toHaveLength(0);
    // An order someone else placed without a cl_ord_id goes by its txid.
    expect(w.seen('OX', undefined, { resting: true, at: 4_000 }).clientOrderId).toBe('OX');
    expect(w.live().map((x) => x.clientOrderId)).toEqual(['OX']);
  });

  it('wakes the first-sign wait from the event itself, and ends it with its bound', async () => {
    const w = new WireOrders();
    w.sent('c-2', 'XXBTZUSD', 0);
    let endBound!: () => void;
    const bound = new Promise<void>((r) => (endBound = r));
    const sign = w.firstSign('c-2', bound);
    w.seen('O2', 'c-2', { at: 1 });
    await expect(sign).resolves.toBe('O2');
    w.sent('c-3', 'XXBTZUSD', 0);
    const none = w.firstSign('c-3', bound);
    endBound();
    await expect(none).resolves.toBeUndefined();
    // Never shown: the id may go again.
    w.drop('c-3');
    expect(w.get('c-3')).toBeUndefined();
    // Shown: dropping is refused, the venue holds it.
    w.drop('c-2');
    expect(w.get('c-2')?.venueOrderId).toBe('O2');
  });
});

describe('Kraken executions as evidence', () => {
  const symbols = new SymbolTable();
  symbols.load({ XXBTZUSD: { altname: 'XBTUSD', wsname: 'XBT/USD', base: 'XXBT', quote: 'ZUSD', pair_decimals: 1, lot_decimals: 8, cost_decimals: 5, ordermin: '0.00005', tick_size: '0.1', status: 'online' } });
  const make = (): { sink: RecordingSink; rec: Reconciler; wire: WireOrders } => {
    const sink = new RecordingSink();
    const limits = new KrakenLimits({ tier: 'starter', now: () => 0 });
    const wire = new WireOrders();
    // The REST client is never called by applyExecution: no venue behind it.
    const rest = new KrakenRest({ baseUrl: 'http://127.0.0.1:9', limits });
    const rec = new Reconciler({ symbols, rest, wire, sink, reporter: sink.connection('ws-private'), now: () => 42, streamLive: () => true });
    return { sink, rec, wire };
  };
  const first: WsExecution = {
    order_id: 'O1', exec_type: 'pending_new', order_status: 'pending_new', cl_ord_id: 'c-1', symbol: 'BTC/USD', side: 'buy', order_type: 'limit',
    order_qty: '0.002', limit_price: '60000', timestamp: '2025-05-14T11:00:00.000Z',
  };

  it('gives each entry the order identity, the terms when the entry has them, and fills with their fees', () => {
    const { sink, rec } = make();
    rec.applyExecution(first);
    rec.applyExecution({ order_id: 'O1', exec_type: 'new', order_status: 'new', timestamp: '2025-05-14T11:00:00.001Z' });
    rec.applyExecution({
      order_id: 'O1', exec_type: 'trade', order_status: 'partially_filled', exec_id: 'T1', trade_id: 7, last_qty: '0.001', last_price: '60000',
      cum_qty: '0.001', avg_price: '60000', fees: [{ asset: 'USD', qty: '0.096' }], timestamp: '2025-05-14T11:00:01Z',
    });
    rec.applyExecution({ order_id: 'O1', exec_type: 'canceled', order_status: 'canceled', cum_qty: '0.001', reason: 'User requested', timestamp: '2025-05-14T11:00:02Z' });
    const at = (s: string): number => Date.parse(s);
    expect(sink.evidence).toEqual<OrderEvidence[]>([
      {
        kind: 'status', venue: 'kraken', accountId: 'spot', clientOrderId: 'c-1', venueOrderId: 'O1', status: 'pending', at: at('2025-05-14T11:00:00.000Z'), source: 'stream',
        terms: { instrumentId: 'XXBTZUSD', side: 'buy', type: 'limit', quantity: '0.002', price: '60000', createdAt: at('2025-05-14T11:00:00.000Z') },
      },
      { kind: 'status', venue: 'kraken', accountId: 'spot', clientOrderId: 'c-1', venueOrderId: 'O1', status: 'open', at: at('2025-05-14T11:00:00.001Z'), source: 'stream' },
      {
        kind: 'fill', venue: 'kraken', accountId: 'spot', clientOrderId: 'c-1', venueOrderId: 'O1', status: 'partially-filled', filledQuantity: '0.001', averagePrice: '60000',
        fills: [{ tradeId: 'T1', price: '60000', quantity: '0.001', time: at('2025-05-14T11:00:01Z'), fee: '0.096', feeCurrency: 'usd' }], at: at('2025-05-14T11:00:01Z'), source: 'stream',
      },
      {
        kind: 'status', venue: 'kraken', accountId: 'spot', clientOrderId: 'c-1', venueOrderId: 'O1', status: 'cancelled', filledQuantity: '0.001',
        reason: { code: 'canceled', message: 'User requested' }, at: at('2025-05-14T11:00:02Z'), source: 'stream',
      },
    ]);
  });

  it('reports a fill charged in two assets with the first asset only, and says so', () => {
    const { sink, rec } = make();
    rec.applyExecution(first);
    rec.applyExecution({ order_id: 'O1', exec_type: 'trade', exec_id: 'T2', last_qty: '0.001', last_price: '60000', fees: [{ asset: 'USD', qty: '0.1' }, { asset: 'KFEE', qty: '5' }], timestamp: '2025-05-14T11:00:01Z' });
    expect(sink.evidence.at(-1)?.fills?.[0]).toMatchObject({ fee: '0.1', feeCurrency: 'usd' });
    expect(sink.conn('ws-private').malformed.some((m) => m.includes('KFEE'))).toBe(true);
  });
});
