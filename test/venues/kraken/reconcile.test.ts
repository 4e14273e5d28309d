/**
 * Reconciliation against the local Kraken: resolveOrder by cl_ord_id for an adapter that
 * never saw the order (as after a crash), accountHistory over more than one page of closed
 * orders and trades (orders placed "elsewhere" included), and cancels answered from the
 * venue's reply alone: no REST call, no waiting loop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cmp } from '../../../common/decimal.js';
import type { OrderRequest } from '../../../common/domain.js';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { KrakenLimits } from '../../../electron/venues/kraken/limits.js';
import { NonceSource } from '../../../electron/venues/kraken/nonce.js';
import { Reconciler } from '../../../electron/venues/kraken/reconcile.js';
import { KrakenRest } from '../../../electron/venues/kraken/rest.js';
import type { RestAssetPairs } from '../../../electron/venues/kraken/rest-types.js';
import { SymbolTable } from '../../../electron/venues/kraken/symbols.js';
import { WireOrders } from '../../../electron/venues/kraken/wire-orders.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { Market } from '../../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { PrivateClient } from '../../sim/kraken/clients.js';
import { RecordingSink, closeAll, fastClock, tempStateDir, waitFor } from './helpers.js';

let sim: KrakenSim | undefined;
let venue: KrakenVenue | undefined;
let market: Market | undefined;
const others: KrakenVenue[] = [];
afterEach(async () => {
  for (const v of others.splice(0)) await v.close();
  await closeAll(venue, sim, market);
});

// Both rate counters decay 10× faster, the same for the venue and the adapter.
const now = fastClock(10);

async function startSim(seed: number): Promise<KrakenSim> {
  market = new Market({ seed, symbols: krakenMarketSymbols() });
  sim = await startKrakenSim({ seed, market, tier: 'pro', now });
  return sim;
}

function adapter(s: KrakenSim, sink = new RecordingSink(), stateDir = tempStateDir()): KrakenVenue {
  return createKrakenVenue({
    rest: s.rest, ws: s.ws, wsAuth: s.wsAuth, apiKey: s.apiKey, apiSecret: s.apiSecret,
    mode: 'demo', sink, stateDir, tier: 'pro', now, timing: { privateConnectMs: 5_000 },
  });
}

const req = (clientOrderId: string, o: Partial<OrderRequest> = {}): OrderRequest => ({
  venue: 'kraken', accountId: 'spot', instrumentId: 'XXBTZUSD', side: 'buy', type: 'limit', quantity: '0.0005', price: '30000', clientOrderId, ...o,
});

const calls = (s: KrakenSim, method: string): number => s.record.restCalls.get(method) ?? 0;

/** A new run of the adapter, connected and done with its own start-up reconciliation (so REST counts are ours). */
async function restarted(s: KrakenSim, stateDir: string): Promise<KrakenVenue> {
  const sink = new RecordingSink();
  const v = adapter(s, sink, stateDir);
  await v.connect();
  await waitFor('the private socket live', () => sink.state('ws-private') === 'live', 30_000);
  return v;
}

