/**
 * Trading from the chart in Chromium, on the headless app with both local venues: an order
 * placed at the cursor, its line dragged to amend it (with and without the confirm step, and
 * dropped with Escape), the × on the line cancelling it, and a fill marked on the chart. Each
 * amend is checked three ways: the line, the app's order list, and the local venue's own record.
 * Needs `npm run build:renderer` first.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../common/domain.js';
import { cmp, dec } from '../../common/decimal.js';
import { BridgeClient } from '../bridge/bridge-client.js';
import { PATIENCE_MS, startStage, until, type Stage, type Workspace } from './workspace-page.js';

/**
 * Drags a line's handle by `dy` pixels with the mouse, once the line is inside the chart's
 * box; `beforeUp` runs while the button is still down.
 */
async function dragBy(page: Page, chartHost: Locator, handle: Locator, dy: number, beforeUp?: () => Promise<void>): Promise<void> {
  const box = await until('the line handle inside the chart', async () => {
    const [b, host] = [await handle.boundingBox(), await chartHost.boundingBox()];
    if (!b || !host) return undefined;
    const y = b.y + b.height / 2;
    return y > host.y && y < host.y + host.height - TIME_AXIS_PX ? b : undefined;
  });
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x, y + dy, { steps: 8 });
  await beforeUp?.();
  await page.mouse.up();
}

/** Height of the time axis under a chart's price pane (px), about. */
const TIME_AXIS_PX = 30;

/**
 * Right-clicks at the bottom of a chart's price pane and places the buy limit the menu offers
 * there. The price scale keeps a margin (10 %) under the lowest bar, so the bottom 5 % is always
 * under the last price.
 */
async function buyLimitAtCursor(page: Page, chart: Locator, host: Locator, summary: RegExp): Promise<string> {
  const hostBox = (await host.boundingBox())!;
  await host.click({ button: 'right', position: { x: hostBox.width / 2, y: (hostBox.height - TIME_AXIS_PX) * 0.97 } });
  const buy = chart.getByRole('menu', { name: /^Order at / }).getByRole('menuitem', { name: /^Buy limit at / });
  await buy.waitFor({ timeout: PATIENCE_MS });
  const at = /^Buy limit at (\S+) ·/.exec((await buy.textContent()) ?? '')![1]!.replace(/,/g, '');
  await buy.click();
  const confirm = page.getByRole('dialog', { name: 'Confirm order' });
  expect(await confirm.textContent()).toMatch(summary);
  expect(await confirm.textContent()).toContain(`@ ${at} limit`);
  await confirm.getByRole('button', { name: 'Send order' }).click();
  await confirm.waitFor({ state: 'hidden' });
  return at;
}

/** The price a handle shows now ("61,234.5" → "61234.5"). */
async function handlePrice(handle: Locator): Promise<string> {
  const text = (await handle.getAttribute('aria-valuetext')) ?? '';
  return text.replace(/,/g, '').replace(/, amending$/, '').split(',')[0]!.trim();
}

