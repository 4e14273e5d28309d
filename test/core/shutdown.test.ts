/**
 * Hub.shutdown over in-memory venues whose answers the test holds back: new orders are refused
 * once it starts, every order in flight ends answered or `unknown` (never pending), open
 * orders are cancelled on quit only on venues set to, and the venues are closed — each step
 * bounded, a venue that never answers included.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OrderEvidence, OrderRequest, OrderUpdate, VenueId } from '../../common/domain.js';
import { Hub, HubError, SHUTTING_DOWN } from '../../electron/core/hub.js';
import type { Logger } from '../../electron/core/log.js';
import { silentLogger } from '../../electron/core/log.js';
import { memoryQuitSettings } from '../../electron/core/quit-settings.js';
import type { VenueSink } from '../../electron/venues/venue.js';
import { VenueError } from '../../electron/venues/venue.js';
import { keepInstances } from './memory-venue.js';
import { MemoryTradingVenue, evidenceOf, orderOf } from './memory-trading-venue.js';

/** A trading venue whose order answers wait until the test releases them (or forever). */
class HeldVenue extends MemoryTradingVenue {
  private readonly waitingOrders: { req: OrderRequest; answer: (how: 'ack' | 'lose') => void }[] = [];
  hangClose = false;

  constructor(sink: VenueSink, id: VenueId) {
    super(sink, { id });
  }

  override placeOrder(req: OrderRequest): Promise<OrderEvidence> {
    this.placed.push(req);
    return new Promise<OrderEvidence>((resolve, reject) => {
      this.waitingOrders.push({
        req,
        answer: (how) =>
          how === 'ack'
            ? resolve(evidenceOf(orderOf(req, { status: 'open', venueOrderId: `v-${req.clientOrderId}` }), 'send'))
            : reject(new VenueError('unknown-outcome', 'DEADLINE', 'no answer')),
      });
    });
  }

  get waiting(): number {
    return this.waitingOrders.length;
  }

  /** Answers the first `n` held orders. */
  release(n: number, how: 'ack' | 'lose' = 'ack'): void {
    for (const h of this.waitingOrders.splice(0, n)) h.answer(how);
  }

  override close(): Promise<void> {
    return this.hangClose ? new Promise<void>(() => undefined) : super.close();
  }
}

function held(id: VenueId): ReturnType<typeof keepInstances<HeldVenue>> {
  return keepInstances((sink) => new HeldVenue(sink, id));
}

function order(venue: VenueId, patch: Partial<OrderRequest> = {}): OrderRequest {
  const base: OrderRequest =
    venue === 'kraken'
      ? { venue, accountId: 'acc-1', instrumentId: 'id-BTC', side: 'buy', type: 'limit', quantity: '0.001', price: '30000', clientOrderId: randomUUID() }
      : { venue, accountId: 'acc-1', instrumentId: 'id-SBER', side: 'buy', type: 'limit', quantity: '1', price: '100', clientOrderId: randomUUID() };
  return { ...base, ...patch };
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`never happened: ${what}`);
}

function recordingLog(lines: string[]): Logger {
  const log: Logger = {
    ...silentLogger,
    info: (m) => void lines.push(m),
    warn: (m) => void lines.push(m),
    child: () => log,
  };
  return log;
}

