/**
 * The failure tests' one scenario: consoles on a chart, placing and cancelling orders on both
 * venues while something between them and the venues fails and comes back; then the checks every
 * failure test makes (every command answered, every journal order on its venue once, every
 * console's orders equal to the journal, no duplicate delivered, no candle gap) and the figures
 * the lead copies into docs/gateway.md (one `GATEWAY-FIGURES` line per scenario).
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, expect } from 'vitest';
import { ORDER_STREAM } from '../../electron/gateway/protocol.js';
import type { Candle, CandleKey, Order, OrderRequest, VenueId } from '../../common/domain.js';
import { candleKeyId } from '../../common/domain.js';
import type { GatewayLinkStatus } from '../../electron/gateway/link-status.js';
import { until } from '../e2e/workspace-page.js';
import { Desk } from './desk-rig.js';
import type { DeskConsole, DeskOptions } from './desk-rig.js';

/**
 * 20 place+cancel pairs = 40 commands, one pair started every PAIR_EVERY_MS. A cancel within 5 s of
 * its order costs 8 on Kraken's per-pair counter: the desks run Kraken's pro tier, so the figures
 * measure the failure, not the venue's rate limit.
 */
const PAIRS = 20;
const PAIR_EVERY_MS = 500;
/** The failure starts this long after the first command, the recovery this long after it. */
const FAIL_AFTER_MS = 3_000;
const DOWN_FOR_MS = 2_000;
/** A command with no answer at all in this long counts as unanswered (forward.ts gives up after 20 s). */
const ANSWER_PATIENCE_MS = 90_000;
const PATIENCE_MS = 90_000;

export interface Outage {
  name: string;
  /** Makes the failure happen (resolves once it has). */
  fail(): Promise<void>;
  /** Brings the failed part back (resolves once it is back). */
  recover(): Promise<void>;
  /** The gateway's journal now (its final word on every order). */
  journal(): Order[];
  /** Order updates the gateway(s) published into ORDERS, where the test can count them in process. */
  published(): { published: number; duplicates: number } | undefined;
  /** Whether consoles must show their link going down (a cluster may fail over unseen). */
  linkGoesDown: boolean;
}

interface Command {
  kind: 'place' | 'cancel';
  venue: VenueId;
  clientOrderId: string;
  console: string;
  code: string;
  message?: string;
}

export interface Figures {
  scenario: string;
  commandsSent: number;
  commandsOk: number;
  commandsRefused: Record<string, number>;
  /** Each distinct refusal once, for the report. */
  refusals: string[];
  ordersInJournal: number;
  ordersOnVenues: number;
  /** Journal orders that never reached a venue, by the journal's reason. */
  journalRejected: string[];
  ordersStream: { lastSeq: number | undefined; publishedInProcess?: number; duplicateAcks?: number };
  consoles: {
    name: string;
    orderUpdatesPushed: number;
    linkOrderEvents: number;
    /** The last ORDERS sequence this console applied. */
    replaySeq: number;
    duplicateOrderEventsSkipped: number;
    duplicatesDelivered: number;
    gaps: number;
    snapshots: number;
    /** Messages the link skipped as malformed: the gateway's own must all pass. */
    malformed: number;
    reconnects: number;
    linkLiveAfterMs: number | undefined;
    firstCandleAfterMs: number | undefined;
    barsCompared: number;
  }[];
}

export interface Setup {
  chart: CandleKey;
  place: Record<VenueId, (clientOrderId?: string) => OrderRequest>;
}

/** What a failure suite trades on: its NATS (a server or a cluster), the desk, consoles a and b, the setup. */
export interface FailureDesk<N> {
  readonly nats: N;
  readonly desk: Desk;
  readonly consoles: DeskConsole[];
  readonly setup: Setup;
}

/**
 * Registers the failure suites' shared rig for the calling file: NATS from `startNats`, a desk on
 * it (Kraken on its pro tier so rate-limit waits stay out of the figures, 5 s leases), consoles a
 * and b prepared; closed after the file. Read it inside tests only.
 */
