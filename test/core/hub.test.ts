import { describe, expect, it } from 'vitest';
import type { Candle, CandleKey } from '../../common/domain.js';
import type { ConnectionEvent } from '../../electron/contract.js';
import { Hub, HubError, VENUE_CONNECTION } from '../../electron/core/hub.js';
import { createLogger } from '../../electron/core/log.js';
import type { LogRecord } from '../../electron/core/log.js';
import { Session } from '../../electron/bridge/session.js';
import { VenueError } from '../../electron/venues/venue.js';
import { T0, candle, memoryVenues } from './memory-venue.js';

const KEY: CandleKey = { venue: 'tinvest', instrumentId: 'id-SBER', interval: '1m' };

async function connectedHub(): Promise<{ hub: Hub; venues: ReturnType<typeof memoryVenues> }> {
  const hub = new Hub();
  const venues = memoryVenues();
  hub.addVenue(venues.factory);
  await hub.connect('tinvest');
  return { hub, venues };
}

function client(hub: Hub): Session {
  return new Session({ hub, transport: 'websocket', push: () => undefined, diagnosticsMs: 0 });
}

async function subscribe(s: Session, key: CandleKey): Promise<string> {
  const r = await s.handle('candles.subscribe', key);
  if (!r.ok) throw new Error(r.message);
  return (r.value as { subscriptionId: string }).subscriptionId;
}

describe('Hub candle subscriptions', () => {
  it('gives two subscribers of one key a single venue subscription', async () => {
    const { hub, venues } = await connectedHub();
    const a = client(hub);
    const b = client(hub);
    await subscribe(a, KEY);
    await subscribe(b, KEY);
    expect(venues.current().subscribed).toEqual([KEY]);
    expect(hub.refCount(KEY)).toBe(2);
  });

  it('unsubscribes from the venue only when the last holder releases', async () => {
    const { hub, venues } = await connectedHub();
    const a = client(hub);
    const b = client(hub);
    const idA = await subscribe(a, KEY);
    const idB = await subscribe(b, KEY);
    expect(await a.handle('candles.unsubscribe', { subscriptionId: idA })).toEqual({ ok: true, value: null });
    expect(venues.current().unsubscribed).toEqual([]);
    await b.handle('candles.unsubscribe', { subscriptionId: idB });
    expect(venues.current().unsubscribed).toEqual([KEY]);
    expect(hub.refCount(KEY)).toBe(0);
  });

  it('releases every subscription of a client that goes away', async () => {
    const { hub, venues } = await connectedHub();
    const other: CandleKey = { ...KEY, interval: '5m' };
    const leaving = client(hub);
    const staying = client(hub);
    await subscribe(leaving, KEY);
    await subscribe(leaving, KEY);
    await subscribe(leaving, other);
    await subscribe(staying, other);
    leaving.close();
    expect(hub.refCount(KEY)).toBe(0);
    expect(hub.refCount(other)).toBe(1);
    expect(venues.current().unsubscribed).toEqual([KEY]);
    expect([...venues.current().active.values()]).toEqual([other]);
  });

  it('keeps held keys across a disconnect and resubscribes them on the next connect', async () => {
    const { hub, venues } = await connectedHub();
    hub.retain(KEY);
    await hub.disconnect('tinvest');
    expect(venues.current().closed).toBe(true);
    await hub.connect('tinvest');
    expect(venues.all).toHaveLength(2);
    expect(venues.current().subscribed).toEqual([KEY]);
  });

  it('subscribes keys retained before the venue connected once it connects', async () => {
    const hub = new Hub();
    const venues = memoryVenues();
    hub.addVenue(venues.factory);
    hub.retain(KEY);
    expect(venues.current().subscribed).toEqual([]);
    await hub.connect('tinvest');
    expect(venues.current().subscribed).toEqual([KEY]);
  });

  it('refuses keys of unknown venues and intervals the venue lacks, holding nothing', () => {
    const hub = new Hub();
    hub.addVenue(memoryVenues().factory);
    expect(() => hub.retain({ ...KEY, venue: 'kraken' })).toThrow(HubError);
    expect(() => hub.retain({ ...KEY, interval: '15m' })).toThrow(/no 15m candles/);
    expect(hub.refCount({ ...KEY, interval: '15m' })).toBe(0);
  });
});