describe('Kraken resolveOrder', () => {
  it('finds open, cancelled and filled orders by cl_ord_id alone, fills and fees included, and says not-found only for an id never sent', { timeout: 60_000 }, async () => {
    const s = await startSim(31);
    const stateDir = tempStateDir();
    const first = adapter(s, new RecordingSink(), stateDir);
    others.push(first);
    await first.connect();
    const sentAt = Date.now();
    await first.placeOrder(req('res-open'));
    await first.placeOrder(req('res-gone'));
    await first.cancelOrder('spot', 'res-gone');
    await first.placeOrder(req('res-fill', { type: 'market', price: undefined, quantity: '0.0004' }));
    await first.close();

    // A new run with no memory of them: only the venue can tell.
    venue = await restarted(s, stateDir);
    const hint = { instrumentId: 'XXBTZUSD', sentAt };
    const rec = (cl: string) => [...s.record.orders.values()].find((r) => r.clOrdId === cl)!;

    const open = await venue.resolveOrder('spot', 'res-open', hint);
    expect(open).toMatchObject({ kind: 'status', status: 'open', venueOrderId: rec('res-open').txid, source: 'reconcile', terms: { side: 'buy', quantity: '0.0005', price: '30000' } });

    const gone = await venue.resolveOrder('spot', 'res-gone', hint);
    expect(gone).toMatchObject({ kind: 'status', status: 'cancelled', venueOrderId: rec('res-gone').txid, reason: { message: 'User requested' } });

    const filled = await venue.resolveOrder('spot', 'res-fill', hint);
    const venueFills = rec('res-fill').fills;
    expect(filled).toMatchObject({ kind: 'status', status: 'filled', filledQuantity: '0.0004', terms: { type: 'market' } });
    expect(venueFills.length).toBeGreaterThan(0);
    expect(filled.fills?.map((f) => f.tradeId)).toEqual(venueFills.map((f) => f.tradeId));
    for (const [i, f] of (filled.fills ?? []).entries()) {
      expect(f.feeCurrency).toBe('usd');
      expect(cmp(f.fee ?? '-1', venueFills[i]!.fee)).toBe(0);
      expect(cmp(f.fee ?? '0', '0')).toBeGreaterThan(0);
    }

    const callsBefore = calls(s, 'OpenOrders') + calls(s, 'ClosedOrders');
    const none = await venue.resolveOrder('spot', 'res-never', hint);
    expect(none).toMatchObject({ kind: 'not-found', clientOrderId: 'res-never', source: 'reconcile' });
    // Both lists were asked before concluding.
    expect(calls(s, 'OpenOrders') + calls(s, 'ClosedOrders') - callsBefore).toBe(2);

    // With the txid as a hint QueryOrders answers in one call.
    const q = calls(s, 'QueryOrders');
    expect(await venue.resolveOrder('spot', 'res-open', { ...hint, venueOrderId: rec('res-open').txid })).toMatchObject({ status: 'open' });
    expect(calls(s, 'QueryOrders') - q).toBe(1);
    expect(s.record.errorCount('EAPI:Rate limit exceeded')).toBe(0);
  });

  it('orders resolved together after a restart share their REST calls and each gets its own answer', { timeout: 60_000 }, async () => {
    const s = await startSim(38);
    const stateDir = tempStateDir();
    const first = adapter(s, new RecordingSink(), stateDir);
    others.push(first);
    await first.connect();
    const sentAt = Date.now();
    const kinds = ['open', 'gone', 'fill'] as const;
    const ids = Array.from({ length: 12 }, (_, i) => `tog-${i}`);
    for (const [i, cl] of ids.entries()) {
      const kind = kinds[i % 3]!;
      await first.placeOrder(kind === 'fill' ? req(cl, { type: 'market', price: undefined, quantity: '0.0001' }) : req(cl));
      if (kind === 'gone') await first.cancelOrder('spot', cl);
    }
    await first.close();

    venue = await restarted(s, stateDir);
    const v = venue;
    const before = { open: calls(s, 'OpenOrders'), closed: calls(s, 'ClosedOrders'), query: calls(s, 'QueryOrders') };
    const asked = [...ids, 'tog-never-1', 'tog-never-2'];
    const answers = await Promise.all(asked.map((cl) => v.resolveOrder('spot', cl, { instrumentId: 'XXBTZUSD', sentAt })));
    const want = { open: 'open', gone: 'cancelled', fill: 'filled' } as const;
    for (const [i, cl] of ids.entries()) {
      const r = [...s.record.orders.values()].find((x) => x.clOrdId === cl)!;
      expect(answers[i]).toMatchObject({ kind: 'status', clientOrderId: cl, venueOrderId: r.txid, status: want[kinds[i % 3]!] });
      if (kinds[i % 3] === 'fill') expect(answers[i]!.fills?.map((f) => f.tradeId)).toEqual(r.fills.map((f) => f.tradeId));
    }
    expect(answers.slice(-2).map((a) => a.kind)).toEqual(['not-found', 'not-found']);
    // One QueryOrders for those whose txid the executions snapshot told, one open list and one
    // closed scan for the rest: 3 calls for all 14, where one by one would take 2 each.
    expect(calls(s, 'QueryOrders') - before.query).toBeLessThanOrEqual(1);
    expect(calls(s, 'OpenOrders') - before.open).toBe(1);
    expect(calls(s, 'ClosedOrders') - before.closed).toBe(1);
  });

  it('resolving many orders in a row keeps within the REST counter', { timeout: 90_000 }, async () => {
    const s = await startSim(32);
    venue = adapter(s);
    await venue.connect();
    const sentAt = Date.now();
    for (let i = 0; i < 12; i++) await venue.placeOrder(req(`many-${i}`, { type: 'market', price: undefined, quantity: '0.0001' }));
    // 12 × (QueryOrders + QueryTrades) and 6 × (OpenOrders + ClosedOrders): far past the 20-point counter.
    for (let i = 0; i < 12; i++) expect(await venue.resolveOrder('spot', `many-${i}`, { instrumentId: 'XXBTZUSD', sentAt })).toMatchObject({ status: 'filled' });
    for (let i = 0; i < 6; i++) expect((await venue.resolveOrder('spot', `nope-${i}`, { instrumentId: 'XXBTZUSD', sentAt })).kind).toBe('not-found');
    expect(s.record.errorCount('EAPI:Rate limit exceeded')).toBe(0);
  });
});

