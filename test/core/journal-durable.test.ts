/**
 * The journal in a real database file: the intent is on disk before the venue sees a byte,
 * a restart replays every order, orders that were in flight are unknown until the venue's
 * evidence settles them before the venue is reported live, and a retry after a crash reuses
 * the client order id.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Order, OrderRequest, OrderUpdate } from '../../common/domain.js';
import { Hub } from '../../electron/core/hub.js';
import { Session } from '../../electron/bridge/session.js';
import type { PushBatch } from '../../electron/contract.js';
import { openDatabase, schemaVersion } from '../../electron/store/db.js';
import type { SqliteDb } from '../../electron/store/db.js';
import { OrderStore } from '../../electron/store/order-store.js';
import { MIGRATIONS } from '../../electron/store/migrations.js';
import { evidenceOf, orderOf, tradingVenues } from './memory-trading-venue.js';
import type { MemoryTradingVenue } from './memory-trading-venue.js';

const dirs: string[] = [];
const dbs: SqliteDb[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dataFile(): string {
  const d = mkdtempSync(join(tmpdir(), 'sb-journal-'));
  dirs.push(d);
  return join(d, 'switchboard.db');
}

function limitBuy(patch: Partial<OrderRequest> = {}): OrderRequest {
  return { venue: 'tinvest', accountId: 'acc-1', instrumentId: 'id-SBER', side: 'buy', type: 'limit', quantity: '2', price: '100.5', clientOrderId: randomUUID(), ...patch };
}

interface Run {
  hub: Hub;
  venue: MemoryTradingVenue;
  db: SqliteDb;
  updates: OrderUpdate[];
}

/** One "process": a hub on the file, its venue seeded with what the venue held before. */
async function start(file: string, held: ReadonlyMap<string, Order> = new Map(), connect = true, now?: () => number): Promise<Run> {
  const db = openDatabase({ file });
  dbs.push(db);
  const hub = new Hub({ orderStore: new OrderStore(db), resolveRetryMs: 20, ...(now ? { now } : {}) });
  const venues = tradingVenues();
  hub.addVenue(venues.factory);
  const venue = venues.current();
  for (const [k, v] of held) venue.held.set(k, v);
  const updates: OrderUpdate[] = [];
  hub.on({ order: (u) => updates.push(u) });
  if (connect) await hub.connect('tinvest');
  return { hub, venue, db, updates };
}

/** Dies without a shutdown: the file closes under the journal; what it queues later never lands. */
function crash(r: Run): void {
  r.hub.journal.close(); // its timers would otherwise outlive the "process"
  r.db.close();
}

