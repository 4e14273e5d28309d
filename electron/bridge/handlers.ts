/**
 * What each bridge method does, over the hub. Requests arrive here already validated; the
 * client context carries what belongs to one client (its subscriptions, its push sequence).
 */
import type { AmendRequest, CandleKey, MarketKey, OrderRequest, VenueId } from '../../common/domain.js';
import type { AppInfo, MethodName, MethodResults, ParsedRequest, RecordingStatus, Snapshot } from '../contract.js';
import { CONTRACT_VERSION } from '../contract.js';
import type { Hub } from '../core/hub.js';
import { HubError } from '../core/hub-error.js';
import { csvFilename, ordersCsv, tradesCsv, type SymbolOf } from '../core/csv.js';
import type { VenueModes } from '../app/venue-modes.js';
import { SecretStoreError } from '../vault/secret-store.js';
import type { InspectorViews } from '../inspector/session-views.js';
import type { BridgeMetrics, MetricsServerControl } from './metrics-hooks.js';
import type { Alerts } from '../alerts/alerts.js';
import type { AlertRuleInput } from '../alerts/types.js';

/** How a client reaches the bridge; 'nats': a console's client, served by a gateway. */
export type Transport = 'ipc' | 'websocket' | 'nats';

/** Where this app's log is, and, in the desktop app, how to show its folder. */
export interface LogsLocation {
  folder: string;
  file: string;
  /** Opens the folder in the OS file manager (Electron's shell.openPath). */
  open?: () => Promise<void>;
}

export interface ClientContext {
  /** The core, where it runs in this process; absent in a console attached to a gateway (electron/gateway/). */
  readonly hub: Hub | undefined;
  /** This client's id, unique in this process: what a gateway keys the client's own state by. */
  readonly clientId: string;
  /** Venue modes and stored credentials; absent in an app built without a secret store. */
  readonly modes: VenueModes | undefined;
  readonly transport: Transport;
  readonly version: string;
  readonly logs: LogsLocation | undefined;
  /** Session recording (recording/recorder.ts); absent where the app records nothing. */
  readonly recording: RecordingControl | undefined;
  /** What the trader should know about this start, in words (app.info). */
  notices(): readonly string[];
  /** Alert rules and webhooks; absent in an app built without a database. */
  readonly alerts: Alerts | undefined;
  /** Takes a hub reference for the key on this client's behalf; returns the new subscription's id. */
  subscribe(key: CandleKey): string;
  /** Releases one of this client's subscriptions; HubError 'not-found' when it isn't one. */
  unsubscribe(subscriptionId: string): void;
  /** The same for books, tapes and quotes. */
  subscribeMarket(key: MarketKey): string;
  unsubscribeMarket(subscriptionId: string): void;
  snapshot(): Snapshot;
  /** This client's wire inspector views; absent in an app built without an inspector. */
  readonly inspector: InspectorViews | undefined;
  /** where renderer reports go, and the metrics endpoint's switch; absent when the app has none. */
  readonly metrics?: BridgeMetrics | undefined;
  readonly metricsServer?: MetricsServerControl | undefined;
}

export type Handlers = {
  [M in MethodName]: (req: ParsedRequest<M>, ctx: ClientContext) => Promise<MethodResults[M]> | MethodResults[M];
};

/** The core of this process; a console on a gateway has none, and forwards these methods instead. */
function hubOf(ctx: ClientContext): Hub {
  if (!ctx.hub) throw new HubError('unavailable', 'this console has no core of its own; it is attached to a gateway');
  return ctx.hub;
}

function inspectorOf(ctx: ClientContext): InspectorViews {
  if (!ctx.inspector) throw new HubError('not-found', 'this app has no wire inspector');
  return ctx.inspector;
}

/** Session recording as the bridge drives it (recording/recorder.ts SessionRecorder). */
export interface RecordingControl {
  start(): RecordingStatus;
  stop(): Promise<RecordingStatus>;
  status(): RecordingStatus;
}

function recorderOf(ctx: ClientContext): RecordingControl {
  if (!ctx.recording) throw new HubError('invalid', 'this app records no venue sessions');
  return ctx.recording;
}

function modesOf(ctx: ClientContext): VenueModes {
  if (!ctx.modes) throw new SecretStoreError('no-secure-backend', { message: 'This app was started without a credential store.' });
  return ctx.modes;
}