describe('Kraken resolveOrder after a run that left the REST counter full', () => {
  it('waits for the venue counter instead of failing the question', { timeout: 60_000 }, async () => {
    // Real time and the starter tier: the venue's counter drains one point in 3 s.
    market = new Market({ seed: 39, symbols: krakenMarketSymbols() });
    const s = (sim = await startKrakenSim({ seed: 39, market, tier: 'starter' }));
    const sink = new RecordingSink();
    venue = createKrakenVenue({ rest: s.rest, ws: s.ws, wsAuth: s.wsAuth, apiKey: s.apiKey, apiSecret: s.apiSecret, mode: 'demo', sink, stateDir: tempStateDir(), tier: 'starter' });
    await venue.connect();
    await waitFor('the private socket live', () => sink.state('ws-private') === 'live', 30_000);
    // The dead run: another client on the key spends the venue's counter to the refusal.
    const client = new PrivateClient(s.rest, s.apiKey, s.apiSecret);
    for (let i = 0; i < 40 && (await client.post('Balance')).error.length === 0; i++);
    const refusals = s.record.errorCount('EAPI:Rate limit exceeded');
    expect(refusals).toBeGreaterThan(0);
    const ev = await venue.resolveOrder('spot', 'full-1', { instrumentId: 'XXBTZUSD', sentAt: Date.now() });
    expect(ev.kind).toBe('not-found');
  });
});

