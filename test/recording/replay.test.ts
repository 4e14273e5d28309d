/**
 * Record a Kraken session against the local venue with faults (a checksum mismatch on the book,
 * an order whose reply is lost and is resolved afterwards, every socket dropped and reconnected,
 * a placed and cancelled order), then replay the file offline through the real adapter: the
 * domain events and every command's outcome must be the same.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CandleKey, MarketKey, OrderRequest } from '../../common/domain.js';
import { WireTaps } from '../../electron/net/wire-tap.js';
import { tapCommands } from '../../electron/recording/command-tap.js';
import { EventLog } from '../../electron/recording/event-log.js';
import type { DomainEvent } from '../../electron/recording/event-log.js';
import { parseRecording } from '../../electron/recording/format.js';
import type { RecordedEvent } from '../../electron/recording/format.js';
import { SessionRecorder } from '../../electron/recording/recorder.js';
import { replayRecording } from '../../electron/recording/replay.js';
import { createKrakenVenue } from '../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../electron/venues/kraken/adapter.js';
import { createTInvestVenue } from '../../electron/venues/tinvest/adapter.js';
import type { TInvestVenue, TInvestVenueOptions } from '../../electron/venues/tinvest/adapter.js';
import { Market } from '../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../sim/kraken/server.js';
import type { KrakenSim } from '../../sim/kraken/server.js';
import { startTInvestSim } from '../../sim/tinvest/server.js';
import type { TInvestSim } from '../../sim/tinvest/server.js';

const dirs: string[] = [];
let sim: KrakenSim | undefined;
let market: Market | undefined;
let venue: KrakenVenue | undefined;
let tsim: TInvestSim | undefined;
let tvenue: TInvestVenue | undefined;

afterEach(async () => {
  await venue?.close().catch(() => undefined);
  await tvenue?.close().catch(() => undefined);
  await sim?.close();
  await tsim?.close();
  market?.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'replay-test-'));
  dirs.push(d);
  return d;
}

async function until(what: string, check: () => boolean, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const TIMING = { replyTimeoutMs: 1_500, privateConnectMs: 5_000 };

function count(log: EventLog, type: string, on?: string): number {
  return log.events.filter((e) => e.type === type && (on === undefined || e.on === on)).length;
}

function lastState(log: EventLog, connection: string): string | undefined {
  const s = log.events.filter((e) => e.type === 'state' && e.on === connection).at(-1);
  return (s?.data as { state?: string } | undefined)?.state;
}

/** The domain events of one kind, as JSON lines (a readable diff when they differ). */
function linesOf(events: readonly DomainEvent[], ...types: string[]): string[] {
  return events.filter((e) => types.includes(e.type)).map((e) => JSON.stringify(e));
}

