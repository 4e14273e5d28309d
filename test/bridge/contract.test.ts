import { describe, expect, it } from 'vitest';
import type { CandleKey } from '../../common/domain.js';
import { CONTRACT_VERSION, MAX_REQUEST_BYTES, METHOD_NAMES, requestSchemas } from '../../electron/contract.js';
import type { BridgeFailure, Result } from '../../electron/contract.js';
import { Hub } from '../../electron/core/hub.js';
import { Session } from '../../electron/bridge/session.js';
import { VenueError } from '../../electron/venues/venue.js';
import { memoryVenues } from '../core/memory-venue.js';

const KEY: CandleKey = { venue: 'tinvest', instrumentId: 'id-SBER', interval: '1m' };

async function setup(): Promise<{ hub: Hub; session: Session; venues: ReturnType<typeof memoryVenues> }> {
  const hub = new Hub();
  const venues = memoryVenues();
  hub.addVenue(venues.factory);
  await hub.connect('tinvest');
  const session = new Session({ hub, transport: 'ipc', push: () => undefined, diagnosticsMs: 0, version: '9.9.9' });
  return { hub, session, venues };
}

function failed(r: Result<unknown>): BridgeFailure {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.value)}`);
  return r;
}

/** What a refused request must not have touched. */
function untouched(s: { hub: Hub; session: Session; venues: ReturnType<typeof memoryVenues> }): void {
  expect(s.venues.current().subscribed).toEqual([]);
  expect(s.venues.current().unsubscribed).toEqual([]);
  expect(s.session.subscriptions().size).toBe(0);
  expect(s.hub.refCount(KEY)).toBe(0);
  expect(s.hub.summary('tinvest').state).toBe('live');
}

describe('bridge contract', () => {
  it('has a request schema for every method name and no schema without a name', () => {
    expect(Object.keys(requestSchemas).sort()).toEqual([...METHOD_NAMES].sort());
  });

  it('answers every method it lists rather than calling it unknown', async () => {
    const s = await setup();
    for (const m of METHOD_NAMES) {
      const r = await s.session.handle(m, {});
      if (!r.ok) expect(r.code).not.toBe('unknown-method');
    }
  });

  it.each([['venues.delete'], ['__proto__'], ['constructor'], [''], [42], [null], [undefined], [{ method: 'app.info' }]])(
    'refuses the unknown method %j with unknown-method and changes nothing',
    async (name) => {
      const s = await setup();
      expect(failed(await s.session.handle(name, KEY)).code).toBe('unknown-method');
      untouched(s);
    },
  );

  it.each([
    ['candles.subscribe', { venue: 'tinvest', instrumentId: 'id-SBER' }],
    ['candles.subscribe', { ...KEY, extra: 1 }],
    ['candles.subscribe', { ...KEY, venue: 'binance' }],
    ['candles.subscribe', { ...KEY, interval: '2m' }],
    ['candles.subscribe', { ...KEY, instrumentId: 'SBER; DROP' }],
    ['candles.subscribe', { ...KEY, instrumentId: 'x'.repeat(65) }],
    ['candles.subscribe', 'tinvest|id-SBER|1m'],
    ['candles.subscribe', null],
    ['candles.subscribe', [KEY]],
    ['candles.unsubscribe', { subscriptionId: '' }],
    ['candles.history', { ...KEY, limit: 0 }],
    ['candles.history', { ...KEY, limit: 5001 }],
    ['candles.history', { ...KEY, limit: 1.5 }],
    ['candles.history', { ...KEY, before: -1 }],
    ['instruments.search', { venue: 'tinvest', query: 7 }],
    ['venues.connect', { venue: 'tinvest', force: true }],
    ['app.info', { verbose: true }],
  ])('refuses %s with %j as bad-request and changes nothing', async (method, payload) => {
    const s = await setup();
    const f = failed(await s.session.handle(method, payload));
    expect(f.code).toBe('bad-request');
    expect(f.message.length).toBeLessThanOrEqual(200);
    expect(f.message).toContain(method);
    untouched(s);
  });

  it('refuses a payload that is not plain JSON data', async () => {
    const s = await setup();
    const cyclic: Record<string, unknown> = { ...KEY };
    cyclic.self = cyclic;
    expect(failed(await s.session.handle('candles.subscribe', cyclic)).code).toBe('bad-request');
    expect(failed(await s.session.handle('candles.subscribe', { ...KEY, n: 1n })).code).toBe('bad-request');
    untouched(s);
  });

  it('refuses a request larger than MAX_REQUEST_BYTES as too-large before looking at it', async () => {
    const s = await setup();
    const big = { ...KEY, padding: 'x'.repeat(MAX_REQUEST_BYTES) };
    const f = failed(await s.session.handle('candles.subscribe', big));
    expect(f.code).toBe('too-large');
    untouched(s);
    const query = 'é'.repeat(MAX_REQUEST_BYTES / 2 + 1); // bytes count, not characters
    expect(failed(await s.session.handle('instruments.search', { venue: 'tinvest', query })).code).toBe('too-large');
  });

  it('applies schema defaults and accepts methods without parameters without a payload', async () => {
    const s = await setup();
    expect(await s.session.handle('app.info', undefined)).toEqual({ ok: true, value: { version: '9.9.9', transport: 'ipc', contract: CONTRACT_VERSION } });
    const r = await s.session.handle('candles.history', KEY);
    expect(r.ok && (r.value as unknown[]).length).toBe(500);
  });

  it("maps a venue's error to its kind with the venue's code and tracking id", async () => {
    const s = await setup();
    s.venues.current().historyError = new VenueError('rate-limited', '80002', 'request limit exceeded', { trackingId: 'trk-1', retryAfterMs: 500 });
    expect(await s.session.handle('candles.history', { ...KEY, limit: 5 })).toEqual({
      ok: false,
      code: 'rate-limited',
      message: 'request limit exceeded',
      venue: { code: '80002', trackingId: 'trk-1' },
    });
  });

  it('turns an unexpected error into internal without its text', async () => {
    const s = await setup();
    s.venues.current().historyError = new Error('socket hang up at /home/me/.secret');
    const f = failed(await s.session.handle('candles.history', { ...KEY, limit: 5 }));
    expect(f.code).toBe('internal');
    expect(f.message).not.toContain('secret');
  });

  it('lets a client release only its own subscriptions', async () => {
    const s = await setup();
    const r = await s.session.handle('candles.subscribe', KEY);
    const id = r.ok ? (r.value as { subscriptionId: string }).subscriptionId : '';
    const other = new Session({ hub: s.hub, transport: 'ipc', push: () => undefined, diagnosticsMs: 0 });
    expect(failed(await other.handle('candles.unsubscribe', { subscriptionId: id })).code).toBe('not-found');
    expect(s.hub.refCount(KEY)).toBe(1);
  });

  it('reports a venue that is not there as not-found and one not connected as not-connected', async () => {
    const s = await setup();
    expect(failed(await s.session.handle('venues.connect', { venue: 'kraken' })).code).toBe('not-found');
    await s.hub.disconnect('tinvest');
    expect(failed(await s.session.handle('instruments.search', { venue: 'tinvest', query: 'S' })).code).toBe('not-connected');
  });
});