/** Only the fields the contract allows, none left undefined (the journal stores what it gets). */
function orderRequest(req: ParsedRequest<'orders.place'>): OrderRequest {
  const { venue, accountId, instrumentId, side, type, quantity, price, triggerPrice, trailingOffset, timeInForce, expireAt, postOnly, clientOrderId } = req;
  const out: OrderRequest = { venue, accountId, instrumentId, side, type, quantity, clientOrderId };
  if (price !== undefined) out.price = price;
  if (triggerPrice !== undefined) out.triggerPrice = triggerPrice;
  if (trailingOffset !== undefined) out.trailingOffset = { value: trailingOffset.value, unit: trailingOffset.unit };
  if (timeInForce !== undefined) out.timeInForce = timeInForce;
  if (expireAt !== undefined) out.expireAt = expireAt;
  if (postOnly !== undefined) out.postOnly = postOnly;
  return out;
}

function amendRequest(req: ParsedRequest<'orders.amend'>): AmendRequest {
  const { venue, accountId, clientOrderId, price, quantity, triggerPrice, amendId } = req;
  const out: AmendRequest = { venue, accountId, clientOrderId, amendId };
  if (price !== undefined) out.price = price;
  if (quantity !== undefined) out.quantity = quantity;
  if (triggerPrice !== undefined) out.triggerPrice = triggerPrice;
  return out;
}

/**
 * Symbols of the instruments in an export, from the venues that are connected (the adapters
 * keep their catalogues); an instrument that can't be looked up is exported by id alone.
 */
async function exportSymbols(ctx: ClientContext, keys: readonly { venue: VenueId; instrumentId: string }[]): Promise<SymbolOf> {
  const wanted = new Map(keys.map((k) => [`${k.venue}|${k.instrumentId}`, k]));
  const found = new Map<string, string>();
  await Promise.allSettled(
    [...wanted].map(async ([key, k]) => {
      found.set(key, (await hubOf(ctx).instrument(k.venue, k.instrumentId)).symbol);
    }),
  );
  return (venue, instrumentId) => found.get(`${venue}|${instrumentId}`);
}

async function exportCsv(req: ParsedRequest<'history.exportCsv'>, ctx: ClientContext): Promise<MethodResults['history.exportCsv']> {
  const filename = csvFilename(req.what, Date.now());
  if (req.what === 'orders') {
    const orders = hubOf(ctx).orders().filter((o) => req.venue === undefined || o.venue === req.venue);
    return { filename, csv: ordersCsv(orders, await exportSymbols(ctx, orders)), rows: orders.length };
  }
  // The whole ledger, not the first page trades.list gives.
  const trades = hubOf(ctx).trades(req.venue, Number.MAX_SAFE_INTEGER);
  return { filename, csv: tradesCsv(trades, await exportSymbols(ctx, trades)), rows: trades.length };
}

function alertsOf(ctx: ClientContext): Alerts {
  if (!ctx.alerts) throw new HubError('unavailable', 'alerts are off: the database could not be opened');
  return ctx.alerts;
}

/** A validated rule without the keys zod left undefined (the store keeps what it gets). */
function ruleInput(req: ParsedRequest<'alerts.create'>): AlertRuleInput {
  return Object.fromEntries(Object.entries(req).filter(([, v]) => v !== undefined)) as AlertRuleInput;
}

