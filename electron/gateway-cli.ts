/**
 * The gateway role: `npm run gateway -- --nats nats://host:4222 [--nats-user U --nats-password-file F]
 * [--nats-ca F] [--demo] [--data-dir D] [--config F] [--metrics HOST:PORT [--metrics-public]]
 * [--replicas 3] [--record]`. Runs the core with no UI and serves consoles over NATS
 * (docs/gateway.md). Prints one line once it serves, and runs until SIGINT/SIGTERM; quitting
 * answers or records every order in flight and stores every order update in the stream first.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageVersion, startCore } from './app/start-core.js';
import type { Core, CoreOptions } from './app/start-core.js';
import { ConfigError, readConfigFile } from './app/config-file.js';
import { DemoVenuesError, readDemoFile } from './app/demo-venues.js';
import type { DemoLauncher } from './app/demo-venues.js';
import { createLogger } from './core/log.js';
import { MetricsListenError } from './metrics/server.js';
import { UsageError, metricsFlags, quitOnSignals, runScript, startWithLog } from './app/node-process.js';
import { defaultDataDir } from './headless.js';
import { NatsLinkUsageError, describeServers, natsOptionsFromFlags } from './gateway/nats-link.js';
import type { NatsLinkOptions } from './gateway/nats-link.js';
import { serveGateway } from './gateway/server/gateway.js';
import { AnotherGatewayError, ensureSoleGateway } from './gateway/server/sole-gateway.js';
import type { GatewayService } from './gateway/server/gateway.js';
import { registerGatewayMetrics } from './gateway/server/gateway-metrics.js';

export class GatewayUsageError extends UsageError {
  override readonly name = 'GatewayUsageError';
}

export interface GatewayOptions extends Omit<CoreOptions, 'component'> {
  nats: NatsLinkOptions;
  leaseMs?: number;
  replicas?: number;
  coalesceMs?: number;
  statusMs?: number;
}

export interface Gateway {
  core: Core;
  service: GatewayService;
  /** Orders in flight answered or recorded, every update stored in ORDERS; then close(). */
  shutdown(): Promise<void>;
  close(): Promise<void>;
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const { nats, leaseMs, replicas, coalesceMs, statusMs, ...coreOpts } = opts;
  // Before the core: a second gateway must not even connect its venues or open its journal.
  await ensureSoleGateway(nats, { version: packageVersion(), log: (opts.log ?? opts.appLog?.log ?? createLogger('gateway')).child('gateway') });
  const core = await startCore({ ...coreOpts, component: 'gateway' });
  try {
    const service = await serveGateway({
      core,
      nats,
      ...(leaseMs === undefined ? {} : { leaseMs }),
      ...(replicas === undefined ? {} : { replicas }),
      ...(coalesceMs === undefined ? {} : { coalesceMs }),
      ...(statusMs === undefined ? {} : { statusMs }),
    });
    core.onClose(() => service.close());
    registerGatewayMetrics(core.metrics, service);
    const shutdown = async (): Promise<void> => {
      await core.app.shutdown();
      const stored = await service.orders.flush();
      if (!stored) core.log.warn(`${service.orders.backlog} order update(s) not stored in the stream before quitting; the next start sends them`);
    };
    return { core, service, shutdown, close: core.close };
  } catch (err) {
    await core.close();
    throw err;
  }
}

export async function runGatewayCli(argv: string[], extra: { demoLauncher?: DemoLauncher } = {}): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      nats: { type: 'string' },
      'nats-user': { type: 'string' },
      'nats-password-file': { type: 'string' },
      'nats-ca': { type: 'string' },
      demo: { type: 'boolean' },
      seed: { type: 'string' },
      config: { type: 'string' },
      'demo-from': { type: 'string' },
      'data-dir': { type: 'string' },
      metrics: { type: 'string' },
      'metrics-public': { type: 'boolean' },
      replicas: { type: 'string' },
      record: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.nats === undefined) throw new GatewayUsageError('--nats nats://host:4222 is required: the NATS server the desk shares');
  let nats: NatsLinkOptions;
  try {
    nats = natsOptionsFromFlags({ servers: values.nats, user: values['nats-user'], passwordFile: values['nats-password-file'], caFile: values['nats-ca'] });
  } catch (err) {
    if (err instanceof NatsLinkUsageError) throw new GatewayUsageError(err.message, { cause: err });
    throw err;
  }
  const dataDir = values['data-dir'] === undefined ? defaultDataDir() : path.resolve(values['data-dir']);
  // Without --demo the gateway connects only what has stored credentials; --demo starts the local venues.
  const opts: GatewayOptions = { nats, dataDir, demo: values.demo === true };
  if (extra.demoLauncher) opts.demoLauncher = extra.demoLauncher;
  if (values.seed !== undefined) {
    const seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new GatewayUsageError('--seed wants a non-negative integer');
    opts.seed = seed;
  }
  if (values.replicas !== undefined) {
    const r = Number(values.replicas);
    if (!Number.isInteger(r) || r < 1 || r > 5) throw new GatewayUsageError('--replicas wants 1 to 5 (the copies of ORDERS in a cluster)');
    opts.replicas = r;
  }
  const metrics = metricsFlags(values, (message, cause) => new GatewayUsageError(message, { cause }));
  if (metrics) opts.metrics = metrics;
  if (values.record === true) opts.record = true;
  try {
    if (values.config !== undefined) opts.config = await readConfigFile(values.config);
    if (values['demo-from'] !== undefined) {
      opts.demoLines = await readDemoFile(values['demo-from']);
      opts.demo = true;
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof DemoVenuesError) throw new GatewayUsageError(err.message, { cause: err });
    throw err;
  }
  const { started: gateway, appLog } = await startWithLog(
    {
      dataDir,
      component: 'gateway',
      usage: (err) => (err instanceof MetricsListenError || err instanceof AnotherGatewayError ? new GatewayUsageError(err.message, { cause: err }) : undefined),
    },
    (log) => startGateway({ ...opts, appLog: log }),
  );
  process.stdout.write(`Switchboard gateway: serving on ${describeServers(nats)} as ${gateway.service.gatewayId}\n`);
  if (gateway.core.metricsServer) appLog.log.info(`metrics: ${gateway.core.metricsServer.url}`);
  // The order stream gets its own few seconds after the core's shutdown (every update stored first).
  quitOnSignals({ log: appLog.log, shutdown: () => gateway.shutdown(), close: () => gateway.close(), extraMs: 10_000 });
}

export function runGatewayScript(argv: string[], extra: { demoLauncher?: DemoLauncher } = {}): void {
  runScript('gateway', () => runGatewayCli(argv, extra));
}
