/**
 * Issue 12's must-shows end to end, in Debian Chromium on the headless app with both local
 * venues: a ladder click with one-click trading places an order; dragging its chart line
 * amends it on the venue; a stop loss triggers when the local venue's price crosses it and its
 * fill shows in the blotter and on the chart; a bond and a future found by ticker show their lot,
 * step and pricing. Every venue-side claim is checked against the local venue's own record.
 * Needs `npm run build:renderer` first.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../common/domain.js';
import { cmp, dec, mul, nearestSteps, places, sub, withPlaces } from '../../common/decimal.js';
import { BridgeClient } from '../bridge/bridge-client.js';
import { PATIENCE_MS, startStage, until, type Stage, type Workspace } from './workspace-page.js';

/** Each case may wait for the venue up to PATIENCE_MS more than once. */
const CASE_MS = 4 * PATIENCE_MS;

/** Height of the time axis under a chart's price pane (px), about. */
const TIME_AXIS_PX = 30;

const VENUES = [
  { venue: 'tinvest', name: 'T-Invest', n: 1, symbol: 'SBER', quantity: '1', shown: '1 lot', tick: '0.01' },
  { venue: 'kraken', name: 'Kraken', n: 2, symbol: 'BTC/USD', quantity: '0.01', shown: '0.01', tick: '0.1' },
] as const;

type Case = (typeof VENUES)[number];

/** The price a chart line's handle shows now ("61,234.5" → "61234.5"). */
async function handlePrice(handle: Locator): Promise<string> {
  const text = (await handle.getAttribute('aria-valuetext')) ?? '';
  return text.replace(/,/g, '').split(',')[0]!.trim();
}

/** Drags a line's handle by `dy` pixels with the mouse, once the handle is inside the chart's price pane. */
async function dragBy(page: Page, host: Locator, handle: Locator, dy: number): Promise<void> {
  const box = await until('the line handle inside the chart', async () => {
    const [b, h] = [await handle.boundingBox(), await host.boundingBox()];
    if (!b || !h) return undefined;
    const y = b.y + b.height / 2;
    return y + dy > h.y && y + dy < h.y + h.height - TIME_AXIS_PX && y > h.y && y < h.y + h.height - TIME_AXIS_PX ? b : undefined;
  });
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x, y + dy, { steps: 8 });
  await page.mouse.up();
}

/** How many fills a chart marks, from its description. */
async function fillsMarked(host: Locator): Promise<number> {
  const m = /(\d+) fills? marked/.exec((await host.getAttribute('aria-description')) ?? '');
  return m ? Number(m[1]) : 0;
}