export const handlers: Handlers = {
  'app.info': (_req, ctx) => {
    const info: AppInfo = { version: ctx.version, transport: ctx.transport, contract: CONTRACT_VERSION };
    if (ctx.logs) info.logs = { folder: ctx.logs.folder, file: ctx.logs.file, canOpen: ctx.logs.open !== undefined };
    const notices = ctx.notices();
    if (notices.length > 0) info.notices = [...notices];
    return info;
  },
  'app.openLogs': async (_req, ctx) => {
    if (!ctx.logs) throw new HubError('not-found', 'this app writes no log file');
    if (!ctx.logs.open) throw new HubError('invalid', `this app can't open folders from here; the log is ${ctx.logs.file}`);
    await ctx.logs.open();
    return null;
  },
  // A console on a gateway answers this itself (electron/gateway/console/); a core of its own has no link.
  'gateway.link': () => null,
  'venues.list': (_req, ctx) => hubOf(ctx).summaries(),
  'venues.connect': (req, ctx) => {
    if (ctx.modes) return ctx.modes.connect(req.venue, req.mode);
    if (req.mode !== undefined && hubOf(ctx).has(req.venue) && hubOf(ctx).summary(req.venue).mode !== req.mode) {
      throw new HubError('invalid', `${req.venue} can't switch to ${req.mode} in this app`);
    }
    return hubOf(ctx).connect(req.venue);
  },
  'venues.disconnect': (req, ctx) => hubOf(ctx).disconnect(req.venue),
  'instruments.search': (req, ctx) => hubOf(ctx).searchInstruments(req.venue, req.query, req.limit),
  'instruments.get': (req, ctx) => hubOf(ctx).instrument(req.venue, req.instrumentId),
  'candles.history': (req, ctx) => {
    const { venue, instrumentId, interval, before, limit } = req;
    return hubOf(ctx).history(before === undefined ? { venue, instrumentId, interval, limit } : { venue, instrumentId, interval, limit, before });
  },
  'candles.subscribe': (req, ctx) => ({
    subscriptionId: ctx.subscribe({ venue: req.venue, instrumentId: req.instrumentId, interval: req.interval }),
  }),
  'candles.unsubscribe': (req, ctx) => {
    ctx.unsubscribe(req.subscriptionId);
    return null;
  },
  'market.subscribe': (req, ctx) => {
    const key: MarketKey = { venue: req.venue, instrumentId: req.instrumentId, stream: req.stream };
    if (req.depth !== undefined) key.depth = req.depth;
    return { subscriptionId: ctx.subscribeMarket(key) };
  },
  'market.unsubscribe': (req, ctx) => {
    ctx.unsubscribeMarket(req.subscriptionId);
    return null;
  },
  'session.snapshot': (_req, ctx) => ctx.snapshot(),
  'diagnostics.get': (_req, ctx) => hubOf(ctx).diagnostics.snapshot(),
  'orders.place': (req, ctx) => hubOf(ctx).journal.place(orderRequest(req)),
  'orders.cancel': (req, ctx) => hubOf(ctx).journal.cancel(req.venue, req.accountId, req.clientOrderId),
  'orders.amend': (req, ctx) => hubOf(ctx).journal.amend(amendRequest(req)),
  'orders.cancelAll': (req, ctx) => hubOf(ctx).journal.cancelAll(req.venue),
  'orders.list': (req, ctx) => hubOf(ctx).journal.list(req.venue),
  'trades.list': (req, ctx) => hubOf(ctx).trades(req.venue, req.limit),
  'positions.pnl': (req, ctx) => hubOf(ctx).positionsPnl(req.venue),
  'history.exportCsv': exportCsv,
  'portfolio.get': (req, ctx) => hubOf(ctx).portfolio(req.venue, req.accountId),
  'credentials.store': (req, ctx) => modesOf(ctx).storeCredentials(req),
  'credentials.delete': (req, ctx) => modesOf(ctx).deleteCredentials(req.venue),
  'credentials.status': (_req, ctx) => modesOf(ctx).status(),
  'quitSettings.get': (_req, ctx) => ({ cancelOnQuit: hubOf(ctx).quitSettings.get() }),
  'quitSettings.set': async (req, ctx) => ({ cancelOnQuit: await hubOf(ctx).quitSettings.set(req.venue, req.cancelOnQuit) }),
  'inspector.open': (req, ctx) => inspectorOf(ctx).open(req),
  'inspector.read': (req, ctx) => inspectorOf(ctx).read(req.viewId, req.after, req.limit),
  'inspector.close': (req, ctx) => {
    inspectorOf(ctx).close(req.viewId);
    return null;
  },
  // Metrics
  'perf.report': (req, ctx) => {
    ctx.metrics?.rendererReport(req);
    return null;
  },
  'orders.ackLatency': (_req, ctx) => hubOf(ctx).journal.ackLatency.summary(),
  'metricsServer.get': (_req, ctx) => ctx.metricsServer?.status() ?? { source: 'none', enabled: false },
  'metricsServer.set': (req, ctx) => {
    if (!ctx.metricsServer) throw new HubError('invalid', 'this app serves no metrics endpoint');
    return ctx.metricsServer.set(req);
  },
  'alerts.list': (_req, ctx) => alertsOf(ctx).list(),
  'alerts.create': (req, ctx) => alertsOf(ctx).create(ruleInput(req)),
  'alerts.update': (req, ctx) => alertsOf(ctx).update(req.id, ruleInput(req.rule)),
  'alerts.delete': (req, ctx) => {
    alertsOf(ctx).delete(req.id);
    return null;
  },
  'alerts.history': (req, ctx) => alertsOf(ctx).history(req.limit),
  'alerts.deadLetters': (req, ctx) => alertsOf(ctx).deadLetters(req.limit),
  'alerts.resend': (req, ctx) => alertsOf(ctx).resend(req.deliveryId),
  'webhooks.list': (_req, ctx) => alertsOf(ctx).webhooks(),
  'webhooks.save': (req, ctx) => alertsOf(ctx).saveWebhook(req),
  'webhooks.delete': async (req, ctx) => {
    await alertsOf(ctx).deleteWebhook(req.id);
    return null;
  },
  'webhooks.test': (req, ctx) => alertsOf(ctx).testWebhook(req.id),
  'recording.status': (_req, ctx) => recorderOf(ctx).status(),
  'recording.start': (_req, ctx) => recorderOf(ctx).start(),
  'recording.stop': (_req, ctx) => recorderOf(ctx).stop(),
};
