/**
 * The gateway: the core (venue connections, vault, journal, limiters) run once for a desk, served
 * to consoles over NATS. Market data on core NATS subjects, order updates on the JetStream
 * stream ORDERS, bridge methods as requests, venue and gateway state as broadcasts.
 */
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Core } from '../../app/start-core.js';
import type { Logger } from '../../core/log.js';
import { CONTRACT_VERSION } from '../../contract.js';
import { connectNats, describeServers } from '../nats-link.js';
import type { NatsLinkOptions } from '../nats-link.js';
import { CONTROL, DEFAULT_LEASE_MS, EVENTS } from '../protocol.js';
import type { GatewayHello, GatewayStatus, LeaseReply, SnapshotReply } from '../protocol.js';
import { decodeBye, decodeConsoleHello, decodeConsoleLease, decodeSnapshotRequest } from '../wire-schemas.js';
import { CommandService } from './command-service.js';
import { ConsoleRegistry } from './consoles.js';
import { MarketFanout } from './market-fanout.js';
import { OrderStream } from './order-stream.js';

export const STATUS_INTERVAL_MS = 1_000;
/**
 * The market fan-out's coalescing window. Shorter than the bridge's 25 ms: every console's own
 * bridge coalesces per frame again, so the gateway only has to keep a burst of venue frames
 * from becoming a burst of NATS messages; 10 ms caps a key at 100 messages a second.
 */
export const GATEWAY_COALESCE_MS = 10;

export interface GatewayServiceOptions {
  core: Core;
  nats: NatsLinkOptions;
  leaseMs?: number;
  /** Copies of ORDERS in a cluster (3 for a 3-node cluster); default 1. */
  replicas?: number;
  /** The market-data coalescing window (ms); default GATEWAY_COALESCE_MS. */
  coalesceMs?: number;
  statusMs?: number;
}

export interface GatewayService {
  readonly gatewayId: string;
  readonly startedAt: number;
  readonly nc: NatsConnection;
  readonly fanout: MarketFanout;
  readonly orders: OrderStream;
  readonly consoles: ConsoleRegistry;
  readonly commands: CommandService;
  /** Tells consoles it is going, stops serving, waits for the order stream; the core is the caller's. */
  close(): Promise<void>;
}

function encode(v: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(v));
}