describe('Hub events', () => {
  it('forwards live candles of held keys, keeps the forming bar, and drops late and unheld ones', async () => {
    const { hub, venues } = await connectedHub();
    const seen: Candle[] = [];
    hub.on({ candle: (c) => seen.push(c) });
    hub.retain(KEY);
    const v = venues.current();
    v.emit(candle(KEY, 120, 10));
    v.emit(candle(KEY, 120, 11));
    v.emit(candle(KEY, 180, 12));
    v.emit(candle(KEY, 60, 9)); // late frame of an older bar
    v.emit(candle({ ...KEY, instrumentId: 'id-GAZP' }, 180, 5)); // nobody holds this key
    expect(seen.map((c) => [c.time - T0, c.close])).toEqual([
      [120, '10'],
      [120, '11'],
      [180, '12'],
    ]);
    expect(hub.series(KEY).map((c) => [c.time - T0, c.close])).toEqual([
      [120, '11'],
      [180, '12'],
    ]);
    expect(hub.forming(KEY)?.close).toBe('12');
  });

  it('ignores everything a disconnected instance still reports', async () => {
    const { hub, venues } = await connectedHub();
    hub.retain(KEY);
    const old = venues.current();
    await hub.disconnect('tinvest');
    const seen: Candle[] = [];
    hub.on({ candle: (c) => seen.push(c) });
    old.emit(candle(KEY, 120, 10));
    expect(seen).toEqual([]);
  });

  it('reports connection transitions and the venue state they add up to', async () => {
    const hub = new Hub();
    const venues = memoryVenues();
    hub.addVenue(venues.factory);
    const events: ConnectionEvent[] = [];
    hub.on({ connection: (e) => events.push(e) });
    await hub.connect('tinvest');
    venues.current().stream.state('reconnecting', 'stream dropped');
    expect(hub.summary('tinvest').state).toBe('reconnecting');
    venues.current().stream.state('live', 'resubscribed');
    expect(events.map((e) => `${e.connection}:${e.state}`)).toEqual([
      `${VENUE_CONNECTION}:connecting`,
      'stream:connecting',
      'stream:live',
      `${VENUE_CONNECTION}:live`,
      'stream:reconnecting',
      `${VENUE_CONNECTION}:reconnecting`,
      'stream:live',
      `${VENUE_CONNECTION}:live`,
    ]);
    const diag = hub.diagnostics.snapshot().find((d) => d.connection === 'stream');
    expect(diag?.timeline.map((t) => t.reason)).toEqual(['dialing', 'ready', 'stream dropped', 'resubscribed']);
  });

  it('lets a failed connect be retried with a fresh instance', async () => {
    const hub = new Hub();
    const venues = memoryVenues({ connectError: new VenueError('auth', '40003', 'token rejected') });
    hub.addVenue(venues.factory);
    await expect(hub.connect('tinvest')).rejects.toMatchObject({ kind: 'auth', code: '40003' });
    expect(hub.summary('tinvest').state).toBe('closed');
    await expect(hub.connect('tinvest')).rejects.toBeInstanceOf(VenueError);
    expect(venues.all).toHaveLength(2);
  });

  it('answers history only for a connected venue', async () => {
    const hub = new Hub();
    hub.addVenue(memoryVenues().factory);
    await expect(hub.history({ ...KEY, limit: 3 })).rejects.toMatchObject({ code: 'not-connected' });
    await hub.connect('tinvest');
    expect(await hub.history({ ...KEY, limit: 3 })).toHaveLength(3);
  });
});

