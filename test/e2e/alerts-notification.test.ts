/**
 * A price alert that asks for an OS notification shows the browser's Notification in headless
 * mode, in Debian Chromium against the headless app and both local venues. The page's
 * Notification is wrapped before the app's scripts run: each construction is recorded (title,
 * body, tag) through an exposed function, then the real one is made. The context is granted
 * 'notifications' for the app's origin (the trader saying yes at the prompt), the click on "Allow
 * notifications" allows them, the local Kraken trades across the level, and the page constructed
 * exactly one Notification with the toast's title and the alert's message. Then, in a context
 * granted nothing, the browser refuses: the same click ends in a plain sentence saying so.
 * Needs `npm run build:renderer` first.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mul, nearestSteps, withPlaces } from '../../common/decimal.js';
import { WORKSPACE_KEY } from '../../renderer/persist.js';
import type { Workspace as SavedWorkspace } from '../../renderer/store/layout.js';
import { PATIENCE_MS, startStage, until, type Stage, type Workspace } from './workspace-page.js';

const SAVED: SavedWorkspace = { size: 1, active: 0, charts: [{ venue: 'kraken', interval: '1m' }], watchlist: [] };

interface Constructed {
  title: string;
  body: string;
  tag: string;
}

/** Runs in the page before its own scripts (this side's tsconfig has no DOM types, hence text). */
const RECORD_NOTIFICATIONS = `
(() => {
  const Real = window.Notification;
  if (typeof Real !== 'function') return;
  // A subclass keeps the statics (permission, requestPermission) the app reads.
  class Recorded extends Real {
    constructor(title, options) {
      super(title, options);
      window.switchboardNotified({ title: String(title), body: String(options?.body ?? ''), tag: String(options?.tag ?? '') });
    }
  }
  window.Notification = Recorded;
})();
`;

describe('an alert as a browser notification in Chromium', () => {
  let stage: Stage | undefined;
  let page: Page;
  let w: Workspace;
  const constructed: Constructed[] = [];

  beforeAll(async () => {
    stage = await startStage({ storage: { [WORKSPACE_KEY]: JSON.stringify(SAVED) } });
    ({ page, w } = stage);
    await page.exposeFunction('switchboardNotified', (n: Constructed) => {
      constructed.push(n);
    });
    await page.context().addInitScript({ content: RECORD_NOTIFICATIONS });
    // The wrapper is in place from this load on.
    await page.reload();
    await w.waitForCharts(['BTC/USD']);
  }, 180_000);

  afterAll(async () => {
    await stage?.close();
  }, 60_000);

  it('shows a Notification with the alert when allowed and the price crosses the level', async () => {
    const last = await w.lastClose(1);
    const level = withPlaces(nearestSteps(mul(last, '1.1'), '0.1').down, 1);

    await page.getByRole('button', { name: 'Alerts' }).click();
    const dialog = page.getByRole('dialog', { name: 'Alerts' });
    // The trader says yes at the browser's prompt: the context grants the app's origin, then the click asks.
    await page.context().grantPermissions(['notifications'], { origin: new URL(stage!.app.url).origin });
    await dialog.getByRole('button', { name: 'Allow notifications' }).click();
    await dialog.getByText('Notifications are allowed: alerts that ask for one show it.').waitFor({ timeout: PATIENCE_MS });
    expect(constructed).toEqual([]);
    await dialog.getByRole('button', { name: 'Use BTC/USD' }).click();
    await dialog.getByRole('textbox', { name: 'Alert level' }).fill(level);
    await dialog.getByRole('button', { name: 'Add alert' }).click();
    const rules = dialog.getByRole('region', { name: 'Alert rules' });
    await rules.getByText(`≥ ${level} (once) · notification`).waitFor({ timeout: PATIENCE_MS });
    await dialog.getByRole('button', { name: 'Close' }).click();

    // The market is 10% below the level: trades across it until the hub has seen both sides.
    const title = `XXBTZUSD above ${level}`;
    const toast = page.getByRole('region', { name: 'Notifications' }).getByText(title);
    const above = withPlaces(mul(level, '1.01'), 1);
    const below = withPlaces(mul(level, '0.99'), 1);
    await until('the alert toast', async () => {
      stage!.kraken.tradeAt('BTC/USD', below);
      await page.waitForTimeout(300);
      stage!.kraken.tradeAt('BTC/USD', above);
      return (await toast.count()) > 0 ? true : undefined;
    });
    // The Notification is made in the same handler as the toast, before it renders.
    await until('the recorded Notification', () => Promise.resolve(constructed.length > 0 ? true : undefined));
    expect(constructed).toHaveLength(1);
    const n = constructed[0]!;
    expect(n.title).toBe(title);
    expect(n.body).toMatch(new RegExp(`^kraken XXBTZUSD .+ \\(level ${level.replace('.', '\\.')}\\)$`));
    expect(n.tag).not.toBe('');
  }, 180_000);

  it('says plainly when the browser refuses notifications', async () => {
    // A second context of the same browser, granted nothing: Chromium refuses the request.
    const browser = page.context().browser()!;
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const other = await context.newPage();
      const problems: string[] = [];
      other.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      await other.goto(stage!.app.url);
      await other.getByRole('button', { name: 'Alerts' }).click();
      const dialog = other.getByRole('dialog', { name: 'Alerts' });
      await dialog.getByRole('button', { name: 'Allow notifications' }).click();
      const said = dialog.getByRole('status').filter({ hasText: /^(Notifications are blocked for this page|The browser did not allow notifications)/ });
      await said.waitFor({ timeout: PATIENCE_MS });
      expect(await said.textContent()).toMatch(/alerts come as toasts only\.$/);
      expect(await dialog.getByRole('button', { name: 'Allow notifications' }).isDisabled()).toBe(true);
      expect(await dialog.getByText('Notifications are allowed: alerts that ask for one show it.').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('raised nothing on the page', () => {
    expect(stage?.problems).toEqual([]);
  });
});