export function failureDesk<N extends { close(): Promise<void> }>(startNats: () => Promise<N>, deskOptions: (nats: N) => Pick<DeskOptions, 'nats'> & Partial<DeskOptions>): FailureDesk<N> {
  let started: FailureDesk<N> | undefined;
  let nats: N | undefined;
  let desk: Desk | undefined;
  beforeAll(async () => {
    nats = await startNats();
    desk = new Desk({ leaseMs: 5_000, krakenTier: 'pro', ...deskOptions(nats) });
    await desk.start();
    const consoles = [await desk.addConsole('a'), await desk.addConsole('b')];
    started = { nats, desk, consoles, setup: await prepare(desk, consoles) };
  }, 180_000);
  afterAll(async () => {
    await desk?.close();
    await nats?.close();
  }, 120_000);
  const get = (): FailureDesk<N> => {
    if (!started) throw new Error('the failure desk is read before it started (inside a test only)');
    return started;
  };
  return {
    get nats() {
      return get().nats;
    },
    get desk() {
      return get().desk;
    },
    get consoles() {
      return get().consoles;
    },
    get setup() {
      return get().setup;
    },
  };
}

/** Both venues connected through the first console, every console on a Kraken 1m chart, order makers for both venues. */
export async function prepare(desk: Desk, consoles: DeskConsole[]): Promise<Setup> {
  const a = consoles[0]!;
  for (const venue of ['kraken', 'tinvest'] as const) await a.client.value('venues.connect', { venue });
  await until(
    'both venues live at the gateway',
    async () => {
      const v = await a.client.value('venues.list', {});
      return v.length === 2 && v.every((s) => s.state === 'live') ? true : undefined;
    },
    PATIENCE_MS,
  );
  const pair = (await a.client.value('instruments.search', { venue: 'kraken', query: 'BTC', limit: 1 }))[0]!;
  const chart: CandleKey = { venue: 'kraken', instrumentId: pair.id, interval: '1m' };
  for (const c of consoles) await c.client.value('candles.subscribe', chart);
  const id = candleKeyId(chart);
  await until('every console gets the chart', async () => (consoles.every((c) => candlesOf(c, id).length > 0) ? true : undefined), PATIENCE_MS);
  return {
    chart,
    place: { kraken: await desk.restingOrder(a, 'kraken', 'BTC'), tinvest: await desk.restingOrder(a, 'tinvest', 'SBER') },
  };
}