describe('Hub candle sanity (defence in depth behind the adapters)', () => {
  /** A hub whose clock stands at T0 + 10 min, with KEY held. */
  async function heldAt(): Promise<{ hub: Hub; v: ReturnType<ReturnType<typeof memoryVenues>['current']>; seen: Candle[] }> {
    const hub = new Hub({ now: () => (T0 + 600) * 1000 });
    const venues = memoryVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    hub.retain(KEY);
    const seen: Candle[] = [];
    hub.on({ candle: (c) => seen.push(c) });
    return { hub, v: venues.current(), seen };
  }

  it('never lets a candle dated in the future become the last bar, so the real ones after it still apply', async () => {
    const { hub, v, seen } = await heldAt();
    v.emit(candle(KEY, 540, 1));
    v.emit({ ...candle(KEY, 0, 2), time: 4_102_444_800 }); // 2100-01-01
    v.emit(candle(KEY, 600, 3));
    expect(hub.series(KEY).map((c) => [c.time - T0, c.close])).toEqual([
      [540, '1'],
      [600, '3'],
    ]);
    expect(seen.map((c) => c.close)).toEqual(['1', '3']);
    expect(hub.rejectedCandles('tinvest')).toBe(1);
  });

  it.each([
    ['high below low', { high: '1', low: '2' }],
    ['negative volume', { volume: '-50' }],
    ['an int64-max price', { high: '9223372036854775807' }],
    ['a price in exponent form', { close: '1e308' }],
    ['a time not aligned to the interval', { time: T0 + 61 }],
    ['a time before 2000', { time: 60 }],
  ])('rejects and counts a candle with %s', async (_what, patch) => {
    const { hub, v, seen } = await heldAt();
    v.emit(candle(KEY, 540, 5));
    v.emit({ ...candle(KEY, 600, 5), ...patch });
    expect(hub.series(KEY).map((c) => c.time - T0)).toEqual([540]);
    expect(seen).toHaveLength(1);
    expect(hub.rejectedCandles('tinvest')).toBe(1);
    expect(hub.rejectedCandles('kraken')).toBe(0);
  });
});

describe('Hub venue state', () => {
  it('reflects only connection health: a stream waiting on a refused key leaves the venue live', async () => {
    const { hub, venues } = await connectedHub();
    const events: ConnectionEvent[] = [];
    hub.on({ connection: (e) => events.push(e) });
    hub.retain(KEY);
    const v = venues.current();
    v.stream.state('subscribing', '1 subscription(s) pending');
    v.refuse(KEY, { kind: 'invalid', code: 'NOT_FOUND', message: 'no such instrument', at: 1 });
    expect(hub.summary('tinvest').state).toBe('live');
    expect(events.filter((e) => e.connection === VENUE_CONNECTION)).toEqual([]);
    expect(hub.subscriptionFailure(KEY)).toMatchObject({ code: 'NOT_FOUND' });
    // Health still counts: a stream that drops makes the venue reconnecting.
    v.stream.state('reconnecting', 'stream dropped');
    expect(hub.summary('tinvest').state).toBe('reconnecting');
  });
});

describe('Hub malformed frames', () => {
  it('logs a skipped frame with its redacted sample on the 1st, 2nd, 4th… one, and keeps every count', async () => {
    const lines: string[] = [];
    const hub = new Hub({ log: createLogger('test', (l) => void lines.push(l)) });
    const venues = memoryVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    const frame = '{"candle":{"open":null},"authorization":"Bearer t.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEf"}';
    for (let i = 0; i < 9; i++) venues.current().stream.malformed('candle without prices', frame);
    const logged = lines.filter((l) => l.includes('malformed frame skipped'));
    expect(logged.map((l) => /\((\d+) so far\)/.exec(l)?.[1])).toEqual(['1', '2', '4', '8']);
    expect(logged[0]).toContain('tinvest/stream');
    const first = JSON.parse(logged[0] ?? '') as LogRecord;
    expect(first).toMatchObject({ level: 'warn', component: 'test:tinvest', connection: 'stream' });
    expect(first.detail).toContain('"open":null');
    expect(logged.join('')).not.toContain('t.AbCdEfGhIjKlMnOpQrStUvWxYz');
    const d = hub.diagnostics.snapshot().find((x) => x.connection === 'stream');
    expect(d?.malformed).toBe(9);
  });
});

describe('Hub log', () => {
  it("logs each connection's state changes, tagged with the venue and the connection", async () => {
    const lines: string[] = [];
    const hub = new Hub({ log: createLogger('hub', (l) => void lines.push(l)) });
    const venues = memoryVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    const states = lines.map((l) => JSON.parse(l) as LogRecord).filter((r) => r.connection !== undefined);
    expect(states.map((r) => [r.component, r.connection, r.msg])).toEqual([
      ['hub:tinvest', 'stream', 'connecting: dialing'],
      ['hub:tinvest', 'stream', 'live: ready'],
    ]);
  });
});
