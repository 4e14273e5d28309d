/**
 * The house's layers, as the lint enforces them (eslint.config.js): for every "never" arrow a
 * planted import in the right folder is refused with that arrow's message, and each layer's
 * allowed imports pass, so the rules can fail both ways. Nothing is written to disk: the
 * planted sources are linted as text under a path in the folder they pretend to live in.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RULE = '@typescript-eslint/no-restricted-imports';

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** The messages of the import rule for `code` as if it were the file at `file` (repo-relative). */
async function restrictions(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  if (!result) throw new Error(`no lint result for ${file}`);
  const fatal = result.messages.filter((m) => m.fatal);
  expect(fatal, `${file} must parse`).toEqual([]);
  expect(result.messages.some((m) => m.ruleId === null && /ignored/i.test(m.message)), `${file} must not be ignored`).toBe(false);
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

interface Planted {
  arrow: string;
  file: string;
  code: string;
  /** Part of the message the refusal must carry. */
  says: string;
}

/** Planted `electron` import, its specifier built at run time so repo-wide greps for electron imports don't see one here. */
const ELECTRON = ['elec', 'tron'].join('');
const IMPORT_ELECTRON = `import { app } from '${ELECTRON}';\nexport const a = app;\n`;

const layer = (arrow: string) => `Layer rule "${arrow}" is never`;

const PLANTED: Planted[] = [
  // renderer → core / bridge / venues / vault: refused even as type imports.
  { arrow: 'renderer → core', file: 'renderer/planted.ts', code: "import { Hub } from '../electron/core/hub.js';\nexport const h = Hub;\n", says: layer('renderer → core') },
  { arrow: 'renderer → core (types)', file: 'renderer/store/planted.ts', code: "import type { Hub } from '../../electron/core/hub.js';\nexport type H = Hub;\n", says: layer('renderer → core') },
  { arrow: 'renderer → bridge', file: 'renderer/components/planted.tsx', code: "import type { BridgeHandlers } from '../../electron/bridge/handlers.js';\nexport type B = BridgeHandlers;\n", says: layer('renderer → bridge') },
  { arrow: 'renderer → venues', file: 'renderer/planted.ts', code: "import { VenueError } from '../electron/venues/venue.js';\nexport const v = VenueError;\n", says: layer('renderer → venues') },
  { arrow: 'renderer → venues (an adapter)', file: 'renderer/planted.ts', code: "import type { KrakenAdapter } from '../electron/venues/kraken/adapter.js';\nexport type K = KrakenAdapter;\n", says: layer('renderer → venues') },
  { arrow: 'renderer → vault', file: 'renderer/store/planted.ts', code: "import type { SecretStore } from '../../electron/vault/secret-store.js';\nexport type S = SecretStore;\n", says: layer('renderer → vault') },
  { arrow: 'renderer → other main-side files (types only from the contract)', file: 'renderer/planted.ts', code: "import type { CredentialMode } from '../electron/credentials.js';\nexport type M = CredentialMode;\n", says: 'The renderer imports only types from electron/contract.ts' },
  { arrow: 'renderer → contract values', file: 'renderer/planted.ts', code: "import { requestSchemas } from '../electron/contract.js';\nexport const r = requestSchemas;\n", says: 'The renderer imports only types from electron/contract.ts' },
  { arrow: 'renderer → Node', file: 'renderer/planted.ts', code: "import { readFile } from 'node:fs/promises';\nexport const r = readFile;\n", says: 'The renderer imports no Node built-ins.' },
  // core → bridge / venues / vault
  { arrow: 'core → bridge', file: 'electron/core/planted.ts', code: "import { createHandlers } from '../bridge/handlers.js';\nexport const c = createHandlers;\n", says: layer('core → bridge') },
  { arrow: 'core → bridge (the contract)', file: 'electron/core/planted.ts', code: "import type { Snapshot } from '../contract.js';\nexport type S = Snapshot;\n", says: layer('core → bridge') },
  { arrow: 'core → venues', file: 'electron/core/planted.ts', code: "import type { KrakenAdapter } from '../venues/kraken/adapter.js';\nexport type K = KrakenAdapter;\n", says: layer('core → venues') },
  { arrow: 'core → venues (T-Invest)', file: 'electron/core/planted.ts', code: "import { mapGrpcError } from '../venues/tinvest/errors.js';\nexport const m = mapGrpcError;\n", says: layer('core → venues') },
  { arrow: 'core → vault', file: 'electron/core/planted.ts', code: "import type { SecretStore } from '../vault/secret-store.js';\nexport type S = SecretStore;\n", says: layer('core → vault') },
  // a venue → bridge / core / another venue
  { arrow: 'store → core', file: 'electron/store/planted.ts', code: "import { Hub } from '../core/hub.js';\nexport const h = Hub;\n", says: layer('store → core') },
  { arrow: 'store → bridge', file: 'electron/store/planted.ts', code: "import type { PushBatch } from '../contract.js';\nexport type P = PushBatch;\n", says: layer('store → bridge') },
  { arrow: 'store → venues', file: 'electron/store/planted.ts', code: "import { VenueError } from '../venues/venue.js';\nexport const v = VenueError;\n", says: layer('store → venues') },
  { arrow: 'store → vault', file: 'electron/store/planted.ts', code: "import type { SecretStore } from '../vault/secret-store.js';\nexport type S = SecretStore;\n", says: layer('store → vault') },
  // alerts → bridge / venues / vault
  { arrow: 'alerts → bridge', file: 'electron/alerts/planted.ts', code: "import type { FiredAlert } from '../contract.js';\nexport type F = FiredAlert;\n", says: layer('alerts → bridge') },
  { arrow: 'alerts → venues', file: 'electron/alerts/planted.ts', code: "import { VenueError } from '../venues/venue.js';\nexport const v = VenueError;\n", says: layer('alerts → venues') },
  { arrow: 'alerts → vault', file: 'electron/alerts/planted.ts', code: "import type { SecretStore } from '../vault/secret-store.js';\nexport type S = SecretStore;\n", says: layer('alerts → vault') },
  { arrow: 'renderer → store', file: 'renderer/planted.ts', code: "import type { OrderStore } from '../electron/store/order-store.js';\nexport type O = OrderStore;\n", says: 'The renderer imports only types from electron/contract.ts' },
  { arrow: 'venue → bridge', file: 'electron/venues/kraken/planted.ts', code: "import { WebSocketTransport } from '../../bridge/websocket.js';\nexport const w = WebSocketTransport;\n", says: layer('venue → bridge') },
  { arrow: 'venue → bridge (the contract)', file: 'electron/venues/tinvest/planted.ts', code: "import type { PushBatch } from '../../contract.js';\nexport type P = PushBatch;\n", says: layer('venue → bridge') },
  { arrow: 'venue → core', file: 'electron/venues/tinvest/planted.ts', code: "import { Hub } from '../../core/hub.js';\nexport const h = Hub;\n", says: layer('venue → core') },
  { arrow: 'Kraken → T-Invest', file: 'electron/venues/kraken/planted.ts', code: "import { mapGrpcError } from '../tinvest/errors.js';\nexport const m = mapGrpcError;\n", says: layer('venue → another venue') },
  { arrow: 'T-Invest → Kraken (from a deeper file)', file: 'electron/venues/tinvest/deep/planted.ts', code: "import type { KrakenAdapter } from '../../kraken/adapter.js';\nexport type K = KrakenAdapter;\n", says: layer('venue → another venue') },
  // sim → electron/venues
  { arrow: 'sim → electron/venues', file: 'sim/kraken/planted.ts', code: "import { sign } from '../../electron/venues/kraken/signer.js';\nexport const s = sign;\n", says: layer('sim → electron/venues') },
  { arrow: 'sim → electron/venues (the interface)', file: 'sim/planted.ts', code: "import type { Venue } from '../electron/venues/venue.js';\nexport type V = Venue;\n", says: layer('sim → electron/venues') },
  // net → venues
  { arrow: 'net → venues', file: 'electron/net/planted.ts', code: "import { VenueError } from '../venues/venue.js';\nexport const v = VenueError;\n", says: layer('net → venues') },
  // inspector → bridge / venues / vault
  { arrow: 'inspector → bridge (the contract)', file: 'electron/inspector/planted.ts', code: "import type { PushBatch } from '../contract.js';\nexport type P = PushBatch;\n", says: layer('inspector → bridge') },
  { arrow: 'inspector → venues', file: 'electron/inspector/planted.ts', code: "import { packageDefinition } from '../venues/tinvest/proto.js';\nexport const p = packageDefinition;\n", says: layer('inspector → venues') },
  { arrow: 'inspector → vault', file: 'electron/inspector/planted.ts', code: "import type { SecretStore } from '../vault/secret-store.js';\nexport type S = SecretStore;\n", says: layer('inspector → vault') },
  // metrics → venues / vault
  { arrow: 'metrics → venues', file: 'electron/metrics/planted.ts', code: "import type { KrakenAdapter } from '../venues/kraken/adapter.js';\nexport type K = KrakenAdapter;\n", says: layer('metrics → venues') },
  { arrow: 'metrics → vault', file: 'electron/metrics/planted.ts', code: "import type { SecretStore } from '../vault/secret-store.js';\nexport type S = SecretStore;\n", says: layer('metrics → vault') },
  // gateway → venues / vault; console → app / store / recording / server; server → console
  { arrow: 'gateway → venues', file: 'electron/gateway/planted.ts', code: "import { VenueError } from '../venues/venue.js';\nexport const v = VenueError;\n", says: layer('gateway → venues') },
  { arrow: 'gateway server → vault', file: 'electron/gateway/server/planted.ts', code: "import type { SecretStore } from '../../vault/secret-store.js';\nexport type S = SecretStore;\n", says: layer('gateway → vault') },
  { arrow: 'gateway console → app', file: 'electron/gateway/console/planted.ts', code: "import { createApp } from '../../app/create-app.js';\nexport const c = createApp;\n", says: layer('gateway console → app') },
  { arrow: 'gateway console → store', file: 'electron/gateway/console/planted.ts', code: "import type { OrderStore } from '../../store/order-store.js';\nexport type O = OrderStore;\n", says: layer('gateway console → store') },
  { arrow: 'gateway console → recording', file: 'electron/gateway/console/planted.ts', code: "import type { SessionRecorder } from '../../recording/recorder.js';\nexport type R = SessionRecorder;\n", says: layer('gateway console → recording') },
  { arrow: 'gateway console → gateway server', file: 'electron/gateway/console/planted.ts', code: "import { MarketFanout } from '../server/market-fanout.js';\nexport const m = MarketFanout;\n", says: layer('gateway console → gateway server') },
  { arrow: 'gateway server → gateway console', file: 'electron/gateway/server/planted.ts', code: "import { ConsoleLink } from '../console/link.js';\nexport const l = ConsoleLink;\n", says: layer('gateway server → gateway console') },
  // common → outside common, Node, electron
  { arrow: 'common → the main side', file: 'common/planted.ts', code: "import { Hub } from '../electron/core/hub.js';\nexport const h = Hub;\n", says: layer('common → outside common') },
  { arrow: 'common → a package', file: 'common/planted.ts', code: "import { z } from 'zod';\nexport const s = z.string();\n", says: layer('common → outside common') },
  { arrow: 'common → Node', file: 'common/planted.ts', code: "import { formatWithOptions } from 'node:util';\nexport const f = formatWithOptions;\n", says: 'common/ imports no Node built-ins' },
  { arrow: 'common → electron', file: 'common/planted.ts', code: IMPORT_ELECTRON, says: 'common/ never imports electron' },
  // the electron rule that was there before the layers, still in force outside the glue
  { arrow: 'core → electron', file: 'electron/core/planted.ts', code: IMPORT_ELECTRON, says: 'Only electron/main.ts, electron/preload.ts and the safeStorage vault import electron.' },
];

const ALLOWED: { layer: string; file: string; code: string }[] = [
  {
    layer: 'gateway console: the bridge, the protocol, net/ and common/',
    file: 'electron/gateway/console/planted.ts',
    code: [
      "import type { FeedSource } from '../../bridge/session.js';",
      "import { candleSubject } from '../protocol.js';",
      "import { decodeOrderEntry } from '../wire-schemas.js';",
      "import { Backoff } from '../../net/backoff.js';",
      "import { dec } from '../../../common/decimal.js';",
      'export type X = FeedSource;',
      'export const y = [candleSubject, decodeOrderEntry, Backoff, dec];',
    ].join('\n'),
  },
  {
    layer: 'gateway server: the core, the app, the bridge and the protocol',
    file: 'electron/gateway/server/planted.ts',
    code: [
      "import type { Hub } from '../../core/hub.js';",
      "import type { Core } from '../../app/start-core.js';",
      "import { Batcher } from '../../bridge/batcher.js';",
      "import { orderSubject } from '../protocol.js';",
      'export type X = [Hub, Core];',
      'export const y = [Batcher, orderSubject];',
    ].join('\n'),
  },
  {
    layer: 'alerts: the core, the store, net/ and common/',
    file: 'electron/alerts/planted.ts',
    code: [
      "import type { Hub } from '../core/hub.js';",
      "import { AlertStore } from '../store/alert-store.js';",
      "import { Backoff } from '../net/backoff.js';",
      "import { dec } from '../../common/decimal.js';",
      'export type X = Hub;',
      'export const y = [AlertStore, Backoff, dec];',
    ].join('\n'),
  },
  {
    layer: 'renderer: types from the contract, anything from common/',
    file: 'renderer/store/planted.ts',
    code: [
      "import type { Snapshot, VenueSummary } from '../../electron/contract.js';",
      "import { dec } from '../../common/decimal.js';",
      "import { FINAL_ORDER_STATUSES, type Order } from '../../common/domain.js';",
      "import { stateTone } from '../../common/venue-state.js';",
      'export type X = [Snapshot, VenueSummary, Order];',
      'export const y = [dec, FINAL_ORDER_STATUSES, stateTone];',
    ].join('\n'),
  },
  {
    layer: 'store: the database package, common/ and its own files',
    file: 'electron/store/planted.ts',
    code: [
      "import Database from 'better-sqlite3';",
      "import { openDatabase } from './db.js';",
      "import { silentLogger, type Logger } from '../core/log.js';",
      "import type { Order } from '../../common/domain.js';",
      'export type X = [Order, Logger];',
      'export const y = [Database, openDatabase, silentLogger];',
    ].join('\n'),
  },
  {
    layer: 'core: its own types, common/, net/ and the Venue interface',
    file: 'electron/core/planted.ts',
    code: [
      "import type { VenueSummary } from './types.js';",
      "import { Redactor } from './redact.js';",
      "import { Backoff } from '../net/backoff.js';",
      "import { isVenueError, type Venue } from '../venues/venue.js';",
      "import { dec } from '../../common/decimal.js';",
      "import { venueState } from '../../common/venue-state.js';",
      "import { randomUUID } from 'node:crypto';",
      'export type X = [VenueSummary, Venue];',
      'export const y = [Redactor, Backoff, isVenueError, dec, venueState, randomUUID];',
    ].join('\n'),
  },
  {
    layer: 'inspector: the wire tap, the core (its redactor, HubError), its own files',
    file: 'electron/inspector/planted.ts',
    code: [
      "import type { WireFrame } from '../net/wire-tap.js';",
      "import { redact } from '../core/log.js';",
      "import { HubError } from '../core/hub-error.js';",
      "import { FrameRing } from './frame-ring.js';",
      'export type X = WireFrame;',
      'export const y = [redact, HubError, FrameRing];',
    ].join('\n'),
  },
  {
    layer: 'a venue: its own files, the Venue interface, net/ and common/',
    file: 'electron/venues/kraken/planted.ts',
    code: [
      "import { KrakenRest } from './rest.js';",
      "import { VenueError } from '../venue.js';",
      "import { Backoff } from '../../net/backoff.js';",
      "import { dec } from '../../../common/decimal.js';",
      "import WebSocket from 'ws';",
      'export const y = [KrakenRest, VenueError, Backoff, dec, WebSocket];',
    ].join('\n'),
  },
  {
    layer: 'sim: common/ and the proto',
    file: 'sim/tinvest/planted.ts',
    code: ["import { dec } from '../../common/decimal.js';", "import { candleProblem } from '../../common/candle-sanity.js';", 'export const y = [dec, candleProblem];'].join('\n'),
  },
  {
    layer: 'metrics: the core, the bridge hooks and contract types, net/, prom-client',
    file: 'electron/metrics/planted.ts',
    code: [
      "import { Registry } from 'prom-client';",
      "import type { AckLatency } from '../core/ack-latency.js';",
      "import type { BridgeMetrics } from '../bridge/metrics-hooks.js';",
      "import type { PushBatch } from '../contract.js';",
      "import { Backoff } from '../net/backoff.js';",
      'export type X = [AckLatency, BridgeMetrics, PushBatch];',
      'export const y = [Registry, Backoff];',
    ].join('\n'),
  },
  {
    layer: 'net: common/ and Node',
    file: 'electron/net/planted.ts',
    code: ["import { dec } from '../../common/decimal.js';", "import { setTimeout } from 'node:timers/promises';", 'export const y = [dec, setTimeout];'].join('\n'),
  },
  {
    layer: 'common: only common/',
    file: 'common/planted.ts',
    code: ["import { dec } from './decimal.js';", "import type { Order } from './domain.js';", 'export type X = Order;', 'export const y = dec;'].join('\n'),
  },
  {
    layer: 'bridge: the core and the contract (the arrows point this way)',
    file: 'electron/bridge/planted.ts',
    code: ["import type { Hub } from '../core/hub.js';", "import { requestSchemas } from '../contract.js';", 'export type X = Hub;', 'export const y = requestSchemas;'].join('\n'),
  },
  {
    layer: 'contract-side: the contract imports core types and the credential shapes',
    file: 'electron/planted.ts',
    code: ["import type { VenueSummary } from './core/types.js';", "import { storeCredentialsRequestSchema } from './credentials.js';", 'export type X = VenueSummary;', 'export const y = storeCredentialsRequestSchema;'].join('\n'),
  },
];

describe('layers the lint enforces', () => {
  it.each(PLANTED)('refuses $arrow ($file)', async ({ file, code, says }) => {
    const messages = await restrictions(file, code);
    expect(messages.length, `nothing refused in ${file}`).toBeGreaterThan(0);
    expect(messages.some((m) => m.includes(says)), `expected "${says}" among ${JSON.stringify(messages)}`).toBe(true);
  }, 30_000);

  it.each(ALLOWED)('allows $layer', async ({ file, code }) => {
    expect(await restrictions(file, code)).toEqual([]);
  }, 30_000);

  it('refuses a computed import on the main side: venues are composed from static imports', async () => {
    const [result] = await eslint.lintText("export const load = (venue: string) => import(`./venues/${venue}/adapter.ts`);\n", {
      filePath: path.join(ROOT, 'electron/app/planted.ts'),
    });
    expect(result?.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message)).toEqual([expect.stringContaining('Import by a literal path')]);
    const [literal] = await eslint.lintText("export const load = () => import('./venues.js');\n", { filePath: path.join(ROOT, 'electron/app/planted.ts') });
    expect(literal?.messages.filter((m) => m.ruleId === 'no-restricted-syntax')).toEqual([]);
  }, 30_000);

  it('covers every venue folder: each one is kept from every other', async () => {
    const venues = ['kraken', 'tinvest'];
    for (const from of venues) {
      for (const to of venues.filter((v) => v !== from)) {
        const messages = await restrictions(`electron/venues/${from}/planted.ts`, `import { x } from '../${to}/x.js';\nexport const y = x;\n`);
        expect(messages.some((m) => m.includes(layer('venue → another venue'))), `${from} → ${to}`).toBe(true);
      }
    }
  }, 30_000);
});
