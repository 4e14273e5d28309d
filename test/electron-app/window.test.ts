/**
 * The desktop app's window, locked down and live: the real Electron binary on the built main
 * process, its own demo venues in a utility process, the renderer over IPC. Run by
 * `npm run test:electron` (builds first); `npm test` says in one line when it could not run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../electron/bridge/csp.js';
import { cmp, dec } from '../../common/decimal.js';
import { PATIENCE_MS, until, type Workspace } from '../e2e/workspace-page.js';
import { launchDesktop, type Desktop } from './electron-app.js';
import { startSecretService, type SecretService } from './secret-service.js';

const START_URL = 'app://switchboard/index.html';

/** What the test reads of the window's settings as Electron applied them. */
interface LastWebPreferences {
  sandbox?: boolean;
  contextIsolation?: boolean;
  nodeIntegration?: boolean;
  nodeIntegrationInSubFrames?: boolean;
  webSecurity?: boolean;
  webviewTag?: boolean;
}

/**
 * Records, in the main process, what happens to navigations of the window to `url`: the
 * attempt (will-navigate) and how it ended (did-navigate, or a failed or cancelled load).
 */
async function watchNavigations(d: Desktop): Promise<void> {
  await d.app.evaluate(({ BrowserWindow }) => {
    const wc = BrowserWindow.getAllWindows()[0]?.webContents;
    if (!wc) throw new Error('no window');
    const seen: { event: string; url: string; code?: number }[] = [];
    (globalThis as unknown as { __navigations: typeof seen }).__navigations = seen;
    wc.on('will-navigate', (e) => seen.push({ event: 'will-navigate', url: e.url }));
    wc.on('did-navigate', (_e, url) => seen.push({ event: 'did-navigate', url }));
    wc.on('did-fail-provisional-load', (_e, code, _d, url, isMainFrame) => {
      if (isMainFrame) seen.push({ event: 'did-fail-provisional-load', url, code });
    });
    wc.on('did-fail-load', (_e, code, _d, url, isMainFrame) => {
      if (isMainFrame) seen.push({ event: 'did-fail-load', url, code });
    });
  });
}

/** Waits, bounded, until chart 1's last candle is shown and then changes: the chart is live. */
async function lastCandleChanges(w: Workspace): Promise<void> {
  const last = w.chart(1).getByRole('status', { name: 'Last candle' });
  const isCandle = (t: string | null): t is string => t !== null && /^Last: O \S+ H \S+ L \S+ C \S+ V \S+ at .+/.test(t);
  const first = await until('a candle on chart 1', async () => {
    const t = await last.textContent();
    return isCandle(t) ? t : undefined;
  });
  await until('the last candle on chart 1 to change', async () => {
    const t = await last.textContent();
    return isCandle(t) && t !== first ? t : undefined;
  });
}

function navigations(d: Desktop): Promise<{ event: string; url: string; code?: number }[]> {
  return d.app.evaluate(() => [...(globalThis as unknown as { __navigations: { event: string; url: string; code?: number }[] }).__navigations]);
}

