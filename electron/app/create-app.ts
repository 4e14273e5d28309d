/**
 * Builds the app from its parts: the hub, every venue the descriptors offer (demo on the local
 * venues' ready lines, sandbox and live on stored credentials, endpoints from the config file),
 * and the venue modes that switch between them. Imports no electron, so the Electron entry and
 * the headless entry share it.
 */
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { VenueId, VenueMode } from '../../common/domain.js';
import { Hub } from '../core/hub.js';
import type { VenueFactory } from '../core/hub.js';
import type { Logger } from '../core/log.js';
import { createLogger, logRedactor, redact, registerSecret } from '../core/log.js';
import type { RiskLimits } from '../core/orders.js';
import type { ShutdownOptions, ShutdownReport } from '../core/shutdown.js';
import { CandleCache } from '../store/candle-cache.js';
import type { CandleCacheOptions } from '../store/candle-cache.js';
import { StoreError, dbFileIn, openDatabase } from '../store/db.js';
import { OrderStore } from '../store/order-store.js';
import type { SqliteDb } from '../store/db.js';
import { BATCH_INTERVAL_MS } from '../bridge/batcher.js';
import type { VenueCredentials } from '../credentials.js';
import type { VenuePlan } from '../venues/descriptor.js';
import { WireTaps } from '../net/wire-tap.js';
import { tapCommands } from '../recording/command-tap.js';
import { RECORDINGS_FOLDER, SessionRecorder } from '../recording/recorder.js';
import type { WireTap } from '../net/wire-tap.js';
import { WireInspector } from '../inspector/wire-inspector.js';
import { decodeWireBytes } from './wire-decoders.js';
import { CREDENTIAL_INDEX_FILE, CredentialIndex } from '../vault/credential-index.js';
import { noSecretStore } from '../vault/no-secret-store.js';
import { redactingStore } from '../vault/redacting-store.js';
import type { SecretStore } from '../vault/secret-store.js';
import type { AppConfig } from './config-file.js';
import { appConfig } from './config-file.js';
import { VenueModes } from './venue-modes.js';
import { QUIT_SETTINGS_FILE, loadQuitSettings } from './quit-settings.js';
import { VENUE_DESCRIPTORS } from './venues.js';
import { Alerts } from '../alerts/alerts.js';
import { webhookVault } from '../alerts/webhook-secrets.js';
import { AlertStore } from '../store/alert-store.js';

export interface AppOptions {
  /** The local demo venues' ready lines (the simulator's stdout, or a --demo-from file); none = no demo mode. */
  demoLines?: readonly unknown[];
  /** The config file applied (endpoints of credentialed modes, venue options); default: the venues' own. */
  config?: AppConfig;
  /** Where demo venues keep state: thrown away with the run. */
  stateDir: string;
  /**
   * Survives restarts: the state of venues signed in with stored credentials (Kraken's nonce
   * floor, under state/) and the mode chosen for each venue. Default: stateDir.
   */
  dataDir?: string;
  /** Where credentials are stored: the OS keyring (headless) or safeStorage (Electron); none = refused. */
  secretStore?: SecretStore;
  risk?: RiskLimits;
  /**
   * The folder of the database (switchboard.db): default dataDir, which is the demo state
   * folder when no dataDir is given (a demo run keeps nothing in the trader's data).
   */
  storeDir?: string;
  /** The candle cache's bounds; false: chart history always asks the venue (the bench's baseline). */
  candleCache?: false | Pick<CandleCacheOptions, 'maxRows'>;
  /** Connect every venue in the background once built (default true). */
  connect?: boolean;
  version?: string;
  /** Record every venue session from before the first connect (--record; docs/recording.md). */
  record?: boolean;
  log?: Logger;
}