describe('trading from the chart in Chromium', () => {
  let stage: Stage | undefined;
  let page: Page;
  let w: Workspace;
  let client: BridgeClient;

  beforeAll(async () => {
    stage = await startStage();
    ({ page, w } = stage);
    await w.waitForCharts(['SBER', 'BTC/USD']);
    client = await BridgeClient.open(new URL(stage.app.url));
  }, 180_000);

  afterEach(async () => {
    for (const dialog of await page.getByRole('dialog').all()) if (await dialog.isVisible()) await page.keyboard.press('Escape');
  });

  afterAll(async () => {
    client?.close();
    await stage?.close();
  }, 60_000);

  const listed = async (pick: (o: Order) => boolean): Promise<Order | undefined> => (await client.value('orders.list', {})).find(pick);

  it('T-Invest: places a limit at the cursor, drags its line with the confirm step, and the venue holds the new price', async () => {
    const { tinvest } = stage!;
    await w.select(1);
    const chart = w.chart(1);
    // The ticket's size is what the chart places.
    await w.ticket().getByRole('textbox', { name: /^Quantity/ }).fill('1');
    const host = chart.getByRole('img', { name: 'SBER 1m chart' });
    await w.lastClose(1);
    // Low on the chart: under the last price, so a buy rests as a limit.
    const at = await buyLimitAtCursor(page, chart, host, /Buy 1 lot SBER @ /);
    const placed = await until('the chart order in the app', () => listed((o) => o.venue === 'tinvest' && o.status === 'open' && o.price !== undefined && cmp(o.price, dec(at)) === 0));

    // Drag its line up 15 px, still inside the margin under the lowest bar (so it never crosses the market): the confirm step shows old → new; Enter amends.
    const handle = chart.getByRole('slider', { name: 'Move Buy 1 lot limit' });
    await dragBy(page, host, handle, -15);
    const ask = chart.getByRole('dialog', { name: 'Confirm amend' });
    const [, from, to] = /: (\S+) → (\S+)\?/.exec((await ask.textContent()) ?? '')!;
    // The venue may echo the price with its own trailing zeros.
    expect(cmp(dec(from!.replace(/,/g, '')), dec(at))).toBe(0);
    const target = dec(to!.replace(/,/g, ''));
    expect(cmp(target, dec(at))).toBe(1);
    await page.keyboard.press('Enter');
    await ask.waitFor({ state: 'hidden' });

    // The app's order carries the new price and the amend; the venue's own record agrees.
    const amended = await until('the amended order in the app', () =>
      listed((o) => o.clientOrderId === placed.clientOrderId && o.price !== undefined && cmp(o.price, target) === 0),
    );
    expect(amended.amends?.length).toBe(1);
    expect(amended.status).toBe('open');
    const working = tinvest.stats.ordersOf(tinvest.accountId).filter((o) => o.status === 'NEW' && o.instrumentUid === placed.instrumentId);
    expect(working.map((o) => cmp(dec(o.price), target))).toEqual([0]);
    await until('the line at the new price', async () => (cmp(dec(await handlePrice(handle)), target) === 0 ? true : undefined));

    // × on the line cancels the order.
    await chart.getByRole('button', { name: /^Cancel order from chart: Buy 1 lot limit/ }).click();
    await until('the order cancelled', () => listed((o) => o.clientOrderId === placed.clientOrderId && o.status === 'cancelled'));
    await handle.waitFor({ state: 'detached', timeout: PATIENCE_MS });
  }, 180_000);

  it('Kraken: Escape drops a drag; without the confirm step a drag amends at once, keeping the order id', async () => {
    const { kraken } = stage!;
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('checkbox', { name: /Confirm before amending/ }).uncheck();
    await settings.getByRole('button', { name: 'Close' }).click();

    await w.select(2);
    const chart = w.chart(2);
    await w.ticket().getByRole('textbox', { name: /^Quantity/ }).fill('0.01');
    const host = chart.getByRole('img', { name: 'BTC/USD 1m chart' });
    await w.lastClose(2);
    const price = dec(await buyLimitAtCursor(page, chart, host, /Buy 0.01 BTC\/USD @ /));
    const placed = await until('the BTC/USD order open', () => listed((o) => o.venue === 'kraken' && o.status === 'open' && o.price !== undefined && cmp(o.price, price) === 0));
    const handle = chart.getByRole('slider', { name: 'Move Buy 0.01 limit' });

    await dragBy(page, host, handle, -30, () => page.keyboard.press('Escape'));
    expect(cmp(dec(await handlePrice(handle)), price)).toBe(0);
    expect((await listed((o) => o.clientOrderId === placed.clientOrderId))?.amends ?? []).toEqual([]);

    await dragBy(page, host, handle, -15);
    const amended = await until('the amended order in the app', () =>
      listed((o) => o.clientOrderId === placed.clientOrderId && (o.amends?.length ?? 0) > 0 && o.price !== undefined),
    );
    expect(cmp(amended.price!, price)).toBe(1);
    const record = [...kraken.record.orders.values()].find((o) => o.clOrdId === placed.clientOrderId);
    expect(record?.status).toBe('open');
    expect(record?.txid).toBe(placed.venueOrderId);
    expect(cmp(dec(record!.price!), amended.price!)).toBe(0);
    await until('the line at the new price', async () => (cmp(dec(await handlePrice(handle)), amended.price!) === 0 ? true : undefined));

    await chart.getByRole('button', { name: /^Cancel order from chart: Buy 0.01 limit/ }).click();
    await until('the order cancelled', () => listed((o) => o.clientOrderId === placed.clientOrderId && o.status === 'cancelled'));
  }, 180_000);

  it('Kraken: a sell stop placed at the cursor draws a dashed SL trigger line; dragging it amends the trigger', async () => {
    await w.select(2);
    const chart = w.chart(2);
    await w.ticket().getByRole('textbox', { name: /^Quantity/ }).fill('0.01');
    const host = chart.getByRole('img', { name: 'BTC/USD 1m chart' });
    await w.lastClose(2);
    const hostBox = (await host.boundingBox())!;
    await host.click({ button: 'right', position: { x: hostBox.width / 2, y: (hostBox.height - TIME_AXIS_PX) * 0.97 } });
    const sell = chart.getByRole('menu', { name: /^Order at / }).getByRole('menuitem', { name: /^Sell stop at / });
    await sell.waitFor({ timeout: PATIENCE_MS });
    const trigger = dec(/^Sell stop at (\S+) ·/.exec((await sell.textContent()) ?? '')![1]!.replace(/,/g, ''));
    await sell.click();
    const confirm = page.getByRole('dialog', { name: 'Confirm order' });
    expect(await confirm.textContent()).toContain(`Sell 0.01 BTC/USD stop at trigger ${trigger}`);
    await confirm.getByRole('button', { name: 'Send order' }).click();
    const placed = await until('the stop order working', () =>
      listed((o) => o.venue === 'kraken' && o.type === 'stop-loss' && o.status === 'open' && o.triggerPrice !== undefined && cmp(o.triggerPrice, trigger) === 0),
    );

    const handle = chart.getByRole('slider', { name: 'Move Sell 0.01 SL' });
    expect(await handle.textContent()).toMatch(/^SL /);
    await dragBy(page, host, handle, -15);
    const amended = await until('the amended trigger in the app', () =>
      listed((o) => o.clientOrderId === placed.clientOrderId && (o.amends?.length ?? 0) > 0 && o.triggerPrice !== undefined && cmp(o.triggerPrice, trigger) === 1),
    );
    expect(amended.status).toBe('open');
    await until('the line at the new trigger', async () => (cmp(dec(await handlePrice(handle)), amended.triggerPrice!) === 0 ? true : undefined));

    await chart.getByRole('button', { name: /^Cancel order from chart: Sell 0.01 SL/ }).click();
    await until('the stop cancelled', () => listed((o) => o.clientOrderId === placed.clientOrderId && o.status === 'cancelled'));
  }, 180_000);

  it("marks the trader's own fill on the chart", async () => {
    await w.select(1);
    await w.order({ side: 'buy', type: 'market', quantity: '1' });
    const host = w.chart(1).getByRole('img', { name: 'SBER 1m chart' });
    await until('a fill marker on the SBER chart', async () => (/[1-9]\d* fills? marked/.test((await host.getAttribute('aria-description')) ?? '') ? true : undefined));
    expect(stage!.problems).toEqual([]);
  }, 180_000);
});
