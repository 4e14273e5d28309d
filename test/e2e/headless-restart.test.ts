/**
 * Headless mode across restarts, in Debian Chromium: the app comes back on the same port
 * (so the same origin and saved workspace) with the token kept in its data folder, and the
 * tab left open — never reloaded by the test — reconnects by itself and goes live again. Then
 * a restart with a new token: the same tab says its token is no longer valid and stops.
 * Needs `npm run build:renderer` first.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page, type WebSocket as PageSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../electron/core/log.js';
import { ROOT_DIR, startHeadless, type Headless } from '../../electron/headless.js';
import { startKrakenSim, type KrakenSim } from '../../sim/kraken/server.js';
import { krakenReadyLine, tinvestReadyLine } from '../../sim/ready-lines.js';
import { startTInvestSim, type TInvestSim } from '../../sim/tinvest/server.js';
import { RecordingSecretStore } from './recording-secret-store.js';
import { PATIENCE_MS, Workspace, requireChromium, until } from './workspace-page.js';

/** The tab's words for a refused token (renderer/components/AppNotices.tsx), as the trader reads them. */
const TOKEN_REFUSED_TEXT = "This tab's access token is no longer valid — the app was restarted with a new token. Open the address the app printed.";

/** A port free right now: the app is then started on it as on a fixed one. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

interface SocketTraffic {
  /** Series (venue|instrument|interval) a chart asked history of: only charts do. */
  charted: Set<string>;
  /** Series candles arrived for. */
  candles: Set<string>;
}

type Key = { venue: string; instrumentId: string; interval: string };
const keyOf = (k: Key): string => `${k.venue}|${k.instrumentId}|${k.interval}`;

/** What each socket of the page carried, in the order the page opened them. */
function trafficBySocket(page: Page): SocketTraffic[] {
  const all: SocketTraffic[] = [];
  page.on('websocket', (ws: PageSocket) => {
    const t: SocketTraffic = { charted: new Set(), candles: new Set() };
    all.push(t);
    ws.on('framesent', ({ payload }) => {
      if (typeof payload !== 'string') return;
      const frame = JSON.parse(payload) as { method?: string; params?: Key };
      if (frame.method === 'candles.history' && frame.params) t.charted.add(keyOf(frame.params));
    });
    ws.on('framereceived', ({ payload }) => {
      if (typeof payload !== 'string') return;
      const frame = JSON.parse(payload) as { topic?: string; payload?: { candles?: Key[] } };
      if (frame.topic === 'batch') for (const c of frame.payload?.candles ?? []) t.candles.add(keyOf(c));
    });
  });
  return all;
}

