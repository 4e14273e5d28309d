/**
 * Stop orders and amends in a real database file: every new field of an order survives a
 * restart, an amend's intent is on disk before the venue sees it, and after a restart evidence
 * under an amend id still belongs to the order it amended.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../common/domain.js';
import { Hub } from '../../electron/core/hub.js';
import { openDatabase } from '../../electron/store/db.js';
import type { SqliteDb } from '../../electron/store/db.js';
import { OrderStore } from '../../electron/store/order-store.js';
import { tradingVenues } from './memory-trading-venue.js';
import type { MemoryTradingVenue } from './memory-trading-venue.js';

const dirs: string[] = [];
const dbs: SqliteDb[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dataFile(): string {
  const d = mkdtempSync(join(tmpdir(), 'sb-conditions-'));
  dirs.push(d);
  return join(d, 'switchboard.db');
}

function req(patch: Partial<OrderRequest> = {}): OrderRequest {
  return { venue: 'tinvest', accountId: 'acc-1', instrumentId: 'id-SBER', side: 'buy', type: 'limit', quantity: '2', price: '100.5', clientOrderId: randomUUID(), ...patch };
}

async function start(file: string, venueHeld?: MemoryTradingVenue): Promise<{ hub: Hub; venue: MemoryTradingVenue; db: SqliteDb }> {
  const db = openDatabase({ file });
  dbs.push(db);
  const hub = new Hub({ orderStore: new OrderStore(db), resolveRetryMs: 20 });
  const venues = tradingVenues();
  hub.addVenue(venues.factory);
  const venue = venues.current();
  if (venueHeld) for (const [k, v] of venueHeld.held) venue.held.set(k, v);
  await hub.connect('tinvest');
  return { hub, venue, db };
}

describe('journal: stop orders and amends on disk', () => {
  it('stores and replays trigger price, trailing offset, time in force, expiry, post-only, trigger time and amends', async () => {
    const file = dataFile();
    const a = await start(file);
    const expireAt = Date.now() + 86_400_000;
    const stop = await a.hub.journal.place(req({ type: 'stop-loss-limit', side: 'sell', price: '95', triggerPrice: '96', timeInForce: 'gtd', expireAt }));
    const trailing = await a.hub.journal.place(req({ type: 'trailing-stop', side: 'sell', price: undefined, trailingOffset: { value: '1.5', unit: 'percent' }, timeInForce: 'gtc' }));
    const maker = await a.hub.journal.place(req({ postOnly: true, timeInForce: 'gtc' }));
    await a.hub.journal.amend({ venue: 'tinvest', accountId: 'acc-1', clientOrderId: stop.clientOrderId, triggerPrice: '97', amendId: randomUUID() });
    a.venue.report({ kind: 'status', venue: 'tinvest', accountId: 'acc-1', clientOrderId: stop.clientOrderId, triggeredAt: 1_700_000_000_500, at: 9, source: 'stream' });
    const before = a.hub.orders();
    expect(before.find((o) => o.clientOrderId === stop.clientOrderId)).toMatchObject({ triggerPrice: '97', price: '95', timeInForce: 'gtd', expireAt, triggeredAt: 1_700_000_000_500 });
    expect(before.find((o) => o.clientOrderId === trailing.clientOrderId)).toMatchObject({ trailingOffset: { value: '1.5', unit: 'percent' } });
    expect(before.find((o) => o.clientOrderId === maker.clientOrderId)).toMatchObject({ postOnly: true });
    await a.hub.shutdown();
    a.db.close();

    const b = await start(file, a.venue);
    expect(b.hub.replayed).toMatchObject({ orders: 3, corruptRows: 0 });
    // Working orders come back as they were (the venue's check after live may refresh them).
    for (const o of before) expect(b.hub.journal.get('tinvest', o.clientOrderId)).toMatchObject({ ...o, status: expect.any(String), updatedAt: expect.any(Number) });
    // A repeat of a stop order's request is the same order: nothing sent.
    const sentBefore = b.venue.placed.length;
    await b.hub.journal.place(req({ type: 'stop-loss-limit', side: 'sell', price: '95', triggerPrice: '96', timeInForce: 'gtd', expireAt, clientOrderId: stop.clientOrderId }));
    expect(b.venue.placed).toHaveLength(sentBefore);
  });

  it('commits the amend intent to disk before the venue sees the amend', async () => {
    const file = dataFile();
    const r = await start(file);
    const o = await r.hub.journal.place(req());
    const amendId = randomUUID();
    let seen: unknown[] = [];
    r.venue.onAmend = () => {
      const other = new Database(file, { readonly: true });
      try {
        seen = other.prepare("SELECT kind, body FROM order_events WHERE client_order_id = ? AND kind = 'amend-intent'").all(o.clientOrderId);
      } finally {
        other.close();
      }
    };
    await r.hub.journal.amend({ venue: 'tinvest', accountId: 'acc-1', clientOrderId: o.clientOrderId, price: '99', amendId });
    expect(seen).toHaveLength(1);
    expect(JSON.parse((seen[0] as { body: string }).body)).toMatchObject({ amendId, price: '99', clientOrderId: o.clientOrderId });
  });

  it('after a restart, evidence under an amend id still folds into the order it amended, and a repeat of the amend sends nothing', async () => {
    const file = dataFile();
    const a = await start(file);
    a.venue.replaceOnAmend = true;
    const o = await a.hub.journal.place(req());
    const amend = { venue: 'tinvest' as const, accountId: 'acc-1', clientOrderId: o.clientOrderId, price: '99', amendId: randomUUID() };
    await a.hub.journal.amend(amend);
    await a.hub.shutdown();
    a.db.close();

    const b = await start(file, a.venue);
    const replacement = b.venue.held.get(amend.amendId)!;
    b.venue.update({ ...replacement, status: 'filled', filledQuantity: '2', fills: [{ tradeId: 't-1', price: '99', quantity: '2', time: 8 }], updatedAt: 8 });
    expect(b.hub.orders()).toHaveLength(1);
    expect(b.hub.journal.get('tinvest', o.clientOrderId)).toMatchObject({ status: 'filled', price: '99', venueOrderId: 'v-2' });
    expect(await b.hub.journal.amend(amend)).toMatchObject({ status: 'filled' });
    expect(b.venue.amendsSent).toHaveLength(0);
  });

  it('asks the venue, before it is live, about an order whose amend was out when the app died', async () => {
    const file = dataFile();
    const a = await start(file);
    a.venue.replaceOnAmend = true;
    const o = await a.hub.journal.place(req());
    const amend = { venue: 'tinvest' as const, accountId: 'acc-1', clientOrderId: o.clientOrderId, price: '99', amendId: randomUUID() };
    // The venue takes the amend; the process dies before its answer is recorded.
    a.venue.onAmend = () => {
      a.hub.journal.close();
      a.db.close();
    };
    await a.hub.journal.amend(amend).catch(() => undefined);

    const b = await start(file, a.venue);
    expect(b.hub.replayed.unresolved).toBe(1);
    // Settled before live: the replacement, found by the amend id, is the order now.
    expect(b.venue.resolveHints[0]).toMatchObject({ amendIds: [amend.amendId] });
    expect(b.hub.journal.get('tinvest', o.clientOrderId)).toMatchObject({ status: 'open', price: '99', venueOrderId: 'v-2' });
    expect(b.hub.orders()).toHaveLength(1);
    const log = b.hub.journal.events('tinvest', o.clientOrderId).map((e) => e.kind);
    expect(log.slice(0, 4)).toEqual(['intent', 'evidence', 'amend-intent', 'replay']);
    // Once was enough: the next start does not ask about that amend again.
    await b.hub.shutdown();
    b.db.close();
    const c = await start(file, b.venue);
    expect(c.venue.resolveHints).toEqual([]);
    expect(c.hub.journal.get('tinvest', o.clientOrderId)?.status).toBe('open');
  });

  it('does not ask again about an amend whose answer was recorded', async () => {
    const file = dataFile();
    const a = await start(file);
    const o = await a.hub.journal.place(req());
    await a.hub.journal.amend({ venue: 'tinvest', accountId: 'acc-1', clientOrderId: o.clientOrderId, price: '99', amendId: randomUUID() });
    a.venue.amendAnswer = 'reject';
    await a.hub.journal.amend({ venue: 'tinvest', accountId: 'acc-1', clientOrderId: o.clientOrderId, price: '98', amendId: randomUUID() }).catch(() => undefined);
    await a.hub.shutdown();
    a.db.close();
    const b = await start(file, a.venue);
    expect(b.hub.replayed.unresolved).toBe(1);
    expect(b.venue.resolveHints).toEqual([]);
    expect(b.hub.journal.get('tinvest', o.clientOrderId)).toMatchObject({ status: 'open', price: '99' });
  });
});
