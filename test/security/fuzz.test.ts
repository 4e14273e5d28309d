/**
 * Every bridge method fuzzed through the real Session (and a sample through the real WebSocket
 * transport) with junk and with valid requests broken in one place: wrong types, huge strings,
 * prototype-pollution keys, deep nesting, NaN/Infinity, unknown method names. Each answer must
 * be a typed Result, nothing may throw, and nothing may change: a fingerprint of the hub's
 * venues and subscriptions, the order journal, what the venues were sent and the stored
 * credentials is the same after every case.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { CandleKey, VenueId, VenueMode } from '../../common/domain.js';
import { BRIDGE_ERROR_CODES, METHOD_NAMES } from '../../electron/contract.js';
import type { MethodName, Result } from '../../electron/contract.js';
import { Hub } from '../../electron/core/hub.js';
import { VenueModes } from '../../electron/app/venue-modes.js';
import { Session } from '../../electron/bridge/session.js';
import { WireInspector } from '../../electron/inspector/wire-inspector.js';
import { WireTaps } from '../../electron/net/wire-tap.js';
import { redact } from '../../electron/core/log.js';
import { startWebSocketBridge } from '../../electron/bridge/websocket.js';
import type { WebSocketBridgeServer } from '../../electron/bridge/websocket.js';
import { EncryptedFileStore, VAULT_FILE_NAME } from '../../electron/vault/encrypted-file-store.js';
import type { VenueSink } from '../../electron/venues/venue.js';
import { MemoryVenue } from '../core/memory-venue.js';
import { MemoryTradingVenue } from '../core/memory-trading-venue.js';
import { TestCipher } from '../vault/test-cipher.js';

const RUNS_PER_METHOD = 5_000;
const UNKNOWN_METHOD_RUNS = 3_000;
const WEBSOCKET_RUNS = 2_500;
/** Every method × 5,000 + 3,000 + 2,500 = 100,500 cases. */
const TOTAL = METHOD_NAMES.length * RUNS_PER_METHOD + UNKNOWN_METHOD_RUNS + WEBSOCKET_RUNS;

const KEY: CandleKey = { venue: 'tinvest', instrumentId: 'id-SBER', interval: '1m' };
const KRAKEN_KEYS = { apiKey: 'FuzzApiKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', apiSecret: `${'RnV6'.repeat(21)}eg==`, mode: 'live' as const };
const CODES = new Set<string>(BRIDGE_ERROR_CODES);

// ---- values ----

function nest(depth: number, kind: 'array' | 'object'): unknown {
  let v: unknown = kind === 'array' ? [] : {};
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

/** An own property named `key`, as JSON.parse makes it — assignment would set the prototype for __proto__. */
function withKey(o: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(o, key, { value, enumerable: true, configurable: true, writable: true });
  return o;
}

const POLLUTING: readonly unknown[] = [
  JSON.parse('{"__proto__":{"polluted":true}}'),
  { constructor: { prototype: { polluted: true } } },
  JSON.parse('{"__proto__":{"isAdmin":true},"venue":"tinvest"}'),
  { prototype: { polluted: true } },
  { toString: 'x', valueOf: null, hasOwnProperty: 1 },
];
const DEEP: readonly unknown[] = [nest(64, 'array'), nest(2_000, 'object'), nest(20_000, 'array'), nest(200_000, 'array')];
/** Longer than any string field allows (the longest is 512), up to past the request cap. */
const HUGE: readonly string[] = ['x'.repeat(600), 'é'.repeat(40_000), '\u0000'.repeat(5_000), '9'.repeat(70_000), '\ud800'.repeat(700)];
const NUMBERS: readonly number[] = [NaN, Infinity, -Infinity, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 1.5, -1, 5_001, 4_102_444_801];

/** Values no field of any request accepts. */
const badValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, [], {}, [1, 2], ...NUMBERS, ...HUGE, ...POLLUTING, DEEP[0]),
  fc.array(fc.jsonValue(), { minLength: 1, maxLength: 3 }),
);