describe('session recording and replay', () => {
  it('a Kraken session with a checksum mismatch, a lost reply, dropped sockets and a cancel replays to the same events', { timeout: 240_000 }, async () => {
    market = new Market({ seed: 13, symbols: krakenMarketSymbols().map((s) => (s.symbol === 'BTC/USD' ? { ...s, tradesPerSecond: 10 } : s)) });
    market.start(50);
    sim = await startKrakenSim({ seed: 13, market });
    const taps = new WireTaps();
    const folder = tempDir();
    const recorder = new SessionRecorder({ taps, dir: folder, version: 'test', modeOf: () => 'demo' });
    recorder.start();
    const live = new EventLog();
    venue = tapCommands(
      createKrakenVenue({
        rest: sim.rest,
        ws: sim.ws,
        wsAuth: sim.wsAuth,
        apiKey: sim.apiKey,
        apiSecret: sim.apiSecret,
        mode: 'demo',
        sink: live,
        stateDir: tempDir(),
        wire: taps,
        timing: TIMING,
      }),
      taps,
    );
    const v = venue;
    await v.connect();
    const candles: CandleKey = { venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m' };
    const book: MarketKey = { venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'book', depth: 10 };
    v.subscribeCandles(candles);
    v.subscribeMarket(book);
    await until('candles and books', () => count(live, 'candle') >= 3 && count(live, 'book') >= 5);

    // A book message with a wrong checksum: the adapter resyncs the book.
    sim.faults.corruptNextBookChecksum('BTC/USD');
    await until('the checksum mismatch', () => sim!.record.corruptedChecksums.length === 1);
    await until('the resync reported', () => live.events.some((e) => e.type === 'error' && (e.data as { code?: string }).code === 'book-checksum'));
    const booksAfterResync = count(live, 'book');
    await until('books after the resync', () => count(live, 'book') > booksAfterResync + 3);

    // A resting order, placed and cancelled.
    const base = { venue: 'kraken' as const, accountId: 'spot', instrumentId: 'XXBTZUSD', side: 'buy' as const, type: 'limit' as const, quantity: '0.0005', price: '30000' };
    const a: OrderRequest = { ...base, clientOrderId: 'rec-a' };
    const placed = await v.placeOrder(a);
    expect(placed.kind).toBe('accepted');
    const cancelled = await v.cancelOrder('spot', a.clientOrderId);
    expect(cancelled.status).toBe('cancelled');

    // An order whose reply is lost: the adapter waits out its reply timeout, then the core would ask.
    sim.faults.loseNextReply('ws-add_order');
    const b: OrderRequest = { ...base, price: '30001', clientOrderId: 'rec-b' };
    const sentAt = Date.now();
    await v.placeOrder(b).catch(() => undefined);
    expect(sim.record.lostReplies).toHaveLength(1);
    const resolved = await v.resolveOrder('spot', b.clientOrderId, { instrumentId: b.instrumentId, sentAt });
    expect(resolved.venueOrderId).toBeDefined();

    // Every socket dropped at once: both reconnect and resubscribe.
    const candlesBefore = count(live, 'candle');
    sim.faults.dropSockets();
    await until('the drop noticed', () => lastState(live, 'ws-public') !== 'live' || lastState(live, 'ws-private') !== 'live');
    await until('both sockets live again', () => lastState(live, 'ws-public') === 'live' && lastState(live, 'ws-private') === 'live');
    await until('candles after the reconnect', () => count(live, 'candle') > candlesBefore + 2);
    await v.cancelOrder('spot', b.clientOrderId);
    await v.close();
    venue = undefined;
    const status = await recorder.stop();

    // The file: one venue, a header and every event; no credential in it.
    expect(status.files).toHaveLength(1);
    const file = status.files[0]!.file;
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(sim.apiSecret);
    expect(text).not.toContain(sim.apiKey);
    const rec = parseRecording(text);
    expect(rec.header).toMatchObject({ format: 'switchboard-wire', venue: 'kraken', mode: 'demo', app: 'test' });
    expect(rec.skipped).toBe(0);
    for (const c of ['public', 'private', 'rest', 'app']) expect(rec.events.some((e) => e.connection === c)).toBe(true);
    // Subscribes on the private socket carried the WS token; it is masked in the file.
    const privateSubs = rec.events.filter((e) => e.connection === 'private' && e.channel === 'subscribe');
    expect(privateSubs.length).toBeGreaterThan(0);
    for (const e of privateSubs) expect(e.text).toContain('"token":"[redacted]"');

    // The faults are in the file: two add_order out, one answered; a close by the venue on each socket.
    const addOrders = rec.events.filter((e) => e.connection === 'private' && e.dir === 'out' && e.channel === 'add_order');
    const addReplies = rec.events.filter((e) => e.connection === 'private' && e.dir === 'in' && e.text?.includes('"method":"add_order"'));
    expect([addOrders.length, addReplies.length]).toEqual([2, 1]);
    for (const c of ['public', 'private']) expect(rec.events.some((e) => e.connection === c && e.dir === 'in' && e.kind === 'close')).toBe(true);

    const replayed = await replayRecording(rec, { timing: TIMING });
    console.log(`live: ${live.events.length} events; replay: ${replayed.events.length}; recording ${rec.events.length} frames, ${text.length} bytes`);
    expect(replayed.divergences).toEqual([]);
    expect(replayed.commands).toBeGreaterThanOrEqual(9);
    // connect, the orders, cancels and the resolve answered as they were live.
    expect(replayed.outcomes).toBeGreaterThanOrEqual(6);
    expect(replayed.sameOutcomes).toBe(replayed.outcomes);
    // Same candles, books, order evidence and refusals, in the same order.
    for (const kinds of [['candle'], ['book'], ['trades', 'quote'], ['order'], ['subscriptionFailed', 'marketFailed']]) {
      expect(linesOf(replayed.events, ...kinds)).toEqual(linesOf(live.events, ...kinds));
    }
    // Each connection went through the same states and reported the same errors. Across
    // connections the order of simultaneous events (both sockets dropped at once) is the event
    // loop's, not the recording's, so they are compared per connection.
    const connections = new Set(live.events.flatMap((e) => (e.type === 'state' ? [e.on] : [])));
    expect(connections.size).toBeGreaterThanOrEqual(3);
    for (const c of connections) {
      const of = (events: readonly DomainEvent[]): string[] => linesOf(events.filter((e) => e.on === c), 'state', 'error', 'malformed');
      expect(of(replayed.events)).toEqual(of(live.events));
    }

    // The same file through `npm run replay`: the events as JSON lines, the summary, exit 0.
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/replay.ts', file, '--options', JSON.stringify({ timing: TIMING })], { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 << 20 });
    expect(cli.stderr).toMatch(/\d+ domain events; \d+ commands asked, (\d+)\/\1 answered as recorded/);
    expect(cli.status).toBe(0);
    const printed = cli.stdout.trim().split('\n').map((l) => JSON.parse(l) as DomainEvent);
    for (const kind of ['candle', 'book', 'order']) expect(linesOf(printed, kind)).toEqual(linesOf(live.events, kind));
  });

  it('a T-Invest session with a lost order reply, dropped streams and a cancel replays to the same events', { timeout: 240_000 }, async () => {
    tsim = await startTInvestSim({ seed: 17 });
    const sber = tsim.instruments.find((i) => i.ticker === 'SBER')!;
    const taps = new WireTaps();
    const folder = tempDir();
    const recorder = new SessionRecorder({ taps, dir: folder, version: 'test', modeOf: () => 'demo' });
    recorder.start();
    const live = new EventLog();
    // What shapes the adapter's timing: the replay is built with the same.
    const timing: NonNullable<Parameters<typeof replayRecording>[1]>['adapter'] = {
      accountId: tsim.accountId,
      pingDelayMs: 1_000,
      reconnect: { baseMs: 20, maxMs: 200 },
      trading: { pingDelayMs: 1_000, reconnect: { baseMs: 20, maxMs: 200 }, commandDeadlineMs: 1_000, resolve: { notFoundAfterMs: 500 } },
    };
    const options: TInvestVenueOptions = { endpoint: tsim.endpoint, token: tsim.token, mode: 'demo', tls: false, sink: live, wire: taps, ...timing };
    tvenue = tapCommands(createTInvestVenue(options), taps);
    const v = tvenue;
    await v.connect();
    v.subscribeCandles({ venue: 'tinvest', instrumentId: sber.uid, interval: '1m' });
    v.subscribeMarket({ venue: 'tinvest', instrumentId: sber.uid, stream: 'book', depth: 10 });
    await until('candles and books', () => count(live, 'candle') >= 2 && count(live, 'book') >= 3);

    const base = { venue: 'tinvest' as const, accountId: tsim.accountId, instrumentId: sber.uid, side: 'buy' as const, type: 'limit' as const, quantity: '1', price: '150.00' };
    const a: OrderRequest = { ...base, clientOrderId: randomUUID() };
    expect((await v.placeOrder(a)).kind).toBe('accepted');
    expect((await v.cancelOrder(tsim.accountId, a.clientOrderId)).status).toBe('cancelled');

    // The PostOrder answer is cut after the venue placed it: unknown outcome, then resolved.
    tsim.faults.loseNextReply('PostOrder', 1, 'UNAVAILABLE');
    const b: OrderRequest = { ...base, price: '151.00', clientOrderId: randomUUID() };
    const sentAt = Date.now();
    await v.placeOrder(b).catch(() => undefined);
    const resolved = await v.resolveOrder(tsim.accountId, b.clientOrderId, { instrumentId: sber.uid, sentAt });
    expect(resolved.venueOrderId).toBeDefined();

    // Every stream dropped by the venue: both come back and resubscribe.
    const candlesBefore = count(live, 'candle');
    const states = live.events.length;
    expect(tsim.faults.dropStreams('UNAVAILABLE', 'all')).toBeGreaterThan(0);
    await until('streams back', () => live.events.slice(states).filter((e) => e.type === 'state' && (e.data as { state?: string }).state === 'live').length >= 2);
    await until('candles after the drop', () => count(live, 'candle') > candlesBefore);
    await v.cancelOrder(tsim.accountId, b.clientOrderId);
    await v.close();
    tvenue = undefined;
    const status = await recorder.stop();

    expect(status.files).toHaveLength(1);
    const text = readFileSync(status.files[0]!.file, 'utf8');
    expect(text).not.toContain(tsim.token);
    const rec = parseRecording(text);
    expect(rec.skipped).toBe(0);
    for (const c of ['unary', 'marketdata#0', 'order-state', 'app']) expect(rec.events.some((e) => e.connection === c)).toBe(true);

    // The faults are in the file: a PostOrder cut with UNAVAILABLE, both streams ended by the venue and opened again.
    const closes = (c: string): RecordedEvent[] => rec.events.filter((e) => e.connection === c && e.dir === 'in' && e.kind === 'close');
    expect(closes('unary').some((e) => e.channel === 'PostOrder' && e.status?.code === 14)).toBe(true);
    for (const c of ['marketdata#0', 'order-state']) {
      expect(closes(c).some((e) => e.status?.code === 14)).toBe(true);
      expect(new Set(rec.events.filter((e) => e.connection === c).map((e) => e.call)).size).toBeGreaterThanOrEqual(2);
    }

    const replayed = await replayRecording(rec, { adapter: timing });
    console.log(`tinvest live: ${live.events.length} events; replay: ${replayed.events.length}; recording ${rec.events.length} frames, ${text.length} bytes`);
    expect(replayed.divergences).toEqual([]);
    expect(replayed.outcomes).toBeGreaterThanOrEqual(6);
    expect(replayed.sameOutcomes).toBe(replayed.outcomes);
    for (const kinds of [['candle'], ['book'], ['trades', 'quote'], ['order'], ['subscriptionFailed', 'marketFailed']]) {
      expect(linesOf(replayed.events, ...kinds)).toEqual(linesOf(live.events, ...kinds));
    }
    const connections = new Set(live.events.flatMap((e) => (e.type === 'state' ? [e.on] : [])));
    for (const c of connections) {
      const of = (events: readonly DomainEvent[]): string[] => linesOf(events.filter((e) => e.on === c), 'state', 'error', 'malformed');
      expect(of(replayed.events)).toEqual(of(live.events));
    }
  });
});
