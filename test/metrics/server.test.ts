/**
 * The metrics endpoint stays on loopback unless told otherwise, in so many words: a public
 * address is refused before anything listens (by startMetricsServer and by the headless
 * flags), and an address that is not HOST:PORT is refused with the form it wants.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HeadlessUsageError, runHeadlessCli } from '../../electron/headless.js';
import { AppMetrics, batchItems, standardNaN, wantsOpenMetrics } from '../../electron/metrics/app-metrics.js';
import { MetricsAddressError, MetricsListenError, checkMetricsHost, isLoopbackHost, parseMetricsAddress, startMetricsServer } from '../../electron/metrics/server.js';
import type { MetricsServer } from '../../electron/metrics/server.js';
import { MetricsServerSwitch } from '../../electron/metrics/server-switch.js';
import { loadMetricsSettings } from '../../electron/app/metrics-settings.js';
import { AckLatency } from '../../electron/core/ack-latency.js';

const servers: MetricsServer[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const c of closers.splice(0)) await c();
});

const metrics = (): AppMetrics => new AppMetrics({ diagnostics: () => [], ackLatency: new AckLatency(), version: 'test' }, { processMetrics: false });

describe('the metrics address', () => {
  it('knows loopback addresses from the rest', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.5', '10.0.0.1', 'example.com', '128.0.0.1', '::ffff:10.0.0.1', '']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('refuses a public host without the explicit flag, and allows it with', () => {
    expect(() => checkMetricsHost('0.0.0.0', false)).toThrow(MetricsAddressError);
    expect(() => checkMetricsHost('0.0.0.0', false)).toThrow(/--metrics-public/);
    expect(() => checkMetricsHost('0.0.0.0', true)).not.toThrow();
    expect(() => checkMetricsHost('127.0.0.1', false)).not.toThrow();
  });

  it('reads HOST:PORT, IPv6 in brackets, and refuses anything else', () => {
    expect(parseMetricsAddress('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseMetricsAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseMetricsAddress('localhost:9100')).toEqual({ host: 'localhost', port: 9100 });
    for (const bad of ['9464', '127.0.0.1', ':9464', '127.0.0.1:', '127.0.0.1:99999', '::1:9464', 'host:port', '127.0.0.1:94 64']) {
      expect(() => parseMetricsAddress(bad), bad).toThrow(MetricsAddressError);
    }
  });

  it('startMetricsServer refuses a public host before it listens', async () => {
    await expect(startMetricsServer({ metrics: metrics(), host: '0.0.0.0', port: 0 })).rejects.toThrow(MetricsAddressError);
  });

  it('headless refuses --metrics on a public host without --metrics-public, and --metrics-public alone, before starting anything', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-metrics-cli-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const args = ['--data-dir', dir, '--port', '0'];
    await expect(runHeadlessCli([...args, '--metrics', '0.0.0.0:9464'])).rejects.toThrow(HeadlessUsageError);
    await expect(runHeadlessCli([...args, '--metrics', '0.0.0.0:9464'])).rejects.toThrow(/loopback only.*--metrics-public/);
    await expect(runHeadlessCli([...args, '--metrics', 'nine'])).rejects.toThrow(/HOST:PORT/);
    await expect(runHeadlessCli([...args, '--metrics-public'])).rejects.toThrow(/goes with --metrics/);
  });
});

describe('the metrics server', () => {
  it('serves OpenMetrics by default and the Prometheus text format to a client that asks only for it; 404 elsewhere', async () => {
    const s = await startMetricsServer({ metrics: metrics(), host: '127.0.0.1', port: 0 });
    servers.push(s);
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/metrics`);
    const om = await fetch(s.url);
    expect(om.headers.get('content-type')).toContain('application/openmetrics-text');
    expect(await om.text()).toMatch(/switchboard_info\{version="test"\} 1\n[\s\S]*# EOF\n$/);
    const prom = await fetch(s.url, { headers: { accept: 'text/plain;version=0.0.4' } });
    expect(prom.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(await prom.text()).not.toContain('# EOF');
    expect((await fetch(`http://127.0.0.1:${s.port}/`)).status).toBe(404);
    expect((await fetch(s.url, { method: 'POST' })).status).toBe(405);
  });

  it('says the port is in use in one line', async () => {
    const s = await startMetricsServer({ metrics: metrics(), host: '127.0.0.1', port: 0 });
    servers.push(s);
    await expect(startMetricsServer({ metrics: metrics(), host: '127.0.0.1', port: s.port })).rejects.toThrow(MetricsListenError);
    await expect(startMetricsServer({ metrics: metrics(), host: '127.0.0.1', port: s.port })).rejects.toThrow(/is in use/);
  });

  it('negotiates like Prometheus: OpenMetrics when asked or when anything goes', () => {
    expect(wantsOpenMetrics(undefined)).toBe(true);
    expect(wantsOpenMetrics('*/*')).toBe(true);
    expect(wantsOpenMetrics('application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3')).toBe(true);
    expect(wantsOpenMetrics('text/plain;version=0.0.4')).toBe(false);
  });

  it('spells NaN as both text formats define it, whatever prom-client wrote', () => {
    expect(standardNaN('a 1\nnodejs_eventloop_lag_mean_seconds Nan\nb{x="Nan"} 2\n')).toBe('a 1\nnodejs_eventloop_lag_mean_seconds NaN\nb{x="Nan"} 2\n');
  });

  it('counts every kind of item of a push batch', () => {
    expect(batchItems({ seq: 1, candles: [], orders: [], connections: [] })).toBe(0);
    const one = [{}] as never[];
    expect(batchItems({ seq: 1, candles: one, orders: one, connections: one, subscriptionFailures: one, ledger: true, books: one, trades: one, quotes: one, marketFailures: one })).toBe(9);
  });
});

describe('the desktop setting', () => {
  it('starts and stops the endpoint on loopback, keeps the choice across restarts, and reports a taken port instead of failing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-metrics-set-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'metrics-settings.json');
    const m = metrics();
    const sw = new MetricsServerSwitch(m, await loadMetricsSettings(file));
    closers.push(() => sw.close());
    expect(await sw.start()).toEqual({ source: 'setting', enabled: false, port: 9464 });
    // A free port found by listening on 0 first.
    const probe = await startMetricsServer({ metrics: m, host: '127.0.0.1', port: 0 });
    const port = probe.port;
    await probe.close();
    const on = await sw.set({ enabled: true, port });
    expect(on).toEqual({ source: 'setting', enabled: true, port, url: `http://127.0.0.1:${port}/metrics` });
    expect((await fetch(on.url!)).status).toBe(200);
    const off = await sw.set({ enabled: false, port });
    expect(off.url).toBeUndefined();
    await expect(fetch(on.url!)).rejects.toThrow();
    // Kept: a new app reads it.
    await sw.set({ enabled: true, port });
    await sw.close();
    const again = new MetricsServerSwitch(m, await loadMetricsSettings(file));
    closers.push(() => again.close());
    expect((await again.start()).url).toBe(on.url);
    // The same port wanted by a second app: told, not thrown.
    const third = new MetricsServerSwitch(m, await loadMetricsSettings(file));
    closers.push(() => third.close());
    const taken = await third.start();
    expect(taken.url).toBeUndefined();
    expect(taken.error).toMatch(/is in use/);
  });
});