describe('journal: durability', () => {
  it('commits the intent to disk before the first byte goes to the venue', async () => {
    const file = dataFile();
    const r = await start(file);
    const req = limitBuy();
    let seen: unknown;
    r.venue.onSend = (sent) => {
      // Another connection, as another process would read the file.
      const other = new Database(file, { readonly: true });
      try {
        seen = other.prepare('SELECT status, request FROM orders WHERE client_order_id = ?').get(sent.clientOrderId);
      } finally {
        other.close();
      }
    };
    await r.hub.journal.place(req);
    expect(seen).toMatchObject({ status: 'pending' });
    expect(JSON.parse((seen as { request: string }).request)).toMatchObject({ clientOrderId: req.clientOrderId, quantity: '2', price: '100.5' });
  });

  it('sends nothing when the intent cannot be stored, and says so', async () => {
    const r = await start(dataFile());
    r.db.close(); // the disk went away under the journal
    const req = limitBuy();
    await expect(r.hub.journal.place(req)).rejects.toThrow(/could not store the order, so it was not sent/);
    expect(r.venue.placed).toEqual([]);
    expect(r.hub.journal.get('tinvest', req.clientOrderId)).toBeUndefined();
  });

  it('migrates a new file to the newest schema and refuses a file newer than the app', () => {
    const file = dataFile();
    const db = openDatabase({ file });
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
    db.pragma('user_version = 999');
    db.close();
    expect(() => openDatabase({ file })).toThrow(/schema version 999, newer than this app knows/);
  });

  it('lists orders placed in the same millisecond in the same order after a restart', async () => {
    // A fast burst shares timestamps; the list must not reshuffle them on restart (it did,
    // by client order id, which is random).
    const file = dataFile();
    const clock = () => 1_796_576_240_061;
    const a = await start(file, new Map(), true, clock);
    for (let i = 0; i < 8; i++) await a.hub.journal.place(limitBuy({ price: String(100 + i) }));
    const before = a.hub.orders();
    expect(new Set(before.map((o) => o.createdAt)).size).toBe(1);
    await a.hub.shutdown();
    a.db.close();
    const b = await start(file, a.venue.held, true, clock);
    expect(b.hub.orders().map((o) => o.price)).toEqual(before.map((o) => o.price));
  });

  it('replays every order after a restart, the same as before: states, fills, ids', async () => {
    const file = dataFile();
    const a = await start(file);
    const open = limitBuy();
    const filled = limitBuy({ side: 'sell' });
    await a.hub.journal.place(open);
    await a.hub.journal.place(filled);
    a.venue.update(orderOf(filled, { status: 'filled', venueOrderId: 'v-2', filledQuantity: '2', fills: [{ tradeId: 't-1', price: '100.5', quantity: '2', time: 5, fee: '0.1', feeCurrency: 'rub' }] }));
    a.venue.answer = 'reject';
    await a.hub.journal.place(limitBuy()).catch(() => undefined);
    const before = a.hub.orders();
    await a.hub.shutdown();
    a.db.close();

    const b = await start(file, a.venue.held);
    expect(b.hub.replayed).toMatchObject({ orders: 3, unresolved: 1, corruptRows: 0 });
    expect(b.hub.orders()).toEqual(before);
    expect(b.hub.orders().find((o) => o.clientOrderId === filled.clientOrderId)?.fills).toEqual([{ tradeId: 't-1', price: '100.5', quantity: '2', time: 5, fee: '0.1', feeCurrency: 'rub' }]);
    // The log behind it: the intent first, then every piece of evidence that changed the order.
    const log = new OrderStore(b.db).events('tinvest', filled.clientOrderId);
    expect(log[0]).toMatchObject({ kind: 'intent', body: { clientOrderId: filled.clientOrderId, side: 'sell' } });
    expect(log.slice(1).map((e) => e.kind)).toEqual(['evidence', 'evidence']);
    expect(log.at(-1)?.body).toMatchObject({ kind: 'status', status: 'filled' });
  });

  it('marks an order in flight at a crash unknown and settles it by the venue before the venue is live', async () => {
    const file = dataFile();
    const a = await start(file);
    const took = limitBuy();
    const never = limitBuy();
    // The venue took the first but its answer was lost; while the second was being sent (it
    // never reached the venue) the process died.
    a.venue.answer = 'lose';
    await a.hub.journal.place(took);
    a.venue.answer = 'drop';
    a.venue.onSend = () => crash(a);
    await a.hub.journal.place(never).catch(() => undefined);

    const b = await start(file, a.venue.held, false);
    expect(b.hub.replayed.unresolved).toBe(2);
    for (const id of [took.clientOrderId, never.clientOrderId]) expect(b.hub.journal.get('tinvest', id)?.status).toBe('unknown');
    const states: string[] = [];
    b.hub.on({ connection: (e) => e.connection === 'venue' && states.push(e.state) });
    await b.hub.connect('tinvest');
    // Settled before live: by the time the venue is live both have their venue's state.
    expect(states.at(-1)).toBe('live');
    expect(b.hub.journal.get('tinvest', took.clientOrderId)).toMatchObject({ status: 'open', venueOrderId: 'v-1' });
    expect(b.hub.journal.get('tinvest', never.clientOrderId)).toMatchObject({ status: 'rejected', reason: { code: 'not-placed' } });
    expect(b.venue.resolveCalls.sort()).toEqual([took.clientOrderId, never.clientOrderId].sort());

    // The ticket's retry after the crash: the one the venue holds is not sent again; the one it
    // never received is sent again under the same client order id.
    b.venue.answer = 'ack';
    await b.hub.journal.place(took);
    const again = await b.hub.journal.place(never);
    expect(b.venue.placed.map((p) => p.clientOrderId)).toEqual([never.clientOrderId]);
    expect(again).toMatchObject({ clientOrderId: never.clientOrderId, status: 'open' });
  });

  it('resolves an order whose answer was lost in the background, without polling the order state', async () => {
    const file = dataFile();
    const r = await start(file);
    r.venue.answer = 'lose';
    const req = limitBuy();
    expect((await r.hub.journal.place(req)).status).toBe('unknown');
    await until(() => r.hub.journal.get('tinvest', req.clientOrderId)?.status === 'open');
    const calls = r.venue.resolveCalls.length;
    // Once settled, nothing asks again.
    await new Promise((res) => setTimeout(res, 200));
    expect(r.venue.resolveCalls.length).toBe(calls);
  });
});

describe('journal: one update per change', () => {
  it('shows an order placed elsewhere once, in the state the venue gave it, with no placeholder first', async () => {
    const r = await start(dataFile());
    const elsewhere = limitBuy();
    r.venue.update(orderOf(elsewhere, { status: 'open', venueOrderId: 'v-x' }));
    expect(r.updates.filter((u) => u.order.clientOrderId === elsewhere.clientOrderId).map((u) => u.order.status)).toEqual(['open']);
  });

  it('delivers one acknowledgement to the renderer once, however many times the venue repeats it', async () => {
    const r = await start(dataFile());
    const batches: PushBatch[] = [];
    const session = new Session({ hub: r.hub, transport: 'websocket', push: (topic, payload) => topic === 'batch' && batches.push(payload as PushBatch), diagnosticsMs: 0, batchMs: 5 });
    const req = limitBuy();
    const ack = await r.hub.journal.place(req);
    // The venue's stream repeats what the answer said: no news, nothing sent.
    r.venue.report(evidenceOf(ack, 'stream'));
    r.venue.report({ kind: 'accepted', venue: 'tinvest', accountId: 'acc-1', clientOrderId: req.clientOrderId, venueOrderId: 'v-1', status: 'open', at: 9, source: 'stream' });
    await until(() => batches.some((b) => b.orders.some((o) => o.status === 'open')));
    await new Promise((res) => setTimeout(res, 50));
    const seen = batches.flatMap((b) => b.orders).filter((o) => o.clientOrderId === req.clientOrderId).map((o) => o.status);
    expect(seen).toEqual(['pending', 'open']);
    session.close();
  });
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2500 && !cond(); i++) await new Promise((r) => setTimeout(r, 4));
  expect(cond()).toBe(true);
}
