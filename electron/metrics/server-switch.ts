/**
 * The metrics endpoint as the bridge sees it (MetricsServerControl): in the desktop app the
 * trader's setting starts and stops it on loopback; in headless mode --metrics fixed it for
 * the run and the window can only read where it is.
 */
import type { MetricsServerStatus } from '../contract.js';
import type { MetricsServerControl } from '../bridge/metrics-hooks.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import { HubError } from '../core/hub-error.js';
import type { MetricsServer, MetricsSource } from './server.js';
import { startMetricsServer } from './server.js';

/** Where the setting is kept (electron/app/metrics-settings.ts). */
export interface MetricsSettingStore {
  get(): { enabled: boolean; port: number };
  set(s: { enabled: boolean; port: number }): Promise<{ enabled: boolean; port: number }>;
}

export const LOOPBACK = '127.0.0.1';

export class MetricsServerSwitch implements MetricsServerControl {
  private server: MetricsServer | undefined;
  private error: string | undefined;
  /** One change at a time: a second toggle waits for the first server to listen or close. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly metrics: MetricsSource,
    private readonly settings: MetricsSettingStore,
    private readonly log: Logger = silentLogger,
  ) {}

  /** Serves what the stored setting says (app start); a port in use is reported, not thrown. */
  start(): Promise<MetricsServerStatus> {
    return this.apply(this.settings.get());
  }

  status(): MetricsServerStatus {
    const s = this.settings.get();
    const out: MetricsServerStatus = { source: 'setting', enabled: s.enabled, port: s.port };
    if (this.server) out.url = this.server.url;
    if (this.error !== undefined) out.error = this.error;
    return out;
  }

  async set(req: { enabled: boolean; port: number }): Promise<MetricsServerStatus> {
    await this.settings.set({ enabled: req.enabled, port: req.port });
    return this.apply(req);
  }

  close(): Promise<void> {
    const run = this.queue.then(() => this.stop());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private apply(want: { enabled: boolean; port: number }): Promise<MetricsServerStatus> {
    const run = this.queue.then(async () => {
      if (this.server && (!want.enabled || this.server.port !== want.port)) await this.stop();
      this.error = undefined;
      if (want.enabled && !this.server) {
        try {
          this.server = await startMetricsServer({ metrics: this.metrics, host: LOOPBACK, port: want.port, log: this.log });
        } catch (err) {
          this.error = err instanceof Error ? err.message : String(err);
          this.log.warn('the metrics endpoint could not start', err);
        }
      }
      return this.status();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await s.close();
  }
}

/** Headless: --metrics decided it (or nothing did); the window reads it, cannot change it. */
export function fixedMetricsServer(server: MetricsServer | undefined): MetricsServerControl {
  const status = (): MetricsServerStatus =>
    server ? { source: 'flag', enabled: true, port: server.port, url: server.url } : { source: 'flag', enabled: false, error: 'start headless mode with --metrics HOST:PORT to serve metrics' };
  return {
    status,
    set: () => Promise.reject(new HubError('invalid', 'headless mode serves metrics as --metrics HOST:PORT says; restart it with another flag to change that')),
  };
}