/**
 * Anything at all, as IPC's structured clone or a WebSocket's JSON could carry it. Deep
 * nesting is rare: each such case costs milliseconds, and a few hundred prove the point.
 */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.anything({ maxDepth: 4, withBigInt: true, withNullPrototype: true, withObjectString: true, withSparseArray: true, withBoxedValues: true, withMap: true, withSet: true, withDate: true }),
  },
  { weight: 30, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 15, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 15, arbitrary: fc.constantFrom<unknown>(undefined, null, ...NUMBERS, ...HUGE, ...POLLUTING) },
  { weight: 15, arbitrary: fc.dictionary(fc.constantFrom('venue', 'instrumentId', 'interval', 'limit', 'mode', 'credentials', '__proto__', 'constructor'), badValue, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(...DEEP) },
);

// ---- valid requests, to be broken ----

interface Template {
  value: Record<string, unknown>;
  /** Keys whose removal makes the request invalid. */
  required: string[];
  /** Near misses for particular fields (nested paths with dots). */
  near?: Record<string, readonly unknown[]>;
}

const DECIMAL_MISSES = ['0', '-1', '00.0', '1e3', '1,5', ' 1', '1.', '.5', 'NaN', 'Infinity', '0x10', '1.5.5', 1, 1.5];

function templates(): Record<MethodName, Template> {
  const empty: Template = { value: {}, required: [] };
  return {
    'app.info': empty,
    'app.openLogs': empty,
    'gateway.link': empty,
    'venues.list': empty,
    'session.snapshot': empty,
    'diagnostics.get': empty,
    'credentials.status': empty,
    'quitSettings.get': empty,
    // Metrics
    'orders.ackLatency': empty,
    'metricsServer.get': empty,
    'metricsServer.set': { value: { enabled: true, port: 9464 }, required: ['enabled', 'port'], near: { enabled: ['true', 1, null], port: [0, 80, 65_536, 9464.5, '9464'] } },
    'perf.report': {
      value: { tickToScreen: { buckets: [0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], sumMs: 30_010, count: 4 } },
      required: ['tickToScreen'],
      near: {
        'tickToScreen.count': [3, -1, 1.5, '4', 100_001],
        'tickToScreen.sumMs': [-1, Infinity, 1e15, '10'],
        'tickToScreen.buckets': [[], [0, 1, 2], [0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1], [0.5, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
      },
    },
    'recording.status': empty,
    'recording.start': empty,
    'recording.stop': empty,
    'quitSettings.set': { value: { venue: 'kraken', cancelOnQuit: true }, required: ['venue', 'cancelOnQuit'], near: { cancelOnQuit: ['true', 1, 0, null], venue: ['Kraken', ''] } },
    'venues.connect': { value: { venue: 'tinvest', mode: 'demo' }, required: ['venue'], near: { venue: ['Tinvest', 'tinvest ', 'binance', ''], mode: ['paper', 'LIVE', ''] } },
    'venues.disconnect': { value: { venue: 'kraken' }, required: ['venue'], near: { venue: ['KRAKEN', 'kraken\u0000', ''] } },
    'instruments.search': { value: { venue: 'tinvest', query: 'SB', limit: 5 }, required: ['venue', 'query'], near: { limit: [0, 201, 2.5, '5'], query: ['q'.repeat(65)] } },
    'instruments.get': { value: { venue: 'tinvest', instrumentId: 'id-SBER' }, required: ['venue', 'instrumentId'], near: { instrumentId: ['', 'id SBER', 'id-SBER\n', '../etc', 'i'.repeat(65)] } },
    'candles.history': {
      value: { venue: 'tinvest', instrumentId: 'id-SBER', interval: '1m', limit: 10, before: 1_700_000_000 },
      required: ['venue', 'instrumentId', 'interval'],
      near: { interval: ['1M', '2m', '60s', ''], limit: [0, 5_001, -1, '10'], before: [-1, 4_102_444_801, 1.5, '1700000000'] },
    },
    'candles.subscribe': { value: { ...KEY }, required: ['venue', 'instrumentId', 'interval'], near: { interval: ['2w', '1 m', '1W'], instrumentId: ['', 'a b'] } },
    'market.subscribe': {
      value: { venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'book', depth: 10 },
      required: ['venue', 'instrumentId', 'stream', 'depth'],
      near: { stream: ['Book', 'level3', ''], depth: [0, 1001, 2.5, '10', -10] },
    },
    'market.unsubscribe': { value: { subscriptionId: randomUUID() }, required: ['subscriptionId'], near: { subscriptionId: ['', 's'.repeat(65)] } },
    'orders.amend': {
      value: { venue: 'kraken', accountId: 'spot', clientOrderId: randomUUID(), price: '101.5', amendId: randomUUID() },
      required: ['venue', 'accountId', 'clientOrderId', 'price', 'amendId'],
      near: { price: DECIMAL_MISSES, quantity: DECIMAL_MISSES, triggerPrice: DECIMAL_MISSES, amendId: ['not-a-uuid', ''] },
    },
    'candles.unsubscribe': { value: { subscriptionId: randomUUID() }, required: ['subscriptionId'], near: { subscriptionId: ['', 's'.repeat(65)] } },
    'orders.place': {
      value: { venue: 'tinvest', accountId: 'acc-1', instrumentId: 'id-SBER', side: 'buy', type: 'limit', quantity: '1', price: '100.5', clientOrderId: randomUUID() },
      required: ['venue', 'accountId', 'instrumentId', 'side', 'type', 'quantity', 'price', 'clientOrderId'],
      near: {
        quantity: DECIMAL_MISSES,
        price: DECIMAL_MISSES,
        side: ['BUY', 'short', ''],
        type: ['stop', 'Limit', 'market', 'stop-loss', 'iceberg'],
        clientOrderId: ['not-a-uuid', '00000000-0000-0000-0000-00000000000g', randomUUID().slice(1)],
        accountId: ['acc 1', '', 'a'.repeat(65)],
        // A limit order takes none of these, and each value is wrong on its own too.
        triggerPrice: DECIMAL_MISSES,
        trailingOffset: [{ value: '1', unit: 'pips' }, { value: '0', unit: 'price' }, { value: '1' }, '1%'],
        timeInForce: ['GTC', 'gtx', 'day ', ''],
        expireAt: [-1, 1.5, '1700000000000', 4_102_444_800_001],
        postOnly: ['true', 1, null],
      },
    },
    'orders.cancel': {
      value: { venue: 'tinvest', accountId: 'acc-1', clientOrderId: randomUUID() },
      required: ['venue', 'accountId', 'clientOrderId'],
      near: { clientOrderId: ['', 'c'.repeat(65)], accountId: ['acc/1'] },
    },
    'orders.cancelAll': { value: { venue: 'kraken' }, required: [], near: { venue: ['all', '*', 'KRAKEN'] } },
    'orders.list': { value: { venue: 'tinvest' }, required: [], near: { venue: ['any', ''] } },
    'trades.list': { value: { venue: 'tinvest', limit: 50 }, required: [], near: { venue: ['TINVEST', ''], limit: [0, -1, 10_001, 1.5, '50'] } },
    'positions.pnl': { value: { venue: 'kraken' }, required: [], near: { venue: ['binance', ''] } },
    'history.exportCsv': { value: { what: 'orders', venue: 'tinvest' }, required: ['what'], near: { what: ['fills', 'ORDERS', ''], venue: ['x'] } },
    'portfolio.get': { value: { venue: 'tinvest', accountId: 'acc-1' }, required: ['venue', 'accountId'], near: { accountId: ['acc 1', ''] } },
    'credentials.store': {
      value: { venue: 'kraken', credentials: { apiKey: 'AnotherKeyBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', apiSecret: `${'QW5v'.repeat(21)}dA==`, mode: 'live' } },
      required: ['venue', 'credentials', 'credentials.apiKey', 'credentials.apiSecret', 'credentials.mode'],
      near: {
        venue: ['tinvest', 'Kraken'],
        'credentials.mode': ['sandbox', 'demo', 'LIVE'],
        'credentials.apiKey': ['short', 'has spaces in the middle of it', 'k'.repeat(257), 'ключключключключключключ'],
        'credentials.apiSecret': ['not base64 at all!!!!', 'c'.repeat(513), '====AAAAAAAAAAAAAAAAAAAA'],
      },
    },
    'credentials.delete': { value: { venue: 'kraken' }, required: ['venue'], near: { venue: ['both', ''] } },
    'inspector.open': { value: { venue: 'kraken', connection: 'public', channel: 'book' }, required: [], near: { venue: ['Kraken', ''], connection: ['', 'a b', 'x'.repeat(65)], channel: ['x'.repeat(129)] } },
    'inspector.read': {
      value: { viewId: '00000000-0000-4000-8000-000000000000', after: 0, limit: 10 },
      required: ['viewId'],
      near: { viewId: ['', 'view-1'], after: [-1, 1.5, '0'], limit: [0, 501, 1.5] },
    },
    'inspector.close': { value: { viewId: '00000000-0000-4000-8000-000000000000' }, required: ['viewId'], near: { viewId: ['', 'view-1', 7] } },
    // Alerts and webhooks.
    'alerts.list': empty,
    'alerts.create': {
      value: { kind: 'price-above', venue: 'tinvest', instrumentId: 'id-SBER', level: '101.5', repeat: 'once', channels: { os: true, webhooks: [] } },
      required: ['kind', 'venue', 'instrumentId', 'level', 'repeat', 'channels', 'channels.os', 'channels.webhooks'],
      near: { level: DECIMAL_MISSES, kind: ['price', 'order', 'connection-down', ''], repeat: ['twice', ''], 'channels.webhooks': [['not-a-uuid'], 'x', [null]], 'channels.os': ['yes', 1] },
    },
    'alerts.update': {
      value: { id: randomUUID(), rule: { kind: 'connection-down', venue: 'kraken', seconds: 30, channels: { os: false, webhooks: [] } } },
      required: ['id', 'rule', 'rule.kind', 'rule.venue', 'rule.seconds', 'rule.channels'],
      near: { id: ['x', ''], 'rule.seconds': [0, -1, 86_401, 1.5, '30'], 'rule.venue': ['binance'] },
    },
    'alerts.delete': { value: { id: randomUUID() }, required: ['id'], near: { id: ['', 'not-a-uuid'] } },
    'alerts.history': { value: { limit: 10 }, required: [], near: { limit: [0, 501, 1.5, '10'] } },
    'alerts.deadLetters': { value: { limit: 10 }, required: [], near: { limit: [0, 1001, -1, '10'] } },
    'alerts.resend': { value: { deliveryId: randomUUID() }, required: ['deliveryId'], near: { deliveryId: ['', 'd'.repeat(65)] } },
    'webhooks.list': empty,
    'webhooks.save': {
      value: { name: 'ops', preset: 'generic', url: 'https://hooks.example.com/alerts', secret: 'k' },
      required: ['name', 'preset', 'url'],
      near: { url: ['ftp://example.com/x', 'javascript:alert(1)', 'https://user:pw@example.com/', 'not a url', `https://example.com/${'p'.repeat(2100)}`], preset: ['discord', ''], name: ['', 'n'.repeat(81)], secret: ['s'.repeat(257), 5] },
    },
    'webhooks.delete': { value: { id: randomUUID() }, required: ['id'], near: { id: ['x'] } },
    'webhooks.test': { value: { id: randomUUID() }, required: ['id'], near: { id: ['x', 1] } },
  };
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** The object holding `path`'s last key, and that key. */
function at(o: Record<string, unknown>, path: string): [Record<string, unknown>, string] {
  const parts = path.split('.');
  let cur = o;
  for (const p of parts.slice(0, -1)) cur = cur[p] as Record<string, unknown>;
  return [cur, parts[parts.length - 1] ?? path];
}

/** A valid request broken in exactly one place, so it can never pass. */
function broken(t: Template): fc.Arbitrary<unknown> {
  const fields = [...Object.keys(t.value), ...t.required.filter((k) => k.includes('.'))];
  const extraKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', 'x', 'Venue', 'venue ', '', 'toString');
  const choices: fc.Arbitrary<unknown>[] = [
    // Every schema is strict: one key too many is refused.
    fc.tuple(extraKeys, fc.oneof(badValue, fc.jsonValue({ maxDepth: 2 }))).map(([k, v]) => {
      const o = clone(t.value);
      if (k in o) return withKey(o, `${k}_`, v);
      return withKey(o, k, v);
    }),
  ];
  if (t.value.credentials !== undefined) {
    choices.push(
      fc.tuple(extraKeys, badValue).map(([k, v]) => {
        const o = clone(t.value);
        withKey(o.credentials as Record<string, unknown>, k, v);
        return o;
      }),
    );
  }
  if (fields.length > 0) {
    choices.push(
      fc.tuple(fc.constantFrom(...fields), badValue).map(([path, v]) => {
        const o = clone(t.value);
        const [holder, key] = at(o, path);
        holder[key] = v;
        return o;
      }),
    );
  }
  if (t.required.length > 0) {
    choices.push(
      fc.constantFrom(...t.required).map((path) => {
        const o = clone(t.value);
        const [holder, key] = at(o, path);
        delete holder[key];
        return o;
      }),
    );
  }
  const near = Object.entries(t.near ?? {}).flatMap(([path, values]) => values.map((v) => [path, v] as const));
  if (near.length > 0) {
    choices.push(
      fc.constantFrom(...near).map(([path, v]) => {
        const o = clone(t.value);
        const [holder, key] = at(o, path);
        holder[key] = v;
        return o;
      }),
    );
  }
  return fc.oneof(...choices);
}

// ---- the app under test ----

let dir: string;
let hub: Hub;
let modes: VenueModes;
let tinvest: MemoryTradingVenue;
let kraken: MemoryVenue;
let holder: Session;
let fuzzed: Session;
let vaultFile: string;

/** What must not change; cheap enough to take after every case. */
function fingerprint(): string {
  return JSON.stringify({
    venues: hub.summaries(),
    orders: hub.orders(),
    held: [...holder.subscriptions().entries()],
    fuzzedSubs: fuzzed.subscriptions().size,
    refs: hub.refCount(KEY),
    active: [[...tinvest.active.keys()], [...kraken.active.keys()]],
    market: [[...tinvest.marketActive.keys()], [...kraken.marketActive.keys()]],
    sent: [tinvest.placed.length, tinvest.cancelRequests.length, tinvest.amendsSent.length, tinvest.connects, kraken.connects, tinvest.closed, kraken.closed],
  });
}

/** Everything, including what is stored on disk. */
async function fullFingerprint(): Promise<string> {
  return JSON.stringify({ memory: fingerprint(), vault: readFileSync(vaultFile, 'base64'), status: await modes.status() });
}

function typedResult(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null) return `not an object: ${String(r)}`;
  const res = r as Result<unknown>;
  if (res.ok === true) return 'value' in res ? undefined : 'ok without a value';
  if (res.ok !== false) return 'no ok flag';
  if (!CODES.has(res.code)) return `untyped code ${String(res.code)}`;
  if (typeof res.message !== 'string' || res.message.length > 400) return 'bad message';
  return undefined;
}

let cases = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sb-fuzz-'));
  vaultFile = join(dir, VAULT_FILE_NAME);
  hub = new Hub();
  hub.addVenue((sink: VenueSink) => (tinvest = new MemoryTradingVenue(sink, { id: 'tinvest' })));
  hub.addVenue((sink: VenueSink) => (kraken = new MemoryVenue(sink, { id: 'kraken' })));
  const store = new EncryptedFileStore({ file: vaultFile, cipher: new TestCipher(), platform: 'linux' });
  modes = new VenueModes({
    hub,
    store,
    selectionFile: join(dir, 'venue-modes.json'),
    build: (venue: VenueId, mode: VenueMode) => (mode === 'demo' ? (sink: VenueSink) => new MemoryVenue(sink, { id: venue }) : undefined),
  });
  await hub.connect('tinvest');
  await hub.connect('kraken');
  await store.set('kraken', KRAKEN_KEYS);
  holder = new Session({ hub, modes, transport: 'ipc', push: () => undefined, diagnosticsMs: 0 });
  // With a wire inspector, so its methods are fuzzed past validation too.
  const inspector = new WireInspector({ wire: new WireTaps(), redact });
  fuzzed = new Session({ hub, modes, inspector, transport: 'ipc', push: () => undefined, diagnosticsMs: 0 });
  const sub = await holder.handle('candles.subscribe', KEY);
  expect(sub.ok).toBe(true);
  const placed = await holder.handle('orders.place', { ...templates()['orders.place'].value, clientOrderId: randomUUID() });
  expect(placed).toMatchObject({ ok: true, value: { status: 'open' } });
});

