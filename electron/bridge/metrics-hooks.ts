/**
 * What the bridge tells the metrics, and the metrics server switch it exposes: interfaces
 * only, so the bridge does not depend on the metrics library (electron/metrics implements them).
 */
import type { MetricsServerStatus, ParsedRequest, PushBatch } from '../contract.js';

export type BridgeTransport = 'ipc' | 'websocket' | 'nats';

export interface BridgeMetrics {
  /** A push batch went to a client (items counted there, off the batching path). */
  batchSent(transport: BridgeTransport, batch: PushBatch): void;
  /** A renderer's tick-to-screen report, already validated by the contract. */
  rendererReport(report: ParsedRequest<'perf.report'>): void;
}

/** Starts and stops the metrics endpoint on the trader's word (desktop), or says who fixed it (headless). */
export interface MetricsServerControl {
  status(): MetricsServerStatus;
  set(req: ParsedRequest<'metricsServer.set'>): Promise<MetricsServerStatus>;
}
