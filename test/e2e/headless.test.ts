/**
 * The built renderer in Debian Chromium against the headless app with its demo venues:
 * the page with the token draws charts whose last candle moves; without the token, or with
 * a wrong one, there is no page. Drives the page by role and accessible name only.
 * Needs `npm run build:renderer` first.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_DIR, startHeadless, type Headless } from '../../electron/headless.js';
import { MemorySecretStore } from './memory-secret-store.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = '/tmp/switchboard.png';
/** Bounds for failure only: nothing here asserts how fast anything is. */
const PATIENCE_MS = 60_000;

async function waitForText(locator: Locator, ok: (text: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + PATIENCE_MS;
  let text = '';
  while (Date.now() < deadline) {
    text = (await locator.textContent()) ?? '';
    if (ok(text)) return text;
    await sleep(200);
  }
  throw new Error(`gave up waiting for ${what}; last text: ${JSON.stringify(text)}`);
}

/** Collects what would mean the page is broken: uncaught errors and console errors (CSP violations land there). */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  return problems;
}

/** The first chart of the workspace: the one the toolbar acts on when the page opens. */
function firstChart(page: Page): Locator {
  return page.getByRole('region', { name: /^Chart 1: / });
}

/** Waits for the chart the app opens on; if no venue lists instruments unasked, searches like a user. */
async function showChart(page: Page): Promise<void> {
  const chart = firstChart(page).getByRole('img', { name: / chart$/ });
  const askToSearch = firstChart(page).getByText('Search for an instrument to chart it.');
  await chart.or(askToSearch).waitFor({ timeout: PATIENCE_MS });
  if (await askToSearch.isVisible()) {
    await page.getByRole('combobox', { name: 'Instrument' }).fill('S');
    await page.getByRole('listbox', { name: 'Instruments' }).getByRole('option').first().click();
    await chart.waitFor({ timeout: PATIENCE_MS });
  }
}

const isCandleText = (t: string) => /^Last: O \S+ H \S+ L \S+ C \S+ V \S+ at .+/.test(t);

describe('headless app in Chromium', () => {
  let app: Headless | undefined;
  let browser: Browser | undefined;
  let dataDir: string | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/system-deps.sh (apt-get install -y chromium)`);
    if (!existsSync(path.join(ROOT_DIR, 'renderer', 'dist', 'index.html'))) {
      throw new Error('no renderer build: run `npm run build:renderer` before the e2e test');
    }
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-e2e-'));
    app = await startHeadless({ port: 0, demo: true, dataDir, secretStore: new MemorySecretStore() });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('opens with the token and shows a chart whose last candle changes', async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    const problems = watchProblems(page);

    try {
      await liveChart(page);
    } finally {
      // For the lead to look at, and to see what the page showed when a wait gave up.
      await page.screenshot({ path: SCREENSHOT });
    }
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);

  async function liveChart(page: Page): Promise<void> {
    const response = await page.goto(app!.url);
    expect(response?.status()).toBe(200);

    await showChart(page);
    // The token is taken out of the address once the page has it.
    expect(page.url()).not.toContain('token=');

    const last = firstChart(page).getByRole('status', { name: 'Last candle' });
    const first = await waitForText(last, isCandleText, 'a first candle');
    await waitForText(last, (t) => isCandleText(t) && t !== first, 'the last candle to change');

    const venues = page.getByRole('status', { name: / connection$/ });
    expect(await venues.count()).toBeGreaterThan(0);
    await waitForText(venues.first(), (t) => /: live$/.test(t), 'a venue to be live');
    await expect.poll(() => page.getByRole('status', { name: 'Bridge link' }).textContent()).toMatch(/: open$/);

    // A reload comes without the token in the address; the tab still reaches the bridge.
    await page.reload();
    await showChart(page);
    await expect.poll(() => page.getByRole('status', { name: 'Bridge link' }).textContent(), { timeout: PATIENCE_MS }).toMatch(/: open$/);
    await waitForText(last, isCandleText, 'a candle after the reload');

    // Timeframe: a radio group; choosing 5m re-draws the chart for 5m.
    const fiveMinutes = page.getByRole('radiogroup', { name: 'Timeframe' }).getByRole('radio', { name: '5m', exact: true });
    await fiveMinutes.click();
    expect(await fiveMinutes.getAttribute('aria-checked')).toBe('true');
    await firstChart(page).getByRole('img', { name: / 5m chart$/ }).waitFor({ timeout: PATIENCE_MS });
    await waitForText(last, isCandleText, 'a 5m candle');

    // Instrument: a combobox listing the venue's instruments; picking another moves the chart to it.
    const picker = page.getByRole('combobox', { name: 'Instrument' });
    await picker.click();
    const options = page.getByRole('listbox', { name: 'Instruments' }).getByRole('option');
    await options.first().waitFor({ timeout: PATIENCE_MS });
    if ((await options.count()) > 1) {
      const label = (await options.nth(1).textContent()) ?? '';
      const symbol = label.split(' — ')[0]!;
      await options.nth(1).click();
      await firstChart(page).getByRole('img', { name: `${symbol} 5m chart` }).waitFor({ timeout: PATIENCE_MS });
      await waitForText(last, isCandleText, `a candle of ${symbol}`);
    }
  }

  it('refuses the page without the token and with a wrong one', async () => {
    const bare = new URL(app!.url);
    bare.search = '';
    const wrong = new URL(app!.url);
    wrong.searchParams.set('token', 'x'.repeat(wrong.searchParams.get('token')?.length ?? 43));
    for (const url of [bare.href, wrong.href]) {
      // A fresh context: the page opened with the token leaves a cookie behind.
      const context = await browser!.newContext();
      const page = await context.newPage();
      const response = await page.goto(url);
      expect(response?.status()).toBe(403);
      expect(await page.getByRole('combobox', { name: 'Instrument' }).count()).toBe(0);
      expect(await page.getByRole('img', { name: / chart$/ }).count()).toBe(0);
      await context.close();
    }
  }, 60_000);
});