describe('trading depth end to end in Chromium, on both local venues', () => {
  let stage: Stage | undefined;
  let page: Page;
  let w: Workspace;
  let client: BridgeClient;
  /** The ladder order of each venue, as placed; the amend case moves it. */
  const placed = new Map<string, Order>();

  beforeAll(async () => {
    stage = await startStage();
    ({ page, w } = stage);
    await w.waitForCharts(VENUES.map((v) => v.symbol));
    client = await BridgeClient.open(new URL(stage.app.url));
    // Drags amend at once: the confirm step has its own test (chart-trading.test.ts).
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('checkbox', { name: /Confirm before amending/ }).uncheck();
    await settings.getByRole('button', { name: 'Close' }).click();
  }, 180_000);

  afterEach(async () => {
    for (const dialog of await page.getByRole('dialog').all()) if (await dialog.isVisible()) await page.keyboard.press('Escape');
  });

  afterAll(async () => {
    client?.close();
    await stage?.close();
  }, 60_000);

  const listed = async (pick: (o: Order) => boolean): Promise<Order | undefined> => (await client.value('orders.list', {})).find(pick);

  /** The venue's own record of an order, reduced to what both venues say: id, status, price. */
  function venueRecord(c: Case, venueOrderId: string): { status: string; price: string | undefined } | undefined {
    if (c.venue === 'tinvest') {
      const { tinvest } = stage!;
      const o = tinvest.stats.ordersOf(tinvest.accountId).find((r) => r.orderId === venueOrderId);
      return o && { status: o.status, price: o.price };
    }
    const o = [...stage!.kraken.record.orders.values()].find((r) => r.txid === venueOrderId);
    return o && { status: o.status, price: o.price };
  }

  /** Item 2, right after item 1 (the market's wander reaches a resting order given time): the ladder order's line dragged. */
  async function dragAmends(c: Case): Promise<void> {
    const before = placed.get(c.venue);
    expect(before, 'the ladder case placed an order').toBeDefined();
    await w.select(c.n);
    const chart = w.chart(c.n);
    const host = chart.getByRole('img', { name: `${c.symbol} 1m chart` });
    const handle = chart.getByRole('slider', { name: `Move Buy ${c.shown} limit` });
    await handle.waitFor({ state: 'attached', timeout: PATIENCE_MS }).catch(async (err: unknown) => {
      throw new Error(`${String(err)}; sliders: ${JSON.stringify(await chart.getByRole('slider').evaluateAll((els) => els.map((e) => [e.getAttribute('aria-label'), e.getAttribute('aria-valuetext'), (e as unknown as { style: { cssText: string } }).style.cssText])))}; lines: ${JSON.stringify(await w.priceLines(c.symbol).allTextContents())}; the order now: ${JSON.stringify(await listed((o) => o.clientOrderId === before!.clientOrderId))}; chart: ${await host.getAttribute('aria-description')}`);
    });
    expect(cmp(dec(await handlePrice(handle)), before!.price!)).toBe(0);
    // Down: a buy moved lower never crosses the market.
    await dragBy(page, host, handle, 20);
    const amended = await until('the amended order in the app', () =>
      listed((o) => o.clientOrderId === before!.clientOrderId && (o.amends?.length ?? 0) > 0 && o.price !== undefined),
    );
    const target = amended.price!;
    expect(cmp(target, before!.price!)).toBe(-1);
    expect(amended.status).toBe('open');
    expect(amended.amends).toHaveLength(1);

    // The venue's own record: Kraken amends in place (same txid); T-Invest replaces (new id working, old one cancelled).
    const now = await until('the venue record at the new price', async () => {
      const r = venueRecord(c, amended.venueOrderId!);
      return r?.price !== undefined && cmp(dec(r.price), target) === 0 ? r : undefined;
    });
    expect(now.status).toMatch(/^(NEW|open)$/);
    if (c.venue === 'kraken') {
      expect(amended.venueOrderId).toBe(before!.venueOrderId);
    } else {
      expect(amended.venueOrderId).not.toBe(before!.venueOrderId);
      expect(venueRecord(c, before!.venueOrderId!)?.status).toBe('CANCELLED');
      const working = stage!.tinvest.stats.ordersOf(stage!.tinvest.accountId).filter((o) => o.ticker === c.symbol && o.status === 'NEW');
      expect(working.map((o) => cmp(dec(o.price), target))).toEqual([0]);
    }

    // The blotter: one amend, at the new price; the line sits there too.
    await w.tab('Open orders');
    const row = w.openRows(c.symbol).filter({ hasText: /^.*1 amend, last/ });
    await until('one amend in the blotter', async () => ((await row.count()) === 1 ? true : undefined));
    const cells = await row.first().getByRole('cell').allTextContents();
    expect(cmp(dec(cells[7]!), target)).toBe(0);
    // Kraken's amend record carries the whole new terms, its unchanged quantity too.
    expect(cells[8]).toMatch(new RegExp(`^1 amend, last \\d\\d:\\d\\d:\\d\\d: price ${target.replace('.', '\\.')}(, quantity ${c.quantity.replace('.', '\\.')})?$`));
    await until('the line at the new price', async () => (cmp(dec(await handlePrice(handle)), target) === 0 ? true : undefined));

    // Cleared away so the stop case's fill has the chart to itself.
    await chart.getByRole('button', { name: new RegExp(`^Cancel order from chart: Buy ${c.shown.replace('.', '\\.')} limit`) }).click();
    await until('the order cancelled', () => listed((o) => o.clientOrderId === before!.clientOrderId && o.status === 'cancelled'));
  }

  it.each(VENUES)("$name: with one-click trading on, a click on a deep bid of the ladder places a buy limit there; dragging its chart line amends it on the venue", async (c) => {
    await w.select(c.n);
    await w.ticket().getByRole('heading', { name: new RegExp(`^${c.symbol.replace('/', '\\/')}`) }).waitFor({ timeout: PATIENCE_MS });
    await w.ticket().getByRole('textbox', { name: /^Quantity/ }).fill(c.quantity);
    await w.setOneClick(true);
    // The local venue's market is held still while the order is placed and dragged: its BTC
    // wanders several dollars a second while the book spans a few, so even the deepest bid a
    // ladder shows would often fill before the drag. The book and ladder stay as they are.
    const market = c.venue === 'kraken' ? stage!.kraken.market : stage!.tinvest.market;
    market.stop();
    try {
      await ladderThenDrag(c);
    } finally {
      market.start();
    }
  }, CASE_MS);

  async function ladderThenDrag(c: Case): Promise<void> {
    const ladder = w.ladder(c.symbol);
    const bids = ladder.getByRole('button', { name: /^Buy at / });
    // The deepest bid shown: away from the touch, so the order rests.
    const levelPrice = async (l: Locator) => dec(/at (\S+)$/.exec((await l.getAttribute('aria-label')) ?? '')![1]!);
    // The deepest book up to 500 levels, as a trader widens the ladder to work an order away from the touch.
    const depth = ladder.getByRole('combobox', { name: 'Book depth' });
    const depths = (await depth.locator('option').evaluateAll((os) => os.map((o) => Number((o as unknown as { value: string }).value)))).filter((d) => d <= 500);
    const levels = Math.max(...depths);
    await depth.selectOption(String(levels));
    // The last but one: far from the touch (the market's wander does not reach it before the
    // drag below), and still in the ladder when the book moves on a level. The button of that price
    // is clicked wherever its row is now; gone already, another level is read.
    const price = await until(`a click on a deep bid level of ${c.symbol}`, async () => {
      const count = await bids.count();
      if (count < Math.min(levels, 20)) return undefined;
      const p = await levelPrice(bids.nth(count - 2));
      expect(cmp(p, await levelPrice(bids.first()))).toBe(-1);
      await ladder.getByRole('button', { name: `Buy at ${p}`, exact: true }).click({ timeout: 2_000 });
      return p;
    });

    const order = await until('the ladder order in the app', () =>
      listed((o) => o.venue === c.venue && o.type === 'limit' && o.side === 'buy' && o.status === 'open' && o.price !== undefined && cmp(o.price, price) === 0),
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}; the app has ${JSON.stringify(await client.value('orders.list', {}))}; ticket: ${await w.ticket().textContent()}`);
    });
    expect(order.venueOrderId).toBeDefined();
    placed.set(c.venue, order);
    // No confirmation step: one-click sent it.
    expect(await page.getByRole('dialog', { name: 'Confirm order' }).count()).toBe(0);
    await w.setOneClick(false);

    // The blotter shows it at the level's price; the venue holds it there.
    await w.tab('Open orders');
    const row = w.openRows(c.symbol).filter({ hasText: /limit/ }).filter({ hasText: /Buy/ });
    await until('the ladder order in the blotter', async () => {
      for (const r of await row.all()) {
        const cells = await r.getByRole('cell').allTextContents();
        if (cells[7] !== undefined && /^\d/.test(cells[7]) && cmp(dec(cells[7]), price) === 0) return true;
      }
      return undefined;
    }).catch(async (err: unknown) => {
      throw new Error(`${String(err)}; rows: ${JSON.stringify(await w.openOrders().locator('tbody').getByRole('row').allTextContents())}; dock: ${await page.getByRole('region', { name: 'Trading panels' }).textContent()}; ticket: ${await w.ticket().textContent()}; app: ${JSON.stringify(await client.value('orders.list', {}))}; problems ${JSON.stringify(stage!.problems)}`);
    });
    const record = venueRecord(c, order.venueOrderId!);
    expect(record?.status).toMatch(/^(NEW|open)$/);
    expect(cmp(dec(record!.price!), price)).toBe(0);
    if (c.venue === 'kraken') expect([...stage!.kraken.record.orders.values()].find((r) => r.txid === order.venueOrderId)?.clOrdId).toBe(order.clientOrderId);

    await dragAmends(c);
  }


  it.each(VENUES)("$name: a sell stop under the market triggers when the venue's price crosses it; the fill shows in the blotter and on the chart", async (c) => {
    await w.select(c.n);
    const host = w.chart(c.n).getByRole('img', { name: `${c.symbol} 1m chart` });
    // Something to sell: a market buy first, marked on the chart like any fill.
    const fillsBefore = await fillsMarked(host);
    await w.order({ side: 'buy', type: 'market', quantity: c.quantity });
    await until('the buy marked on the chart', async () => ((await fillsMarked(host)) > fillsBefore ? true : undefined));
    const marked = await fillsMarked(host);

    const last = await w.lastClose(c.n);
    // 2 % under the last price: the market's own wander does not reach it in a test's time.
    const trigger = withPlaces(nearestSteps(mul(last, '0.98'), c.tick).down, places(c.tick));
    await w.stopLoss({ side: 'sell', quantity: c.quantity, trigger });
    const stop = await until('the stop working', () =>
      listed((o) => o.venue === c.venue && o.type === 'stop-loss' && o.status === 'open' && o.triggerPrice !== undefined && cmp(o.triggerPrice, dec(trigger)) === 0),
    );
    expect(stop.triggeredAt).toBeUndefined();
    await w.tab('Open orders');
    await until('the stop waiting in the blotter', async () => ((await w.openRows(/waiting for trigger/).filter({ hasText: c.symbol }).count()) === 1 ? true : undefined));

    // The local venue trades through the trigger.
    const through = withPlaces(sub(dec(trigger), mul(c.tick, '5')), places(c.tick));
    if (c.venue === 'tinvest') stage!.tinvest.market.printTrade(c.symbol, BigInt(through.replace('.', '')), 1n, 'sell');
    else stage!.kraken.tradeAt(c.symbol, through, '0.0001', 'sell');

    // T-Invest: the child's fill may land before the stop's own record says it fired (read by polling).
    const filled = await until('the stop filled and marked triggered', () =>
      listed((o) => o.clientOrderId === stop.clientOrderId && o.status === 'filled' && o.triggeredAt !== undefined),
    );
    expect(cmp(filled.filledQuantity, dec(c.quantity))).toBe(0);
    if (c.venue === 'kraken') {
      const r = [...stage!.kraken.record.orders.values()].find((o) => o.clOrdId === stop.clientOrderId);
      expect(r?.triggeredMs).toBeDefined();
      expect(r?.status).toBe('closed');
    } else {
      // The child market order the stop became, filled on the venue.
      const sells = stage!.tinvest.stats.ordersOf(stage!.tinvest.accountId).filter((o) => o.ticker === c.symbol && o.direction === 'sell' && o.orderType === 'market');
      expect(sells.map((o) => o.status)).toContain('FILL');
    }

    await w.tab('Order history');
    // As the venue echoes the trigger (Kraken drops a trailing zero: 55274.0 → 55274).
    expect(cmp(filled.triggerPrice!, dec(trigger))).toBe(0);
    const row = w.historyRows(`stop-loss @ ${filled.triggerPrice}triggered`).filter({ hasText: c.symbol });
    await until('the triggered stop in the history', async () => ((await row.count()) === 1 ? true : undefined)).catch(async (err: unknown) => {
      throw new Error(`${String(err)}; history: ${JSON.stringify(await page.getByRole('table', { name: 'Order history' }).locator('tbody').getByRole('row').allTextContents())}`);
    });
    const cells = await row.first().getByRole('cell').allTextContents();
    expect(cells[4]).toMatch(/triggered \d\d:\d\d:\d\d$/);
    expect(cells[10]).toMatch(/^filled$/i);
    await until('the stop fill marked on the chart', async () => ((await fillsMarked(host)) > marked ? true : undefined));
  }, CASE_MS);

  it('T-Invest: a bond and a future found by ticker show their kind, lot, price step and pricing', async () => {
    await w.select(1);
    const facts = w.ticket().getByLabel('Instrument facts');
    const shown = async (expected: string) => until(`instrument facts "${expected}"`, async () => ((await facts.textContent()) === expected ? true : undefined));

    // OFZ 26238: lot 1, step 0.001 % of a 1000-rouble nominal, accrued interest 14.73 (sim/tinvest/instrument-kinds.ts).
    const bond = await w.findInstrument('SU26238', 'SU26238RMFS4');
    expect(await bond.textContent()).toBe('SU26238RMFS4 — ОФЗ 26238 · Bond · T-Invest');
    await bond.click();
    await page.getByRole('region', { name: 'Chart 1: SU26238RMFS4 1m' }).waitFor({ timeout: PATIENCE_MS });
    await shown('Bond · Lot 1 · price step 0.001 RUB · Price in % of nominal 1000 RUB; accrued interest 14.73 RUB per bond; matures 2041-05-15');
    expect(await w.ticket().getByRole('textbox', { name: /^Quantity/ }).getAttribute('aria-label')).toBe('Quantity (lots)');

    // RTS index future: lot 1, step 10 points, each step 18.49 roubles.
    const future = await w.findInstrument('RIZ6', 'RIZ6');
    expect(await future.textContent()).toBe('RIZ6 — RTS-12.26 Индекс РТС · Future · T-Invest');
    await future.click();
    await page.getByRole('region', { name: 'Chart 1: RIZ6 1m' }).waitFor({ timeout: PATIENCE_MS });
    await shown('Future · Lot 1 · price step 10 RUB · Price in points; one step (10) = 18.49 RUB; underlying RTSI; expires 2026-12-17');

    // And the Si future's own step: 1 point = 1 rouble.
    const si = await w.findInstrument('SiZ6', 'SiZ6');
    expect(await si.textContent()).toMatch(/^SiZ6 — .* · Future · T-Invest$/);
    await si.click();
    await shown('Future · Lot 1 · price step 1 RUB · Price in points; one step (1) = 1 RUB; underlying USDRUBF; expires 2026-12-17');
  }, CASE_MS);

  it('raised nothing on the page', () => {
    expect(stage!.problems).toEqual([]);
  });
});
