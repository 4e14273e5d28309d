/**
 * The names the bridge accepts, with no dependencies, so the sandboxed preload can carry
 * them without bundling the schemas. contract.ts checks it defines exactly these.
 */
export const METHOD_NAMES = [
  'app.info',
  'app.openLogs',
  'gateway.link',
  'venues.list',
  'venues.connect',
  'venues.disconnect',
  'instruments.search',
  'candles.history',
  'candles.subscribe',
  'candles.unsubscribe',
  'market.subscribe',
  'market.unsubscribe',
  'session.snapshot',
  'diagnostics.get',
  'instruments.get',
  'orders.place',
  'orders.cancel',
  'orders.amend',
  'orders.cancelAll',
  'orders.list',
  'trades.list',
  'positions.pnl',
  'history.exportCsv',
  'portfolio.get',
  'credentials.store',
  'credentials.delete',
  'credentials.status',
  'quitSettings.get',
  'quitSettings.set',
  'inspector.open',
  'inspector.read',
  'inspector.close',
  // Metrics
  'perf.report',
  'orders.ackLatency',
  'metricsServer.get',
  'metricsServer.set',
  // Alerts and webhooks (electron/alerts/).
  'alerts.list',
  'alerts.create',
  'alerts.update',
  'alerts.delete',
  'alerts.history',
  'alerts.deadLetters',
  'alerts.resend',
  'webhooks.list',
  'webhooks.save',
  'webhooks.delete',
  'webhooks.test',
  'recording.status',
  'recording.start',
  'recording.stop',
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

export const TOPIC_NAMES = ['batch', 'diagnostics', 'alert'] as const;
export type TopicName = (typeof TOPIC_NAMES)[number];

/** Largest serialized request we accept on either transport. */
export const MAX_REQUEST_BYTES = 64 * 1024;

/** IPC channel names (Electron transport). */
export const IPC_INVOKE = 'switchboard:invoke';
export const IPC_PUSH = 'switchboard:push';
