/**
 * The desktop app's "serve metrics" choice, kept across restarts in a small file of the data
 * folder: on or off, and the loopback port. The host is never the trader's to set from the
 * window: the endpoint stays on 127.0.0.1 (headless --metrics-public is the only way out).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import { replaceFile } from '../core/replace-file.js';
import type { Hub } from '../core/hub.js';
import { AppMetrics } from '../metrics/app-metrics.js';
import { MetricsServerSwitch } from '../metrics/server-switch.js';

export const METRICS_SETTINGS_FILE = 'metrics-settings.json';
/** The port of prom-client's examples and the OpenTelemetry Prometheus exporter: what scrape configs expect. */
export const DEFAULT_METRICS_PORT = 9464;

export interface MetricsSetting {
  enabled: boolean;
  port: number;
}

const fileSchema = z.object({ v: z.literal(1), enabled: z.boolean(), port: z.number().int().min(1024).max(65_535) }).strict();

export interface MetricsSettingsFile {
  get(): MetricsSetting;
  /** Written whole, one write at a time; the state changes only once the file holds it. */
  set(s: MetricsSetting): Promise<MetricsSetting>;
}

/** Reads the file once; missing or unreadable (logged) means off on the default port. */
export async function loadMetricsSettings(file: string, log: Logger = silentLogger): Promise<MetricsSettingsFile> {
  let state: MetricsSetting = { enabled: false, port: DEFAULT_METRICS_PORT };
  try {
    const parsed = fileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (parsed.success) state = { enabled: parsed.data.enabled, port: parsed.data.port };
    else log.warn(`ignoring ${file}: not metrics settings; metrics are off`);
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'ENOENT')) log.warn(`ignoring ${file}; metrics are off`, err);
  }
  let queue: Promise<unknown> = Promise.resolve();
  return {
    get: () => ({ ...state }),
    set: (s) => {
      const run = queue.then(async () => {
        await replaceFile(file, `${JSON.stringify({ v: 1, enabled: s.enabled, port: s.port })}\n`, 0o600);
        state = { enabled: s.enabled, port: s.port };
        return { ...state };
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

/** The desktop app's metrics: the registry, and the endpoint its setting starts (on loopback) and stops. */
export interface DesktopMetrics {
  metrics: AppMetrics;
  control: MetricsServerSwitch;
  close(): Promise<void>;
}

/** Reads the setting and serves it; a taken port is reported through the control, not thrown. */
export async function startDesktopMetrics(opts: { hub: Hub; version: string; dataDir: string; log?: Logger }): Promise<DesktopMetrics> {
  const log = opts.log ?? silentLogger;
  const metrics = new AppMetrics({ diagnostics: () => opts.hub.diagnostics.snapshot(), ackLatency: opts.hub.journal.ackLatency, version: opts.version });
  const control = new MetricsServerSwitch(metrics, await loadMetricsSettings(path.join(opts.dataDir, METRICS_SETTINGS_FILE), log), log);
  await control.start();
  return { metrics, control, close: () => control.close() };
}