describe('Kraken accountHistory', () => {
  it('pages closed orders and trades past 50, with fees, and includes orders placed elsewhere', { timeout: 120_000 }, async () => {
    const s = await startSim(33);
    const since = Date.now() - 1_000;
    // "Elsewhere": Kraken's own app, straight to the venue's REST, some without a cl_ord_id.
    const client = new PrivateClient(s.rest, s.apiKey, s.apiSecret);
    for (let i = 0; i < 64; i++) {
      const params: Record<string, string> = { pair: 'XBTUSD', type: i % 3 === 0 ? 'sell' : 'buy', ordertype: 'market', volume: '0.0001' };
      if (i % 2 === 0) params.cl_ord_id = `else-${i}`;
      await client.ok('AddOrder', params);
    }
    await client.ok('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'limit', price: '30000', volume: '0.0001', cl_ord_id: 'else-open' });
    await client.ok('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'limit', price: '30000', volume: '0.0001', cl_ord_id: 'else-gone' });
    await client.ok('CancelOrder', { cl_ord_id: 'else-gone' });

    venue = adapter(s);
    await venue.connect();
    const pages = { closed: calls(s, 'ClosedOrders'), trades: calls(s, 'TradesHistory') };
    const h = await venue.accountHistory('spot', since);
    expect(calls(s, 'ClosedOrders') - pages.closed).toBe(2);
    expect(calls(s, 'TradesHistory') - pages.trades).toBe(2);

    const venueOrders = [...s.record.orders.values()];
    expect(h.orders).toHaveLength(venueOrders.length);
    const byTxid = new Map(h.orders.map((o) => [o.venueOrderId, o]));
    for (const r of venueOrders) {
      const o = byTxid.get(r.txid);
      expect(o, r.txid).toBeDefined();
      // No cl_ord_id: the txid stands in as the client order id.
      expect(o!.clientOrderId).toBe(r.clOrdId ?? r.txid);
      expect(o!.source).toBe('history');
      expect(o!.terms).toMatchObject({ instrumentId: 'XXBTZUSD', side: r.side, type: r.ordertype });
      expect(o!.status).toBe(({ open: 'open', closed: 'filled', canceled: 'cancelled' } as Record<string, string>)[r.status]);
    }

    const venueFills = venueOrders.flatMap((r) => r.fills.map((f) => ({ r, f })));
    expect(venueFills.length).toBeGreaterThan(50);
    expect(h.trades).toHaveLength(venueFills.length);
    const trades = new Map(h.trades.map((t) => [t.tradeId, t]));
    for (const { r, f } of venueFills) {
      const t = trades.get(f.tradeId)!;
      expect(t).toMatchObject({ venue: 'kraken', accountId: 'spot', instrumentId: 'XXBTZUSD', side: r.side, currency: 'usd', feeCurrency: 'usd', venueOrderId: r.txid, clientOrderId: r.clOrdId ?? r.txid });
      expect(cmp(t.quantity, f.qty)).toBe(0);
      expect(cmp(t.price, f.price)).toBe(0);
      expect(cmp(t.fee, f.fee)).toBe(0);
      expect(cmp(t.fee, '0')).toBeGreaterThan(0);
    }
  });

  it('leaves out what came before sinceMs', { timeout: 60_000 }, async () => {
    const s = await startSim(34);
    venue = adapter(s);
    await venue.connect();
    await venue.placeOrder(req('old-1', { type: 'market', price: undefined, quantity: '0.0001' }));
    await new Promise((r) => setTimeout(r, 2_500));
    const since = now();
    await venue.placeOrder(req('new-1', { type: 'market', price: undefined, quantity: '0.0001' }));
    const h = await venue.accountHistory('spot', since);
    expect(h.orders.map((o) => o.clientOrderId)).toEqual(['new-1']);
    expect(h.trades.map((t) => t.clientOrderId)).toEqual(['new-1']);
  });
});

describe('Kraken accountHistory bound', () => {
  it('past its page bound it returns the newest rows and reports the truncation', { timeout: 60_000 }, async () => {
    const s = await startSim(37);
    const client = new PrivateClient(s.rest, s.apiKey, s.apiSecret);
    for (let i = 0; i < 60; i++) await client.ok('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'market', volume: '0.0001', cl_ord_id: `b-${i}` });
    const limits = new KrakenLimits({ tier: 'pro', now });
    const sink = new RecordingSink();
    const reporter = sink.connection('rest');
    const rest = new KrakenRest({ baseUrl: s.rest, apiKey: s.apiKey, apiSecret: s.apiSecret, nonce: new NonceSource({ stateDir: tempStateDir(), apiKey: s.apiKey, now }), limits, reporter, now });
    const symbols = new SymbolTable();
    symbols.load(await rest.publicGet<RestAssetPairs>('AssetPairs'));
    const rec = new Reconciler({ symbols, rest, wire: new WireOrders(), sink, reporter, now, streamLive: () => true, maxHistoryPages: 1 });
    try {
      const h = await rec.accountHistory(0);
      const newest = [...s.record.orders.values()].sort((a, b) => (b.closeMs ?? 0) - (a.closeMs ?? 0)).slice(0, 50);
      expect(h.orders.map((o) => o.venueOrderId).sort()).toEqual(newest.map((r) => r.txid).sort());
      expect(h.trades).toHaveLength(50);
      expect(sink.conn('rest').errors.filter((e) => e.code === 'history-truncated')).toHaveLength(2);
    } finally {
      rest.close();
      limits.close();
    }
  });
});

describe('Kraken cancels without waiting loops', () => {
  it('answers a cancel from the venue reply: no REST call, the stream evidence follows on its own', { timeout: 60_000 }, async () => {
    const s = await startSim(35);
    const sink = new RecordingSink();
    venue = adapter(s, sink);
    await venue.connect();
    await waitFor('private socket live', () => sink.state('ws-private') === 'live', 20_000);
    const placed = await venue.placeOrder(req('cx-1'));
    const restBefore = [...s.record.restCalls.values()].reduce((a, b) => a + b, 0);
    const c = await venue.cancelOrder('spot', 'cx-1');
    expect(c).toMatchObject({ kind: 'status', status: 'cancelled', venueOrderId: placed.venueOrderId, source: 'send' });
    expect([...s.record.restCalls.values()].reduce((a, b) => a + b, 0)).toBe(restBefore);
    await waitFor('the canceled execution', () => sink.about('cx-1').some((e) => e.source === 'stream' && e.status === 'cancelled'));
  });

  it('a cancel of an order that already filled answers with the venue record of it', { timeout: 60_000 }, async () => {
    const s = await startSim(36);
    venue = adapter(s);
    await venue.connect();
    await venue.placeOrder(req('cx-2', { type: 'market', price: undefined, quantity: '0.0001' }));
    const c = await venue.cancelOrder('spot', 'cx-2');
    expect(c).toMatchObject({ kind: 'status', status: 'filled', filledQuantity: '0.0001' });
    expect(s.record.errorCount('EOrder:Rate limit exceeded')).toBe(0);
    expect(await venue.cancelOrder('spot', 'cx-never')).toMatchObject({ kind: 'not-found' });
  });
});