export interface App {
  hub: Hub;
  /** Every venue frame in and out, while a consumer (inspector, recorder) is attached. */
  wire: WireTaps;
  /** The last frames of every connection while a view is open (listens to `wire` only then), for the bridge. */
  inspector: WireInspector;
  /** Session recording (docs/recording.md): started by `record` or the bridge's recording.start. */
  recorder: SessionRecorder;
  /** Venue modes and stored credentials, for the bridge. */
  modes: VenueModes;
  log: Logger;
  version: string;
  /** The venues that could be built. */
  venues: VenueId[];
  /** The open database (one connection for the whole app); undefined when it could not be opened. */
  store: SqliteDb | undefined;
  /** Why the database could not be opened (a newer schema, a damaged file): the app runs without it. */
  storeError: StoreError | undefined;
  /** Start-up problems for AppInfo.notices, the bridges show them with their own. */
  notices: readonly string[];
  /** Alert rules, fired alerts and webhooks; undefined when the database could not be opened. */
  alerts: Alerts | undefined;
  /**
   * Quits without losing an order (Hub.shutdown), then gives the bridges one more push, so
   * a connected client sees every order's final state before its transport closes. Bounded
   * (shutdownBoundMs plus a moment) whatever the venues do; call before closing the bridge.
   */
  shutdown(opts?: ShutdownOptions): Promise<ShutdownReport>;
  close(): Promise<void>;
}

export const MODE_SELECTION_FILE = 'venue-modes.json';

/** A few batch windows: long enough for every session to push what it holds. */
const FINAL_PUSH_MS = BATCH_INTERVAL_MS * 4;

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function factoryOf(plan: VenuePlan, stateDir: string, wire: WireTap): VenueFactory {
  for (const secret of plan.secrets) registerSecret(secret);
  // Commands too go on the tap (recording/command-tap.ts): a replay asks the adapter the same.
  return (sink) => tapCommands(plan.create({ sink, stateDir, wire }), wire);
}

export async function createApp(opts: AppOptions): Promise<App> {
  const log = opts.log ?? createLogger('app');
  const dataDir = opts.dataDir ?? opts.stateDir;
  const quitSettings = await loadQuitSettings(path.join(dataDir, QUIT_SETTINGS_FILE), log.child('quit'));
  const notices: string[] = [];
  const { store, storeError } = openStore(dbFileIn(opts.storeDir ?? dataDir), log);
  if (storeError) notices.push(storeNotice(storeError));
  const candleCache = store && opts.candleCache !== false ? openCandleCache(store, opts.candleCache ?? {}, log, notices) : undefined;
  const hub = new Hub({
    log: log.child('hub'),
    quitSettings,
    ...(opts.risk ? { risk: opts.risk } : {}),
    ...(candleCache ? { candleCache } : {}),
    ...(store ? { orderStore: new OrderStore(store) } : {}),
  });
  // Without its journal on disk the app could not promise an order is never placed twice nor
  // forgotten across a crash: it shows charts, and refuses orders until the file is fixed.
  if (storeError) hub.journal.refuseNew(`orders are off: the order journal could not be opened (${storeError.message})`);
  const config = opts.config ?? appConfig();
  // One tap for every venue: the wire inspector and the recorder attach to it.
  const wire = new WireTaps((err) => log.error('a wire consumer failed and was detached', err));
  // Shown frames pass through the log's redactor: one set of rules for everything a trader can copy out.
  const inspector = new WireInspector({ wire, redact, decode: decodeWireBytes });
  // Session recordings go to <dataDir>/recordings; with `record` the recorder listens before any venue connects.
  let modeOf: (venue: string) => string | undefined = () => undefined;
  const recorder = new SessionRecorder({
    taps: wire,
    dir: path.join(dataDir, RECORDINGS_FOLDER),
    version: opts.version ?? '0.0.0',
    modeOf: (venue) => modeOf(venue),
    onError: (err, file) => log.error(`recording stopped: could not write ${file}`, err),
  });
  if (opts.record) {
    recorder.start();
    log.info(`recording venue sessions to ${path.join(dataDir, RECORDINGS_FOLDER)}`);
  }
  const stopRecording = async (): Promise<void> => {
    if (!recorder.recording) return;
    const { files } = await recorder.stop();
    for (const f of files) log.info(`recorded ${f.venue}: ${f.events} events, ${f.bytes} bytes in ${f.file}`);
  };

  // Each demo line goes to the venue whose descriptor reads it; a line nobody reads is logged.
  const demo = new Map<VenueId, VenuePlan>();
  for (const line of opts.demoLines ?? []) {
    const plan = isRecord(line) ? VENUE_DESCRIPTORS.map((d) => [d.id, config.venues.get(d.id)?.demo(line)] as const).find(([, p]) => p) : undefined;
    if (plan?.[1]) demo.set(plan[0], plan[1]);
    else log.warn(`ignoring a demo venue line for an unknown venue: ${isRecord(line) ? String(line.venue) : typeof line}`);
  }

  const build = (venue: VenueId, mode: VenueMode, creds: VenueCredentials | null): VenueFactory | undefined => {
    if (creds === null) {
      const plan = mode === 'demo' ? demo.get(venue) : undefined;
      return plan && factoryOf(plan, opts.stateDir, wire);
    }
    const plan = config.venues.get(venue)?.withCredentials(creds);
    return plan && plan.mode === mode ? factoryOf(plan, path.join(dataDir, 'state'), wire) : undefined;
  };
  // Every secret stored or read through the vault is masked in the log from then on.
  const vault = redactingStore(opts.secretStore ?? noSecretStore, logRedactor);
  const modes = new VenueModes({
    hub,
    store: vault,
    build,
    selectionFile: path.join(dataDir, MODE_SELECTION_FILE),
    // Status and a demo start-up from this index: the store (the OS keyring) stays closed.
    index: new CredentialIndex(path.join(dataDir, CREDENTIAL_INDEX_FILE), log.child('credential-index')),
    log: log.child('modes'),
  });
  modeOf = (venue) => {
    const id = VENUE_DESCRIPTORS.find((d) => d.id === venue)?.id;
    return id !== undefined && hub.has(id) ? hub.summary(id).mode : undefined;
  };
  const built = await modes.setup(new Map([...demo.keys()].map((id) => [id, 'demo' as const])));
  // After the venues are built: a price rule holds its instrument's quote through the hub.
  const alerts = store ? openAlerts(store, hub, vault, log, notices) : undefined;
  if (opts.connect ?? true) {
    for (const id of built) {
      hub.connect(id).then(
        () => log.info(`${id}: connected`),
        (err: unknown) => log.warn(`${id}: connect failed`, err),
      );
    }
  }
  // After the hub has stopped: the cache writes its queued bars, then the file is closed.
  const closeStore = (): void => {
    candleCache?.close();
    if (store?.open) store.close();
  };
  return {
    hub,
    wire,
    inspector,
    recorder,
    modes,
    log,
    version: opts.version ?? '0.0.0',
    venues: built,
    store,
    storeError,
    notices,
    alerts,
    shutdown: async (o) => {
      const report = await hub.shutdown(o);
      await stopRecording();
      // The last order updates sit in each session's batch until its next push.
      await delay(FINAL_PUSH_MS);
      // Deliveries still in flight stay pending in the database: the next start resumes them.
      alerts?.close();
      closeStore();
      return report;
    },
    close: async () => {
      await hub.close();
      alerts?.close();
      await stopRecording();
      closeStore();
    },
  };
}

