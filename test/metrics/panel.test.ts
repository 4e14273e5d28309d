/**
 * What the trader sees of issue 13's metrics, in Chromium against the headless app on the
 * local Kraken venue with --metrics on: the diagnostics panel's acknowledgement table fills in
 * once orders and cancels were sent (per venue, request kind and order type, with p50, p99 and
 * the count), and Settings says where the endpoint is. The page's own tick-to-screen reports
 * reach the endpoint once its chart draws.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mul, nearestSteps } from '../../common/decimal.js';
import { silentLogger } from '../../electron/core/log.js';
import { ROOT_DIR, startHeadless, type Headless } from '../../electron/headless.js';
import { startKrakenSim, type KrakenSim } from '../../sim/kraken/server.js';
import { krakenReadyLine } from '../../sim/ready-lines.js';
import { BridgeClient } from '../bridge/bridge-client.js';
import { MemorySecretStore } from '../e2e/memory-secret-store.js';
import { PATIENCE_MS, Workspace, requireChromium, until } from '../e2e/workspace-page.js';

const CHROMIUM = '/usr/bin/chromium';
const ORDERS = 3;

let tmp: string;
let kraken: KrakenSim;
let app: Headless;
let browser: Browser;
let page: Page;
let client: BridgeClient;

beforeAll(async () => {
  requireChromium();
  if (!existsSync(path.join(ROOT_DIR, 'renderer', 'dist', 'index.html'))) throw new Error('no renderer build: run `npm run build:renderer` first');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'switchboard-e2e-metrics-'));
  kraken = await startKrakenSim({ seed: 7 });
  app = await startHeadless({
    port: 0,
    demoLines: [krakenReadyLine(kraken)],
    stateDir: tmp,
    dataDir: tmp,
    secretStore: new MemorySecretStore(),
    log: silentLogger,
    metrics: { host: '127.0.0.1', port: 0 },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  await page.goto(app.url);
  client = await BridgeClient.open(new URL(app.url));
}, 120_000);

afterAll(async () => {
  client?.close();
  await browser?.close();
  await app?.close();
  await kraken?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('metrics in the window', () => {
  it('shows acknowledgement latency per venue, request kind and order type once orders were sent', async () => {
    const w = new Workspace(page);
    await w.tab('Diagnostics');
    const card = page.getByRole('article', { name: 'Order acknowledgement latency' });
    await card.waitFor({ timeout: PATIENCE_MS });
    expect(await card.textContent()).toContain('No order, amend or cancel sent yet.');

    await client.value('venues.connect', { venue: 'kraken' });
    const pair = (await client.value('instruments.search', { venue: 'kraken', query: 'BTC', limit: 1 }))[0]!;
    const bars = await client.value('candles.history', { venue: 'kraken', instrumentId: pair.id, interval: '1m', limit: 1 });
    const price = nearestSteps(mul(bars.at(-1)!.close, '0.9'), pair.priceStep).down;
    for (let i = 0; i < ORDERS; i++) {
      const o = await client.value('orders.place', { venue: 'kraken', accountId: 'spot', instrumentId: pair.id, side: 'buy', type: 'limit', quantity: pair.minQty, price, clientOrderId: randomUUID() });
      await client.value('orders.cancel', { venue: 'kraken', accountId: 'spot', clientOrderId: o.clientOrderId });
    }
    const rows = card.getByRole('row');
    const text = await until('both rows in the table', async () => {
      const all = await rows.allTextContents();
      return all.some((r) => r.startsWith('Krakenplacelimit')) && all.some((r) => r.startsWith('Krakencancellimit')) ? all : undefined;
    });
    for (const kind of ['place', 'cancel']) {
      const row = text.find((r) => r.startsWith(`Kraken${kind}limit`))!;
      // p50 and p99 in ms or s, then the count.
      expect(row).toMatch(new RegExp(`^Kraken${kind}limit[\\d.]+ m?s[\\d.]+ m?s${ORDERS}$`));
    }
  }, 180_000);

  it("reports the page's tick-to-screen samples to the endpoint", async () => {
    // The default workspace charts a Kraken pair: its ticks are timed and reported every 5 s.
    const count = await until('a tick-to-screen report to reach the endpoint', async () => {
      const text = await (await fetch(app.metricsUrl!, { headers: { accept: 'text/plain; version=0.0.4' } })).text();
      const n = Number(/^switchboard_renderer_tick_to_screen_seconds_count (\S+)$/m.exec(text)?.[1] ?? '0');
      return n > 0 ? n : undefined;
    });
    expect(count).toBeGreaterThan(0);
  }, 120_000);

  it('says in Settings where the endpoint is, which the --metrics flag decided', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await until('the metrics row', async () => ((await settings.textContent())?.includes(`served at ${app.metricsUrl} (--metrics)`) ? true : undefined));
    await page.keyboard.press('Escape');
  }, 60_000);
});