export async function serveGateway(o: GatewayServiceOptions): Promise<GatewayService> {
  const { app } = o.core;
  const log: Logger = o.core.log.child('gateway');
  const gatewayId = randomUUID();
  const startedAt = Date.now();
  const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
  const nc = await connectNats({ ...o.nats, name: o.nats.name ?? `switchboard-gateway ${gatewayId}` });
  log.info(`connected to NATS ${describeServers(o.nats)} as gateway ${gatewayId}`);
  const closers: (() => Promise<void> | void)[] = [() => nc.drain().catch(() => nc.close())];
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        log.warn('gateway shutdown step failed', err);
      }
    }
  };
  try {
    const publish = (subject: string, v: unknown): void => {
      try {
        nc.publish(subject, encode(v));
      } catch (err) {
        log.warn(`not published on ${subject}`, err);
      }
    };
    const fanout = new MarketFanout({
      hub: app.hub,
      gatewayId,
      publish,
      log: log.child('md'),
      intervalMs: o.coalesceMs ?? GATEWAY_COALESCE_MS,
    });
    closers.push(() => fanout.close());
    const orders = new OrderStream({
      js: jetstream(nc),
      // No API check here: OrderStream.start's first request retries, so a cluster still electing
      // leaders (a node just lost) delays the start instead of failing it.
      jsm: await jetstreamManager(nc, { checkAPI: false }),
      hub: app.hub,
      gatewayId,
      log: log.child('orders'),
      ...(o.replicas === undefined ? {} : { replicas: o.replicas }),
    });
    await orders.start();
    closers.push(() => orders.close());
    const consoles = new ConsoleRegistry({
      fanout,
      leaseMs,
      log: log.child('consoles'),
      deps: {
        hub: app.hub,
        modes: app.modes,
        inspector: app.inspector,
        recording: app.recorder,
        version: app.version,
        notices: o.core.notices,
        // No metrics: these sessions push nothing (consoles get data over NATS), so they have no batches to count.
        log: log.child('bridge'),
        ...(app.alerts ? { alerts: app.alerts } : {}),
      },
    });
    closers.push(() => consoles.close());
    const commands = new CommandService({ nc, consoles, log: log.child('commands') });
    commands.start();
    closers.push(() => commands.close());

    const hello = (stopping = false): GatewayHello => ({
      gatewayId,
      version: app.version,
      contract: CONTRACT_VERSION,
      startedAt,
      orderSeq: orders.lastSeq,
      leaseMs,
      ...(stopping ? { stopping: true as const } : {}),
    });
    // Closing runs last-in first-out: broadcasts and answers stop first, then consoles hear the
    // gateway is going, so nothing it sends afterwards makes them think it came back.
    closers.push(async () => {
      publish(EVENTS.hello, hello(true));
      await nc.flush().catch(() => undefined);
    });
    const subs: Subscription[] = [];
    const control = (subject: string, answer: (data: Uint8Array) => unknown): void => {
      subs.push(
        nc.subscribe(subject, {
          callback: (err, msg) => {
            if (err) return log.error(`subscription ${subject} failed`, err);
            let reply: unknown;
            try {
              reply = answer(msg.data);
            } catch (e) {
              log.warn(`${subject} refused`, e);
              reply = { ok: false, code: 'bad-request', message: e instanceof Error ? e.message : 'refused' };
            }
            if (msg.reply) msg.respond(encode(reply));
          },
        }),
      );
    };
    control(CONTROL.hello, (data) => {
      const d = decodeConsoleHello(data);
      if (!d.ok) throw new Error(`unreadable hello: ${d.error}`);
      consoles.touch(d.value.consoleId);
      return hello();
    });
    control(CONTROL.lease, (data): LeaseReply => {
      const d = decodeConsoleLease(data);
      if (!d.ok) throw new Error(`unreadable lease: ${d.error}`);
      consoles.lease(d.value.consoleId, d.value.candles, d.value.markets);
      return { gatewayId, leaseMs };
    });
    control(CONTROL.snapshot, (data): SnapshotReply => {
      const d = decodeSnapshotRequest(data);
      if (!d.ok) throw new Error(`unreadable snapshot request: ${d.error}`);
      return { gatewayId, ...fanout.snapshot(d.value.candles, d.value.markets) };
    });
    control(CONTROL.bye, (data) => {
      const d = decodeBye(data);
      if (!d.ok) throw new Error(`unreadable goodbye: ${d.error}`);
      consoles.release(d.value.consoleId, 'it left');
      return { ok: true };
    });
    closers.push(() => {
      for (const s of subs.splice(0)) s.unsubscribe();
    });

    // Broadcasts: every venue connection change, ledger changes, fired alerts, and once a second the whole picture.
    const unlisten = app.hub.on({
      connection: (e) => publish(EVENTS.connection, e),
      ledger: () => publish(EVENTS.ledger, { gatewayId }),
    });
    closers.push(unlisten);
    const unlistenAlerts = app.alerts?.on((a) => publish(EVENTS.alert, a));
    if (unlistenAlerts) closers.push(unlistenAlerts);
    const status = (): GatewayStatus => ({
      gatewayId,
      at: Date.now(),
      summaries: app.hub.summaries(),
      diagnostics: app.hub.diagnostics.snapshot(),
      orderSeq: orders.lastSeq,
      consoles: consoles.count,
    });
    const timer = setInterval(() => publish(EVENTS.status, status()), o.statusMs ?? STATUS_INTERVAL_MS);
    timer.unref?.();
    closers.push(() => clearInterval(timer));
    // Consoles that were attached to a previous run re-lease and re-snapshot when they hear this.
    publish(EVENTS.hello, hello());
    log.info(`serving consoles; ORDERS at seq ${orders.lastSeq}`);
    return { gatewayId, startedAt, nc, fanout, orders, consoles, commands, close };
  } catch (err) {
    await close();
    throw err;
  }
}