describe('the Electron app window', () => {
  let keyring: SecretService | undefined;
  let dataDir: string | undefined;
  let d: Desktop | undefined;

  beforeAll(async () => {
    keyring = await startSecretService();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-electron-'));
    d = await launchDesktop({ dataDir, env: keyring.env });
    await d.w.waitForCharts(['SBER', 'BTC/USD']);
  }, 240_000);

  afterAll(async () => {
    await d?.close();
    await keyring?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('opens one window with the sandbox and context isolation on and Node off', async () => {
    const prefs = await d!.app.evaluate(({ BrowserWindow }) => {
      const wins = BrowserWindow.getAllWindows();
      // Electron has it at run time (its own specs use it) but leaves it out of electron.d.ts.
      const contents = wins[0]?.webContents as unknown as { getLastWebPreferences?: () => LastWebPreferences | null } | undefined;
      if (typeof contents?.getLastWebPreferences !== 'function') throw new Error('webContents.getLastWebPreferences is missing');
      const p = contents.getLastWebPreferences();
      return {
        windows: wins.length,
        sandbox: p?.sandbox,
        contextIsolation: p?.contextIsolation,
        nodeIntegration: p?.nodeIntegration,
        nodeIntegrationInSubFrames: p?.nodeIntegrationInSubFrames,
        webSecurity: p?.webSecurity,
        webviewTag: p?.webviewTag,
      };
    });
    expect(prefs).toEqual({
      windows: 1,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(d!.page.url()).toBe(START_URL);
    // The page's own world has no Node and sees only the preload's two functions.
    const world = await d!.page.evaluate(`({
      require: typeof require,
      process: typeof process,
      bridge: Object.keys(window.switchboard ?? {}).sort(),
    })`);
    expect(world).toEqual({ require: 'undefined', process: 'undefined', bridge: ['invoke', 'subscribe'] });
  });

  it('keeps the chart live over IPC from the demo venues the app started itself', async () => {
    const { page, w } = d!;
    const info = await page.evaluate(`window.switchboard.invoke('app.info', {})`);
    expect(info).toMatchObject({ ok: true, value: { transport: 'ipc' } });
    // The demo venues started (no notice that they could not).
    expect((info as { value: { notices?: string[] } }).value.notices ?? []).toEqual([]);
    await lastCandleChanges(w);
    await w.tab('Connections');
    for (const venue of ['T-Invest', 'Kraken']) {
      await expect.poll(() => page.getByRole('status', { name: `${venue} state` }).textContent(), { timeout: PATIENCE_MS }).toBe('live');
    }
  }, 180_000);

  it('places a limit order away from the market, shows it in the blotter, and cancels it', async () => {
    const { w } = d!;
    await w.select(1);
    const price = dec(await w.priceAway(1, '0.8', '0.01'));
    await w.order({ side: 'buy', type: 'limit', quantity: '1', price });
    await w.tab('Open orders');
    const row = w.openRows('SBER');
    await row.waitFor({ timeout: PATIENCE_MS });
    await until('the SBER order to be open', async () => ((await row.textContent())?.includes('open') ? true : undefined));
    const line = await until('the SBER price line', async () => (await w.priceLines('SBER').allTextContents())[0]);
    expect(cmp(/@ (\S+),/.exec(line)![1]!, price)).toBe(0);

    await row.getByRole('button', { name: /^Cancel Buy 1 lot SBER/ }).click();
    await row.waitFor({ state: 'detached', timeout: PATIENCE_MS });
    await w.tab('Order history');
    await expect.poll(() => w.historyRows('SBER').first().textContent(), { timeout: PATIENCE_MS }).toContain('cancelled');
    // Before the cases below, which provoke refusals the page reports on its console.
    expect(d!.problems).toEqual([]);
  }, 180_000);

  it('serves the page with the Content-Security-Policy, and the page cannot run an inline script', async () => {
    const header = await d!.page.evaluate(`fetch('${START_URL}').then((r) => r.headers.get('content-security-policy'))`);
    // The protocol handler sets it and so does the session's header hook; if both reach the
    // page they arrive joined by a comma (two policies, both enforced). Each must be ours.
    expect(typeof header).toBe('string');
    expect(new Set(String(header).split(',').map((p) => p.trim()))).toEqual(new Set([contentSecurityPolicy()]));
    // The check can fail: the violation event proves the policy was consulted, the flag that it held.
    const outcome = await d!.page.evaluate(`new Promise((resolve) => {
      document.addEventListener('securitypolicyviolation', (e) => resolve({ ran: window.__inlineRan === true, directive: e.effectiveDirective }), { once: true });
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.head.append(s);
      // An inline script that is allowed runs as it is inserted: no need to wait for an event.
      if (window.__inlineRan === true) resolve({ ran: true, directive: null });
    })`);
    expect(outcome).toEqual({ ran: false, directive: expect.stringMatching(/^script-src/) });
  });

  it('refuses to navigate away and to open windows', async () => {
    const desktop = d!;
    await watchNavigations(desktop);
    await desktop.page.evaluate(`window.__stillHere = true`);
    const away = 'https://example.com/';
    await desktop.page.evaluate(`location.href = '${away}'`);
    // Wait for the attempt to reach main and end, whichever way it ends.
    const seen = await until('the navigation away to end', async () => {
      const list = await navigations(desktop);
      const ended = list.some((n) => n.url === away && n.event !== 'will-navigate');
      return ended && list.some((n) => n.url === away && n.event === 'will-navigate') ? list : undefined;
    });
    expect(seen.filter((n) => n.event === 'did-navigate')).toEqual([]);
    expect(desktop.page.url()).toBe(START_URL);
    expect(await desktop.page.evaluate(`window.__stillHere === true && location.href`)).toBe(START_URL);

    // window.open is denied in main, so the page gets null and no window appears, for any URL.
    expect(await desktop.page.evaluate(`window.open('${away}') === null`)).toBe(true);
    expect(await desktop.page.evaluate(`window.open('${START_URL}') === null`)).toBe(true);
    expect(await desktop.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
    expect(desktop.app.windows()).toHaveLength(1);
  });

  it('stays live after the refusals: the page keeps its subscriptions', async () => {
    // A refused navigation never replaces the page, so what the page subscribed to must go on.
    await lastCandleChanges(d!.w);
  }, 180_000);
});
