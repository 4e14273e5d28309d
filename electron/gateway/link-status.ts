/**
 * The console's link to its gateway as the diagnostics panel shows it. Node-free: the bridge
 * contract carries it (method `gateway.link`).
 */
import type { StateChange } from '../../common/domain.js';

/**
 * What a console tells its renderer about its link (bridge method `gateway.link`); null in an app
 * with a core of its own.
 */
export interface GatewayLinkStatus {
  /** The NATS server(s), without credentials. */
  servers: string[];
  /** The NATS user this console authenticates as, when it uses one. */
  user?: string;
  state: StateChange['state'];
  timeline: StateChange[];
  /** Round trip of the last NATS ping (ms). */
  rttMs?: number;
  /** The gateway answering now, and when it started. */
  gatewayId?: string;
  gatewayStartedAt?: number;
  /** ORDERS: the last sequence this console applied, and the gateway's last published. */
  replaySeq: number;
  streamSeq?: number;
  /** Order events applied, and repeats skipped. */
  orderEvents: number;
  duplicateOrderEvents: number;
  /** Market-data messages received, gaps seen (each healed by a snapshot), and snapshots asked. */
  marketMessages: number;
  gaps: number;
  snapshots: number;
  /** Messages from NATS that failed their check and were skipped. */
  malformed: number;
  reconnects: number;
  /** Keys this console leases from the gateway now. */
  leasedKeys: number;
  lastError?: string;
}