afterAll(async () => {
  fuzzed.close();
  holder.close();
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
  console.info(`fuzz: ${cases} cases`);
});

describe('bridge fuzzing through the Session', () => {
  const all = templates();

  it.each(METHOD_NAMES)('%s answers junk and broken requests with typed errors and changes nothing', async (method) => {
    const before = fingerprint();
    const stored = await fullFingerprint();
    await fc.assert(
      fc.asyncProperty(fc.oneof(junk, broken(all[method])), async (payload) => {
        cases += 1;
        const r = await fuzzed.handle(method, payload);
        const problem = typedResult(r);
        if (problem) throw new Error(`${method}: ${problem}`);
        if (fingerprint() !== before) throw new Error(`${method}: state changed by ${String(JSON.stringify(payload))?.slice(0, 200)}`);
      }),
      { numRuns: RUNS_PER_METHOD },
    );
    expect(await fullFingerprint()).toBe(stored);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
  });

  it('answers unknown method names with unknown-method', async () => {
    const before = fingerprint();
    const nearNames = ['orders.Place', 'orders.place ', ' app.info', 'app.info\u0000', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'credentials', 'orders', ''];
    const names = fc.oneof(
      fc.constantFrom<unknown>(...nearNames),
      fc.string({ maxLength: 40 }).filter((s) => !(METHOD_NAMES as readonly string[]).includes(s)),
      fc.constantFrom<unknown>(null, undefined, 1, {}, [], ['app.info'], { toString: () => 'app.info' }, HUGE[0]),
    );
    await fc.assert(
      fc.asyncProperty(names, junk, async (name, payload) => {
        cases += 1;
        const r = await fuzzed.handle(name, payload);
        if (r.ok || r.code !== 'unknown-method') throw new Error(`method ${String(name)} got ${JSON.stringify(r)}`);
        if (fingerprint() !== before) throw new Error('state changed');
      }),
      { numRuns: UNKNOWN_METHOD_RUNS },
    );
  });
});