function openStore(file: string, log: Logger): { store: SqliteDb | undefined; storeError: StoreError | undefined } {
  try {
    return { store: openDatabase({ file }), storeError: undefined };
  } catch (err) {
    const storeError = err instanceof StoreError ? err : new StoreError(`cannot open the database ${file}: ${String(err)}`, { cause: err });
    log.error('the database could not be opened; running without it', storeError);
    return { store: undefined, storeError };
  }
}

/** Alerts over the database and the vault; tables that can't be read leave the app without alerts, saying so. */
function openAlerts(store: SqliteDb, hub: Hub, vault: SecretStore, log: Logger, notices: string[]): Alerts | undefined {
  try {
    const alerts = new Alerts({ hub, store: new AlertStore(store), vault: vault.named ? webhookVault(vault.named) : undefined, log: log.child('alerts') });
    alerts.start();
    return alerts;
  } catch (err) {
    log.error('alerts could not be started', err);
    notices.push(`Alerts are off: their tables in the database could not be read (${err instanceof Error ? err.message : String(err)}).`);
    return undefined;
  }
}

/** A damaged candles table (its first read is a count) leaves charts on the venue's history. */
function openCandleCache(store: SqliteDb, bounds: Pick<CandleCacheOptions, 'maxRows'>, log: Logger, notices: string[]): CandleCache | undefined {
  try {
    return new CandleCache(store, { log: log.child('candle-cache'), ...bounds });
  } catch (err) {
    log.error('the candle cache could not be opened; chart history comes from the venues', err);
    notices.push(`Chart history is not cached: the database's candle tables could not be read (${err instanceof Error ? err.message : String(err)}).`);
    return undefined;
  }
}

/** What the trader reads: the app runs, without what the database gives. */
function storeNotice(err: StoreError): string {
  return `The database could not be opened, so orders are off (the order journal lives there) and chart history is not cached: ${err.message}`;
}
