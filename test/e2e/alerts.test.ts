/**
 * A price alert made in the Alerts panel fires as a toast, in Debian Chromium against the
 * headless app and both local venues: the trader takes the chart's instrument, sets a level
 * above the market, the local Kraken prints a trade across it, the toast says so, and the
 * panel lists the rule as spent and the alert as fired. Driven by role and accessible name.
 * Needs `npm run build:renderer` first.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mul, nearestSteps, withPlaces } from '../../common/decimal.js';
import { WORKSPACE_KEY } from '../../renderer/persist.js';
import type { Workspace as SavedWorkspace } from '../../renderer/store/layout.js';
import { PATIENCE_MS, startStage, until, type Stage, type Workspace } from './workspace-page.js';

const SAVED: SavedWorkspace = { size: 1, active: 0, charts: [{ venue: 'kraken', interval: '1m' }], watchlist: [] };

describe('a price alert in Chromium', () => {
  let stage: Stage | undefined;
  let page: Page;
  let w: Workspace;

  beforeAll(async () => {
    stage = await startStage({ storage: { [WORKSPACE_KEY]: JSON.stringify(SAVED) } });
    ({ page, w } = stage);
    await w.waitForCharts(['BTC/USD']);
  }, 180_000);

  afterAll(async () => {
    await stage?.close();
  }, 60_000);

  it('is made from the chart, fires when the price crosses its level, and shows a toast', async () => {
    const last = await w.lastClose(1);
    const level = withPlaces(nearestSteps(mul(last, '1.1'), '0.1').down, 1);

    await page.getByRole('button', { name: 'Alerts' }).click();
    const dialog = page.getByRole('dialog', { name: 'Alerts' });
    await dialog.getByRole('button', { name: 'Use BTC/USD' }).click();
    await dialog.getByRole('textbox', { name: 'Alert level' }).fill(level);
    await dialog.getByRole('button', { name: 'Add alert' }).click();
    const rules = dialog.getByRole('region', { name: 'Alert rules' });
    await rules.getByText(`≥ ${level} (once)`).waitFor({ timeout: PATIENCE_MS });
    await dialog.getByRole('button', { name: 'Close' }).click();

    // The market is 10% below the level: trades across it until the hub has seen both sides.
    const toast = page.getByRole('region', { name: 'Notifications' }).getByText(`XXBTZUSD above ${level}`);
    const above = withPlaces(mul(level, '1.01'), 1);
    const below = withPlaces(mul(level, '0.99'), 1);
    await until('the alert toast', async () => {
      stage!.kraken.tradeAt('BTC/USD', below);
      await page.waitForTimeout(300);
      stage!.kraken.tradeAt('BTC/USD', above);
      return (await toast.count()) > 0 ? true : undefined;
    });
    expect(await toast.count()).toBe(1);

    // The panel: the once rule is spent, the alert is in the history.
    await page.getByRole('button', { name: 'Alerts' }).click();
    await rules.getByText('spent').waitFor({ timeout: PATIENCE_MS });
    const fired = dialog.getByRole('region', { name: 'Fired alerts' });
    await fired.getByText(`XXBTZUSD above ${level}`).waitFor({ timeout: PATIENCE_MS });
  }, 180_000);

  it('raised nothing on the page', () => {
    expect(stage?.problems).toEqual([]);
  });
});