describe('bridge fuzzing through the WebSocket transport', () => {
  let server: WebSocketBridgeServer;
  let rendererDir: string;

  beforeAll(async () => {
    rendererDir = mkdtempSync(join(tmpdir(), 'sb-fuzz-renderer-'));
    server = await startWebSocketBridge({ hub, modes, rendererDir, diagnosticsMs: 0 });
  });
  afterAll(async () => {
    await server.close();
    rmSync(rendererDir, { recursive: true, force: true });
  });

  /** One client that answers frames one at a time; a closed socket (oversized frame) is replaced. */
  class Wire {
    private ws: WebSocket | undefined;
    private waiting: ((msg: { id: unknown; result: unknown }) => void) | undefined;

    async socket(): Promise<WebSocket> {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) return this.ws;
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/bridge?token=${server.token}`, { origin: server.origin });
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { id?: unknown; result?: unknown; topic?: string };
        if (msg.topic === undefined) this.waiting?.({ id: msg.id, result: msg.result });
      });
      ws.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('unexpected-response', () => reject(new Error('upgrade refused')));
      });
      this.ws = ws;
      return ws;
    }

    async send(frame: string | Buffer): Promise<{ id: unknown; result: unknown } | 'closed'> {
      const ws = await this.socket();
      return new Promise((resolve) => {
        const onClose = (): void => resolve('closed');
        ws.once('close', onClose);
        this.waiting = (msg) => {
          ws.off('close', onClose);
          this.waiting = undefined;
          resolve(msg);
        };
        ws.send(frame);
      });
    }

    close(): void {
      this.ws?.terminate();
    }
  }

  function safeJson(v: unknown): string {
    try {
      return JSON.stringify(v) ?? 'null';
    } catch {
      return 'null';
    }
  }

  it('answers every junk frame with a typed error and changes nothing', async () => {
    const wire = new Wire();
    const before = fingerprint();
    const methods = fc.oneof(fc.constantFrom<unknown>(...METHOD_NAMES), fc.string({ maxLength: 20 }), fc.constantFrom<unknown>(null, 7, {}, '__proto__'));
    const all = templates();
    const requestFrame = fc
      .tuple(fc.oneof(fc.integer({ min: 0, max: 1e9 }), fc.uuid()), fc.constantFrom(...METHOD_NAMES))
      .chain(([id, method]) => fc.oneof(junk, broken(all[method])).map((params) => safeJson({ id, method, params })));
    const frames = fc.oneof(
      { weight: 6, arbitrary: requestFrame },
      { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 1e9 }), methods, junk).map(([id, method, params]) => safeJson({ id, method, params })) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom<unknown>(null, 1.5, -0.5, {}, [], 'i'.repeat(65), '', true), methods).map(([id, method]) => safeJson({ id, method, params: {} })) },
      { weight: 1, arbitrary: fc.constantFrom('{', '[]', 'null', '"x"', '{"id":1', '\u0000', '{"__proto__":{"polluted":1},"id":1,"method":"app.info"}', safeJson(DEEP[2])) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
    );
    let closed = 0;
    await fc.assert(
      fc.asyncProperty(frames, async (frame) => {
        cases += 1;
        const answer = await wire.send(frame);
        if (answer === 'closed') {
          // Only a frame over the cap may cost the client its socket.
          if (Buffer.byteLength(frame) <= 64 * 1024) throw new Error(`socket closed on a ${Buffer.byteLength(frame)}-byte frame`);
          closed += 1;
          return;
        }
        const problem = typedResult(answer.result);
        if (problem) throw new Error(`frame ${String(frame).slice(0, 100)}: ${problem}`);
        if (fingerprint() !== before) throw new Error('state changed');
      }),
      { numRuns: WEBSOCKET_RUNS },
    );
    wire.close();
    expect(closed).toBeLessThan(WEBSOCKET_RUNS / 10);
    expect(server.clientCount()).toBeLessThanOrEqual(1);
  });

  it('ran every case of the file', () => {
    expect(TOTAL).toBeGreaterThanOrEqual(100_000);
    expect(cases).toBe(TOTAL);
  });
});