describe('Hub.shutdown', () => {
  it('refuses new orders with a typed error once it starts, and every order in flight ends answered or unknown', async () => {
    const lines: string[] = [];
    const hub = new Hub({ log: recordingLog(lines) });
    const venues = held('tinvest');
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    const updates: OrderUpdate[] = [];
    hub.on({ order: (u) => updates.push(u) });
    const v = venues.current();
    const reqs = Array.from({ length: 6 }, () => order('tinvest'));
    const placing = reqs.map((r) => hub.journal.place(r).then((o) => o, (e: unknown) => e));
    await until('every order to reach the venue', () => v.waiting === 6);

    const done = hub.shutdown({ inFlightMs: 400, cancelMs: 200, closeMs: 200 });
    const late = await hub.journal.place(order('tinvest')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(late).toBeInstanceOf(HubError);
    expect(late).toMatchObject({ code: 'unavailable', message: SHUTTING_DOWN });
    expect(v.placed).toHaveLength(6);
    // Two answered, one answer lost, three never answered within the bound.
    v.release(2, 'ack');
    v.release(1, 'lose');
    const report = await done;

    expect(report).toMatchObject({ inFlight: 6, acknowledged: 2, unknown: 4, rejected: 0, refused: 0, notClosed: [] });
    const final = new Map(hub.orders().map((o) => [o.clientOrderId, o.status]));
    expect(reqs.map((r) => final.get(r.clientOrderId)).sort()).toEqual(['open', 'open', 'unknown', 'unknown', 'unknown', 'unknown']);
    // Every one of them was emitted in its final state, for the bridge to push.
    const lastEmitted = new Map(updates.map((u) => [u.order.clientOrderId, u.order.status]));
    for (const r of reqs) expect(lastEmitted.get(r.clientOrderId)).toBe(final.get(r.clientOrderId));
    expect(v.closed).toBe(true);
    expect(lines.filter((l) => l.startsWith('shutdown:'))).toEqual([expect.stringContaining('6 order(s) in flight: 2 acknowledged, 4 unknown, 0 rejected, 0 refused')]);

    // A late answer still folds in: the venue's word beats unknown.
    v.release(3, 'ack');
    await Promise.all(placing);
    expect(hub.orders().filter((o) => o.status === 'open')).toHaveLength(5);
  });

  it('refuses an order still being checked when shutdown begins: nothing recorded, nothing sent', async () => {
    const hub = new Hub();
    const venues = held('tinvest');
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    const v = venues.current();
    // The instrument lookup is the await before anything is recorded.
    let letInstrument: () => void = () => undefined;
    const gate = new Promise<void>((r) => (letInstrument = r));
    const real = v.instrument.bind(v);
    v.instrument = async (id) => {
      await gate;
      return real(id);
    };
    const req = order('tinvest');
    const placing = hub.journal.place(req).then(
      () => undefined,
      (e: unknown) => e,
    );
    const done = hub.shutdown({ inFlightMs: 2_000, cancelMs: 100, closeMs: 100 });
    letInstrument();
    expect(await placing).toMatchObject({ code: 'unavailable' });
    expect(await done).toMatchObject({ inFlight: 1, refused: 1, acknowledged: 0, unknown: 0 });
    expect(v.placed).toEqual([]);
    expect(hub.orders()).toEqual([]);
  });

  it("cancels open orders on quit only on the venues set to, and not on the others", async () => {
    const quit = memoryQuitSettings();
    const hub = new Hub({ quitSettings: quit });
    const t = held('tinvest');
    const k = held('kraken');
    hub.addVenue(t.factory);
    hub.addVenue(k.factory);
    await hub.connect('tinvest');
    await hub.connect('kraken');
    t.current().cancelAllAnswer = 3;
    k.current().cancelAllAnswer = 5;
    await quit.set('kraken', true);

    const report = await hub.shutdown({ inFlightMs: 100, cancelMs: 1_000, closeMs: 500 });
    expect(report).toMatchObject({ cancelledOnQuit: 5, cancelFailed: [] });
    expect(k.current().cancelAllCalls).toEqual(['acc-1']);
    expect(t.current().cancelAllCalls).toEqual([]);
    expect(t.current().closed && k.current().closed).toBe(true);
  });

  it('stays within its bounds when a venue never answers its cancels nor closes', async () => {
    const hub = new Hub({ quitSettings: memoryQuitSettings({ tinvest: true }), cancelRetry: { attempts: 1, firstDelayMs: 10, maxDelayMs: 10, budgetMs: 60_000 } });
    const t = held('tinvest');
    const k = held('kraken');
    hub.addVenue(t.factory);
    hub.addVenue(k.factory);
    await hub.connect('tinvest');
    await hub.connect('kraken');
    t.current().cancelAllScript = { 'acc-1': ['hang'] };
    t.current().hangClose = true;
    void hub.journal.place(order('tinvest')).catch(() => undefined);
    await until('the order to reach the venue', () => t.current().waiting === 1);

    const report = await hub.shutdown({ inFlightMs: 150, cancelMs: 150, closeMs: 150 });
    expect(report).toMatchObject({ inFlight: 1, unknown: 1, cancelFailed: ['tinvest'], notClosed: ['tinvest'] });
    expect(k.current().closed).toBe(true);
    // The hung venue is not waited for again by close().
    await hub.close();
    // The panic key's 60 s budget was not what bounded the cancel: the shutdown's was.
    expect(report.tookMs).toBeLessThan(30_000);
  });

  it('refuses to connect a venue once shutdown has begun', async () => {
    const hub = new Hub();
    const venues = held('tinvest');
    hub.addVenue(venues.factory);
    await hub.shutdown({ inFlightMs: 10, cancelMs: 10, closeMs: 10 });
    await expect(hub.connect('tinvest')).rejects.toMatchObject({ code: 'unavailable' });
  });
});