function candlesOf(c: DeskConsole, keyId: string): Candle[] {
  return c.batches.flatMap((x) => x.candles).filter((k) => candleKeyId(k) === keyId);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function send(c: DeskConsole, kind: Command['kind'], req: OrderRequest): Promise<Command> {
  const answer =
    kind === 'place'
      ? c.client.request('orders.place', req)
      : c.client.request('orders.cancel', { venue: req.venue, accountId: req.accountId, clientOrderId: req.clientOrderId! });
  const timeout = sleep(ANSWER_PATIENCE_MS).then(() => ({ ok: false as const, code: 'no-answer', message: 'nothing in time' }));
  const r = await Promise.race([answer, timeout]);
  return { kind, venue: req.venue, clientOrderId: req.clientOrderId!, console: c.name, ...(r.ok ? { code: 'ok' } : { code: r.code, message: r.message }) };
}

/** What an order's state is, for comparing a console's copy with the journal. */
function stateOf(o: Order): string {
  return JSON.stringify({ status: o.status, filled: o.filledQuantity, venueOrderId: o.venueOrderId ?? null, fills: o.fills.length });
}

/** Trades through the outage and checks the outcome; returns the scenario's figures (also printed). */
export async function tradeThroughOutage(desk: Desk, consoles: DeskConsole[], setup: Setup, outage: Outage): Promise<Figures> {
  const keyId = candleKeyId(setup.chart);
  // Start so that the failure comes just before a minute ends: a bar then closes while the
  // consoles are cut off, and the gap check below has a bar to miss.
  await until('a minute is about to end', async () => {
    const sec = (Date.now() / 1000) % 60;
    return sec >= 50 && sec < 55 ? true : undefined;
  }, 70_000);
  const ours = new Set<string>();
  const commands: Promise<Command[]>[] = [];
  let failAt = 0;
  const start = Date.now();
  const failure = (async () => {
    await sleep(FAIL_AFTER_MS);
    failAt = Date.now();
    await outage.fail();
    await sleep(DOWN_FOR_MS);
    await outage.recover();
  })();
  for (let p = 0; p < PAIRS; p++) {
    const venue: VenueId = p % 2 === 0 ? 'kraken' : 'tinvest';
    const req = setup.place[venue]();
    ours.add(req.clientOrderId!);
    const placer = consoles[p % consoles.length]!;
    const canceller = consoles[(p + 1) % consoles.length]!;
    commands.push(
      (async () => {
        const placed = await send(placer, 'place', req);
        const cancelled = await send(canceller, 'cancel', req);
        return [placed, cancelled];
      })(),
    );
    await sleep(start + (p + 1) * PAIR_EVERY_MS - Date.now());
  }
  await failure;
  const sent = (await Promise.all(commands)).flat();

  // Every command answered: ok, or a refusal the journal then resolves.
  expect(sent.filter((c) => c.code === 'no-answer')).toEqual([]);

  // The consoles come back.
  const links = new Map<string, GatewayLinkStatus>();
  for (const c of consoles) {
    links.set(
      c.name,
      await until(`${c.name}'s link is live`, async () => {
        const l = await c.client.value('gateway.link', {});
        return l?.state === 'live' ? l : undefined;
      }, PATIENCE_MS),
    );
  }

  // The journal settles: no order of ours pending or unknown.
  const journal = await until(
    'the journal settles every order',
    async () => {
      const j = outage.journal().filter((o) => ours.has(o.clientOrderId));
      return j.every((o) => o.status !== 'pending' && o.status !== 'unknown') ? j : undefined;
    },
    PATIENCE_MS,
  );
  const journalById = new Map(journal.map((o) => [o.clientOrderId, o]));
  // A command answered ok is in the journal; a refused place may be or not: the journal decides.
  for (const c of sent) if (c.code === 'ok') expect(journalById.has(c.clientOrderId), `${c.kind} ${c.clientOrderId} answered ok`).toBe(true);

  // Every journal order on its venue exactly once, and no order of ours on a venue outside the journal.
  const onVenue = new Map<string, number>();
  for (const o of desk.kraken.record.orders.values()) if (o.clOrdId && ours.has(o.clOrdId)) onVenue.set(o.clOrdId, (onVenue.get(o.clOrdId) ?? 0) + 1);
  for (const o of desk.tinvest.stats.ordersOf(desk.tinvest.accountId)) if (ours.has(o.requestKey)) onVenue.set(o.requestKey, (onVenue.get(o.requestKey) ?? 0) + 1);
  expect([...onVenue].filter(([, n]) => n !== 1)).toEqual([]);
  expect([...onVenue.keys()].filter((id) => !journalById.has(id))).toEqual([]);
  expect(journal.filter((o) => o.status !== 'rejected' && !onVenue.has(o.clientOrderId)).map((o) => o.clientOrderId)).toEqual([]);
  // And the other way: an order the journal calls rejected never reached its venue, even later.
  expect(journal.filter((o) => o.status === 'rejected' && onVenue.has(o.clientOrderId)).map((o) => `${o.clientOrderId}: ${o.reason?.message ?? ''}`)).toEqual([]);

  // Every console's copy equals the journal: its pushed updates end in the journal's state, its list agrees.
  for (const c of consoles) {
    await until(`${c.name}'s pushed orders reach the journal's states`, async () => {
      for (const o of journal) if (stateOf(c.orderEvents.get(o.clientOrderId)?.at(-1) ?? o) !== stateOf(o) || !c.orderEvents.has(o.clientOrderId)) return undefined;
      return true;
    }, PATIENCE_MS);
    const listed = new Map((await c.client.value('orders.list', {})).map((o) => [o.clientOrderId, o]));
    for (const o of journal) expect(stateOf(listed.get(o.clientOrderId) ?? ({ ...o, status: 'missing' } as unknown as Order)), `${c.name} lists ${o.clientOrderId}`).toBe(stateOf(o));
  }

  // No gap in the chart: after the outage, a bar after it arrives, and every closed bar between the
  // first one pushed and the last equals the venue's history, bar by bar.
  const figures: Figures['consoles'] = [];
  // The bar forming when the failure began has closed (a later one is pushed) before the history is read.
  const failBar = Math.floor(failAt / 60_000) * 60;
  for (const c of consoles) await until(`${c.name} gets a bar after the failure's`, async () => (candlesOf(c, keyId).some((k) => k.time > failBar) ? true : undefined), PATIENCE_MS);
  const history = await consoles[0]!.client.value('candles.history', { ...setup.chart, limit: 60 });
  for (const c of consoles) {
    // Read after the journal settled and the consoles caught up: the timeline covers all of it.
    const link = (await c.client.value('gateway.link', {}))!;
    const timeline = [...link.timeline].sort((x, y) => x.at - y.at);
    const down = timeline.find((s) => s.at >= failAt && s.state !== 'live');
    const liveAgain = timeline.find((s) => s.at >= (down?.at ?? failAt) && s.state === 'live');
    if (outage.linkGoesDown) {
      expect(down, `${c.name}'s link went down`).toBeDefined();
      expect(liveAgain, `${c.name}'s link came back`).toBeDefined();
      const conn = c.batches.flatMap((b) => b.connections).filter((e) => e.at >= failAt && e.connection === 'venue');
      const firstDown = conn.findIndex((e) => e.state !== 'live');
      expect(firstDown, `${c.name} was told its venues were down`).toBeGreaterThanOrEqual(0);
      expect(conn.slice(firstDown).some((e) => e.state === 'live'), `${c.name} was told its venues are live again`).toBe(true);
    }
    // Back means back: once live again, the link does not fall back to reconnecting over answers
    // to requests it sent while it was down (the gateway and NATS stay up from here on).
    if (liveAgain) {
      const after = timeline.filter((s) => s.at > liveAgain.at && s.state !== 'live');
      expect(after.map((s) => `${s.at - failAt} ms: ${s.state}: ${s.reason}`), `${c.name}'s link after it came back`).toEqual([]);
    }
    const since = liveAgain && down ? liveAgain.at : failAt;
    await until(`${c.name} gets a candle after the outage`, async () => (c.receivedAt.some((t, i) => t > since && c.batches[i]!.candles.some((k) => candleKeyId(k) === keyId)) ? true : undefined), PATIENCE_MS);
    const firstCandleIdx = c.receivedAt.findIndex((t, i) => t > since && c.batches[i]!.candles.some((k) => candleKeyId(k) === keyId));
    const pushed = new Map<number, Candle>();
    for (const k of candlesOf(c, keyId)) pushed.set(k.time, k);
    const times = [...pushed.keys()].sort((x, y) => x - y);
    // From the bar forming when trading began: older ones came with the subscription's history.
    const first = Math.floor(start / 60_000) * 60;
    const forming = times.at(-1)!;
    let barsCompared = 0;
    for (const h of history) {
      if (h.time < first || h.time >= forming) continue;
      const p = pushed.get(h.time);
      expect(p, `${c.name} has the bar at ${h.time} (pushed ${times.filter((t) => t >= first).join(',')}; failed at ${Math.floor(failAt / 1000)}, live again ${Math.floor((liveAgain?.at ?? 0) / 1000)}; history ${history.map((x) => x.time).filter((t) => t >= first).join(',')})`).toBeDefined();
      expect({ o: p!.open, h: p!.high, l: p!.low, c: p!.close, v: p!.volume }, `${c.name}'s bar at ${h.time}`).toEqual({ o: h.open, h: h.high, l: h.low, c: h.close, v: h.volume });
      barsCompared++;
    }
    expect(barsCompared, `${c.name}: closed bars compared`).toBeGreaterThan(0);
    const step = 60;
    for (let t = first; t <= forming; t += step) expect(pushed.has(t), `${c.name} has a bar at ${t}`).toBe(true);

    let pushedUpdates = 0;
    let delivered = 0;
    for (const list of c.orderEvents.values()) {
      pushedUpdates += list.length;
      for (let i = 1; i < list.length; i++) if (JSON.stringify(list[i]) === JSON.stringify(list[i - 1])) delivered++;
    }
    const final = (await c.client.value('gateway.link', {}))!;
    if (process.env.F14_DEBUG) console.log(`TIMELINE ${c.name} ${JSON.stringify(final.timeline.filter((s) => s.at >= failAt - 1000).map((s) => [s.at - failAt, s.state, s.reason]))}`);
    figures.push({
      name: c.name,
      orderUpdatesPushed: pushedUpdates,
      linkOrderEvents: final.orderEvents,
      replaySeq: final.replaySeq,
      duplicateOrderEventsSkipped: final.duplicateOrderEvents,
      duplicatesDelivered: delivered,
      gaps: final.gaps,
      snapshots: final.snapshots,
      malformed: final.malformed,
      reconnects: final.reconnects,
      linkLiveAfterMs: liveAgain && down ? liveAgain.at - failAt : undefined,
      firstCandleAfterMs: firstCandleIdx >= 0 ? c.receivedAt[firstCandleIdx]! - failAt : undefined,
      barsCompared,
    });
  }
  for (const f of figures) expect(f.duplicatesDelivered, `${f.name}: identical order updates pushed twice in a row`).toBe(0);
  for (const f of figures) expect(f.malformed, `${f.name}: messages from the gateway skipped as malformed`).toBe(0);

  const refused: Record<string, number> = {};
  for (const c of sent) if (c.code !== 'ok') refused[`${c.kind}:${c.code}`] = (refused[`${c.kind}:${c.code}`] ?? 0) + 1;
  const inProcess = outage.published();
  // The stream as the server has it: every console has read all of it, no more and no less.
  const nc = desk.gateway?.service.nc;
  const streamLast = nc ? (await (await jetstreamManager(nc, { checkAPI: false })).streams.info(ORDER_STREAM)).state.last_seq : undefined;
  if (streamLast !== undefined) {
    for (const c of consoles) {
      await until(`${c.name} read ORDERS to its end (seq ${streamLast})`, async () => ((await c.client.value('gateway.link', {}))?.replaySeq === streamLast ? true : undefined));
    }
  }
  const result: Figures = {
    scenario: outage.name,
    commandsSent: sent.length,
    commandsOk: sent.filter((c) => c.code === 'ok').length,
    commandsRefused: refused,
    refusals: [...new Set(sent.filter((c) => c.code !== 'ok').map((c) => `${c.kind}: ${c.code}: ${c.message ?? ''}`))],
    ordersInJournal: journal.length,
    ordersOnVenues: onVenue.size,
    journalRejected: [...new Set(journal.filter((o) => o.status === 'rejected').map((o) => `${o.venue}: ${o.reason?.code ?? ''}: ${o.reason?.message ?? ''}`))],
    ordersStream: {
      lastSeq: streamLast,
      ...(inProcess ? { publishedInProcess: inProcess.published, duplicateAcks: inProcess.duplicates } : {}),
    },
    consoles: figures,
  };
  console.log(`GATEWAY-FIGURES ${JSON.stringify(result)}`);
  return result;
}
