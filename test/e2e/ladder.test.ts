/**
 * The depth ladder, the trade tape, watchlist quotes and the stop ticket in Debian Chromium
 * against the headless app on both local venues. Driven by role and accessible name only.
 * Needs `npm run build:renderer` first. The books, tapes and quotes come from the venues'
 * own streams (T-Invest marketdata order book / trades / last price, Kraken book / trade /
 * ticker channels) through the hub and the bridge.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cmp } from '../../common/decimal.js';
import { PATIENCE_MS, startStage, until, type Stage, type Workspace } from './workspace-page.js';

/** Each case may wait for the venue up to PATIENCE_MS more than once. */
const CASE_MS = 3 * PATIENCE_MS;

const CHARTS = [
  { n: 1, symbol: 'SBER' },
  { n: 2, symbol: 'BTC/USD' },
] as const;

describe('depth ladder, tape and stop orders in Chromium', () => {
  let stage: Stage | undefined;
  let page: Page;
  let w: Workspace;
  let problems: string[];

  beforeAll(async () => {
    stage = await startStage();
    ({ page, w, problems } = stage);
    await w.waitForCharts(CHARTS.map((c) => c.symbol));
  }, 180_000);

  afterEach(async () => {
    for (const dialog of await page.getByRole('dialog').all()) if (await dialog.isVisible()) await page.keyboard.press('Escape');
  });

  afterAll(async () => {
    await stage?.close();
  }, 60_000);

  const ladder = (symbol: string) => page.getByRole('region', { name: `Depth ladder ${symbol}` });

  it.each(CHARTS)('shows the book of chart $n ($symbol): bids below asks, a spread, and a verified book', async ({ n, symbol }) => {
    await w.select(n);
    const l = ladder(symbol);
    await l.waitFor({ timeout: PATIENCE_MS });
    const bids = l.getByRole('button', { name: /^Buy at / });
    const asks = l.getByRole('button', { name: /^Sell at / });
    await until(`levels on both sides of ${symbol}`, async () => ((await bids.count()) > 0 && (await asks.count()) > 0 ? true : undefined));
    const price = (label: string | null) => /at (\S+)$/.exec(label ?? '')![1]!;
    const bestBid = price(await bids.first().getAttribute('aria-label'));
    const bestAsk = price(await asks.last().getAttribute('aria-label'));
    expect(cmp(bestBid, bestAsk)).toBeLessThan(0);
    await expect.poll(() => l.getByText(/^Spread /).textContent(), { timeout: PATIENCE_MS }).toMatch(/^Spread [\d.\u2009]+$/);
    // Sizes are numbers as the venue sent them.
    expect(await bids.first().textContent()).toMatch(/^\d+(\.\d+)?$/);
    const health = l.getByRole('status', { name: 'Book health' });
    await expect.poll(() => health.textContent(), { timeout: PATIENCE_MS }).toMatch(/[1-9]\d* verified/);
    expect(await health.textContent()).not.toMatch(/⚠/);
    // The depth choice lists what the venue streams.
    expect((await l.getByRole('combobox', { name: 'Book depth' }).locator('option').allTextContents()).length).toBeGreaterThan(0);
  }, CASE_MS);

  it('loads the ticket with a level\'s price and side when a size is clicked', async () => {
    await w.select(2);
    const l = ladder('BTC/USD');
    const ask = l.getByRole('button', { name: /^Sell at / }).last();
    await ask.waitFor({ timeout: PATIENCE_MS });
    const label = (await ask.getAttribute('aria-label'))!;
    await ask.click();
    const t = w.ticket();
    // The book moves on: the ticket holds the price of the level clicked.
    await expect.poll(() => t.getByRole('textbox', { name: 'Limit price' }).inputValue()).toBe(/at (\S+)$/.exec(label)![1]);
    expect(await t.getByRole('radiogroup', { name: 'Side' }).getByRole('radio', { name: 'Sell' }).getAttribute('aria-checked')).toBe('true');
    expect(await t.getByRole('radiogroup', { name: 'Order type' }).getByRole('radio', { name: 'Limit', exact: true }).getAttribute('aria-checked')).toBe('true');
  }, CASE_MS);

  it.each(CHARTS)('runs the trade tape of chart $n ($symbol), newest first', async ({ n, symbol }) => {
    await w.select(n);
    const tape = page.getByRole('region', { name: `Trades ${symbol}` }).getByRole('table', { name: 'Trade tape' });
    const rows = tape.locator('tbody').getByRole('row');
    await until(`prints of ${symbol}`, async () => ((await rows.count()) > 0 ? true : undefined));
    const cells = await rows.first().getByRole('cell').allTextContents();
    expect(cells[0]).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(cells[1]).toMatch(/^\d+(\.\d+)?$/);
  }, CASE_MS);

  it('offers stop orders on each venue and tells a stop in words before sending', async () => {
    for (const { n, symbol } of CHARTS) {
      await w.select(n);
      const t = w.ticket();
      await t.getByRole('heading', { name: new RegExp(`^${symbol.replace('/', '\\/')}`) }).waitFor({ timeout: PATIENCE_MS });
      await t.getByRole('radiogroup', { name: 'Side' }).getByRole('radio', { name: 'Sell' }).click();
      await t.getByRole('radiogroup', { name: 'Order type' }).getByRole('radio', { name: 'Stop loss', exact: true }).click();
      const last = await w.lastClose(n);
      const trigger = await w.priceAway(n, '0.5', n === 1 ? '0.01' : '0.1');
      await t.getByRole('textbox', { name: /^Quantity/ }).fill('1');
      await t.getByRole('textbox', { name: 'Trigger price' }).fill(trigger);
      await t.getByRole('button', { name: /^Sell / }).click();
      const dialog = page.getByRole('dialog', { name: 'Confirm order' });
      await dialog.waitFor({ timeout: PATIENCE_MS });
      expect(await dialog.textContent()).toMatch(new RegExp(`Sell 1( lot)? ${symbol.replace('/', '\\/')} stop-loss at trigger `));
      expect(cmp(trigger, last)).toBeLessThan(0);
      await dialog.getByRole('button', { name: 'Back' }).click();
      await dialog.waitFor({ state: 'hidden' });
    }
  }, CASE_MS);

  it('raised nothing on the page', () => {
    expect(problems).toEqual([]);
  });
});