describe('headless restarts in Chromium', () => {
  let tinvest: TInvestSim | undefined;
  let kraken: KrakenSim | undefined;
  let app: Headless | undefined;
  let browser: Browser | undefined;
  let dataDir: string;
  let port: number;
  let page: Page;
  let w: Workspace;
  let secrets: RecordingSecretStore;
  let sockets: SocketTraffic[];
  const loads: string[] = [];
  const problems: string[] = [];

  const start = async (newToken = false): Promise<Headless> =>
    startHeadless({ port, newToken, demoLines: [tinvestReadyLine(tinvest!), krakenReadyLine(kraken!)], dataDir, secretStore: secrets, log: silentLogger });
  const link = () => page.getByRole('status', { name: 'Bridge link' });
  const chartNames = async () => page.getByRole('region', { name: /^Chart \d: / }).evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  /** Symbol and venue of each watched instrument, in order. */
  const watched = async () =>
    (await page.getByRole('list', { name: 'Watched instruments' }).getByRole('button', { name: /^(?!Remove )/ }).allInnerTexts()).map((t) => t.trim());

  beforeAll(async () => {
    requireChromium();
    if (!existsSync(path.join(ROOT_DIR, 'renderer', 'dist', 'index.html'))) throw new Error('no renderer build: run `npm run build:renderer` first');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'sb-restart-'));
    port = await freePort();
    tinvest = await startTInvestSim({ seed: 9 });
    kraken = await startKrakenSim({ seed: 9 });
    secrets = new RecordingSecretStore();
    app = await start();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.on('load', () => loads.push(page.url()));
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    sockets = trafficBySocket(page);
    w = new Workspace(page);
    await page.goto(app.url);
    await w.waitForCharts(['SBER', 'BTC/USD']);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await tinvest?.close();
    await kraken?.close();
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('A headless restart keeps a 4-chart layout and the watchlist, and the open tab reconnects by itself', async () => {
    await page.getByRole('radiogroup', { name: 'Chart layout' }).getByRole('radio', { name: '4 charts' }).click();
    await expect.poll(() => page.getByRole('region', { name: /^Chart \d: / }).count()).toBe(4);
    const before = await watched();
    expect(before).not.toContain('LKOH T-Invest');
    await page.getByRole('combobox', { name: 'Add to watchlist' }).fill('LKOH');
    await page.getByRole('listbox', { name: 'Instruments to watch' }).getByRole('option', { name: /LKOH/ }).first().click();
    await expect.poll(watched).toEqual([...before, 'LKOH T-Invest']);
    // The credentials panel in demo mode with nothing stored: the keyring is not asked.
    await w.tab('Connections');
    await expect.poll(() => page.getByRole('status', { name: 'T-Invest credentials status' }).textContent(), { timeout: PATIENCE_MS }).toMatch(/\S/);
    expect(secrets.calls).toEqual([]);
    const charts = await chartNames();
    const list = await watched();
    expect(charts).toHaveLength(4);
    await page.evaluate('window.__sameTab = "never reloaded"');
    const token = app!.token;

    await app!.close();
    app = undefined;
    await expect.poll(() => link().textContent(), { timeout: PATIENCE_MS }).toMatch(/reconnecting/);
    const socketsBefore = sockets.length;

    app = await start();
    expect(app.token).toBe(token);
    expect(app.port).toBe(port);
    await expect.poll(() => link().textContent(), { timeout: PATIENCE_MS }).toBe('Bridge (websocket): open');

    expect(await page.evaluate('window.__sameTab')).toBe('never reloaded');
    expect(loads).toHaveLength(1);
    expect(await chartNames()).toEqual(charts);
    expect(await watched()).toEqual(list);
    // Live again: over the socket that reconnected, every chart asked for its series again and candles of each came.
    const distinctCharts = new Set(charts.map((c) => c!.replace(/^Chart \d: /, ''))).size;
    await until('candles of every chart over the new socket', async () => {
      const live = sockets.slice(socketsBefore).find((t) => t.charted.size >= distinctCharts && [...t.charted].every((k) => t.candles.has(k)));
      return live ? true : undefined;
    });
    // And the saved workspace belongs to the origin, which the fixed port kept: a new tab gets it too.
    const second = await page.context().newPage();
    await second.goto(app.url);
    await expect.poll(() => second.getByRole('region', { name: /^Chart \d: / }).evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))), { timeout: PATIENCE_MS }).toEqual(charts);
    await second.close();
    await expect.poll(() => page.getByRole('status', { name: 'T-Invest state' }).textContent(), { timeout: PATIENCE_MS }).toBe('live');
    await expect.poll(() => page.getByRole('status', { name: 'Kraken state' }).textContent(), { timeout: PATIENCE_MS }).toBe('live');
    expect(secrets.calls).toEqual([]);
    expect(problems).toEqual([]);
  }, 180_000);

  it('A tab holding a stale token says so plainly and stops retrying after a restart with --new-token', async () => {
    await expect.poll(() => link().textContent(), { timeout: PATIENCE_MS }).toBe('Bridge (websocket): open');
    const old = app!.token;
    await app!.close();
    app = undefined;
    app = await start(true);
    expect(app.token).not.toBe(old);
    const alert = page.getByRole('alert').filter({ hasText: TOKEN_REFUSED_TEXT });
    await alert.waitFor({ timeout: PATIENCE_MS });
    expect(await link().textContent()).toBe('Bridge (websocket): refused');
    expect(await page.evaluate('window.__sameTab')).toBe('never reloaded');
    expect(loads).toHaveLength(1);
    // The new address works: the token the app printed opens the workspace again.
    const fresh = await browser!.newPage();
    await fresh.goto(app.url);
    await new Workspace(fresh).chart(1).waitFor({ timeout: PATIENCE_MS });
    await fresh.close();
  }, 180_000);
});
