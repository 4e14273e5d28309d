/**
 * Issue 14's must-show in Debian Chromium: two consoles on one gateway. Real parts only:
 * Debian's nats-server with the desk's users (electron/gateway/nats-config.ts), both local
 * venues, a gateway on them (logged in as `gateway`), two headless consoles serving the built
 * renderer — A logged in as `trader`, B as `viewer` — and a Chromium page on each.
 *
 * The trader places a resting limit order through A's ticket; B's blotter shows it. The viewer's
 * ticket is refused by the NATS server, the page says so (read-only, the subject), and nothing
 * reaches the venue. A cancels; B shows it cancelled. A's diagnostics show the gateway link live
 * with the gateway's venue connections beneath it. Needs `npm run build:renderer` first. Leaves a
 * screenshot of both pages side by side at docs/gateway-consoles.png.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmp, dec } from '../../common/decimal.js';
import { silentLogger } from '../../electron/core/log.js';
import type { DeskRole } from '../../electron/gateway/nats-config.js';
import type { NatsLinkOptions } from '../../electron/gateway/nats-link.js';
import { methodSubject } from '../../electron/gateway/protocol.js';
import { ROOT_DIR, startHeadless, type Headless } from '../../electron/headless.js';
import { Desk } from '../gateway/desk-rig.js';
import { TEST_PASSWORDS, testDeskUsers } from '../nats/desk-config.js';
import { startNats, type NatsServer } from '../nats/nats-server.js';
import { PATIENCE_MS, requireChromium, until, Workspace } from './workspace-page.js';

const SCREENSHOT = path.join(ROOT_DIR, 'docs', 'gateway-consoles.png');
/** Each case may wait for the gateway and the venue more than once. */
const CASE_MS = 4 * PATIENCE_MS;

/** Open orders columns: Time, Venue, Instrument, Side, Type, Quantity, Filled, Price, Amends, Status. */
const OPEN = { instrument: 2, price: 7, status: 9 } as const;
/** Order history columns: …, Price (7), Average, Amends, Final state (10), Reason. */
const HISTORY = { instrument: 2, price: 7, state: 10 } as const;

interface ConsolePage {
  role: DeskRole;
  app: Headless;
  page: Page;
  w: Workspace;
  /** Uncaught page errors and console errors, as they happen. */
  problems: string[];
}

let nats: NatsServer | undefined;
let desk: Desk | undefined;
let browser: Browser | undefined;
let tmp = '';
const apps: Headless[] = [];
let a: ConsolePage;
let b: ConsolePage;

function loginAs(role: DeskRole): NatsLinkOptions {
  return { servers: [nats!.url], user: role, password: TEST_PASSWORDS[role] };
}

/** A headless console logged in to NATS as `role`, serving the built renderer, and a Chromium page on it. */
async function openConsole(role: DeskRole): Promise<ConsolePage> {
  const app = await startHeadless({
    port: 0,
    gateway: loginAs(role),
    consoleId: `e2e-${role}`,
    dataDir: path.join(tmp, `console-${role}`),
    stateDir: path.join(tmp, `console-${role}-state`),
    log: silentLogger,
  });
  apps.push(app);
  // One context each: two origins anyway (two ports), nothing shared between the traders.
  const context = await browser!.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const c: ConsolePage = { role, app, page, w: new Workspace(page), problems: [] };
  page.on('pageerror', (err) => c.problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') c.problems.push(`console error: ${msg.text()}`);
  });
  await page.goto(app.url);
  return c;
}

/** The cells of a table row, as text. */
async function cells(row: ReturnType<Workspace['openRows']>): Promise<string[]> {
  return row.first().getByRole('cell').allTextContents();
}

/** Kraken's own record of orders: what reached the venue, whoever sent it. */
function venueOrders(): { clOrdId: string | undefined; status: string; price: string | undefined }[] {
  return [...desk!.kraken.record.orders.values()].map((o) => ({ clOrdId: o.clOrdId, status: o.status, price: o.price }));
}

describe('two consoles in Chromium on one gateway', () => {
  /** The order the trader placed from console A. */
  let price = '';

  beforeAll(async () => {
    requireChromium();
    if (!existsSync(path.join(ROOT_DIR, 'renderer', 'dist', 'index.html'))) {
      throw new Error('no renderer build: run `npm run build:renderer` before the e2e test');
    }
    tmp = await mkdtemp(path.join(os.tmpdir(), 'sb-e2e-desk-'));
    nats = await startNats({ jetstream: true, users: testDeskUsers() });
    // The rig brings the venues and the gateway; the consoles are started here, on the built renderer.
    desk = new Desk({ nats: () => loginAs('gateway') });
    await desk.start();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    a = await openConsole('trader');
    b = await openConsole('viewer');
    // Demo mode through the gateway: T-Invest and Kraken side by side, on both consoles.
    await a.w.waitForCharts(['SBER', 'BTC/USD']);
    await b.w.waitForCharts(['SBER', 'BTC/USD']);
  }, 240_000);

  afterAll(async () => {
    for (const app of apps.splice(0).reverse()) {
      await app.shutdown().catch(() => undefined);
      await app.close().catch(() => undefined);
    }
    await browser?.close();
    await desk?.close();
    await nats?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }, 120_000);

  it("shows the trader's order, placed through console A's ticket, in console B's blotter", async () => {
    await a.w.select(2);
    price = dec(await a.w.priceAway(2, '0.8', '0.1'));
    await a.w.order({ side: 'buy', type: 'limit', quantity: '0.01', price });
    await expect
      .poll(() => a.w.ticket().getByRole('status').filter({ hasText: /^Buy 0\.01 BTC\/USD/ }).first().textContent(), { timeout: PATIENCE_MS })
      .toMatch(/: open$/);

    // At the venue: one order, the trader's, resting at that price.
    const atVenue = await until('the order at the venue', async () => venueOrders().find((o) => o.price !== undefined && cmp(dec(o.price), price) === 0));
    expect(venueOrders()).toHaveLength(1);

    // Console B: same instrument, price, status open — from the gateway's order stream.
    await b.w.tab('Open orders');
    const row = b.w.openRows('BTC/USD');
    await until("the order in B's blotter, open", async () => ((await row.count()) === 1 && (await cells(row))[OPEN.status] === 'open' ? true : undefined));
    const shown = await cells(row);
    expect(shown[OPEN.instrument]).toBe('BTC/USD');
    expect(cmp(dec(shown[OPEN.price]!), price)).toBe(0);
    await a.w.tab('Open orders');
    await until("the order in A's blotter, open", async () => ((await cells(a.w.openRows('BTC/USD')))[OPEN.status] === 'open' ? true : undefined));
    expect(atVenue.status).toBe('open');
  }, CASE_MS);

  it("refuses the viewer's order with a clear message, and nothing reaches the venue", async () => {
    const before = venueOrders().length;
    await b.w.select(2);
    const away = dec(await b.w.priceAway(2, '0.7', '0.1'));
    await b.w.order({ side: 'buy', type: 'limit', quantity: '0.01', price: away });
    const alert = b.w.ticket().getByRole('alert');
    await alert.waitFor({ timeout: PATIENCE_MS });
    const said = (await alert.textContent()) ?? '';
    expect(said).toContain('read-only');
    expect(said).toContain(methodSubject('orders.place'));
    expect(said).toContain('NATS user "viewer"');
    expect(said).not.toMatch(/Outcome unknown/);
    // Final: sending it again could only be refused again, so the ticket offers no retry.
    expect(await b.w.ticket().getByRole('button', { name: /retry/i }).count()).toBe(0);
    // The venue never heard of it, and neither blotter shows it.
    expect(venueOrders()).toHaveLength(before);
    expect(venueOrders().some((o) => o.price !== undefined && cmp(dec(o.price), away) === 0)).toBe(false);
    await b.w.tab('Open orders');
    expect(await b.w.openRows('BTC/USD').count()).toBe(1);
    expect(await a.w.openRows('BTC/USD').count()).toBe(1);
  }, CASE_MS);

  it("cancels the order from console A and console B shows it cancelled", async () => {
    await a.w.tab('Open orders');
    const row = a.w.openRows('BTC/USD');
    await row.getByRole('button', { name: /^Cancel Buy 0\.01 BTC\/USD/ }).click();
    await row.waitFor({ state: 'detached', timeout: PATIENCE_MS });

    await b.w.openRows('BTC/USD').waitFor({ state: 'detached', timeout: PATIENCE_MS });
    await b.w.tab('Order history');
    const done = b.w.historyRows('BTC/USD');
    await until("the order in B's history, cancelled", async () => ((await cells(done))[HISTORY.state] === 'cancelled' ? true : undefined));
    expect(cmp(dec((await cells(done))[HISTORY.price]!), price)).toBe(0);
    // At the venue too: the one order there, cancelled.
    const [only] = venueOrders();
    expect(venueOrders()).toHaveLength(1);
    expect(only!.status).toMatch(/^cancel/);
  }, CASE_MS);

  it("shows console A's gateway link live in Diagnostics, with the gateway's venue connections beneath it", async () => {
    await a.w.tab('Diagnostics');
    const link = a.page.getByRole('region', { name: /^Gateway link: / });
    await until('the gateway link live', async () => ((await link.getByRole('heading').first().textContent()) === 'Gateway link: live' ? true : undefined));
    const terms = await link.locator('dt').allTextContents();
    const values = await link.locator('dd').allTextContents();
    const rows = Object.fromEntries(terms.map((t, i) => [t, values[i] ?? '']));
    expect(rows.Gateway).toContain(desk!.gateway!.service.gatewayId);
    expect(rows.NATS).toBe(`${nats!.url} as trader`);

    // Beneath it, under their own heading: the connections as the gateway sees them, live.
    const heading = a.page.getByRole('heading', { name: 'Venue connections — at the gateway' });
    await heading.waitFor({ timeout: PATIENCE_MS });
    for (const venue of ['Kraken', 'T-Invest']) {
      const card = a.page.getByRole('article', { name: new RegExp(`^${venue} .+ diagnostics$`) }).first();
      await until(`a live ${venue} connection`, async () => ((await card.getByRole('heading').textContent())?.endsWith(': live') ? true : undefined));
      // Below the link in the panel's order.
      const [l, c] = [await link.boundingBox(), await card.boundingBox()];
      expect(l && c && c.y > l.y).toBe(true);
    }

    // Both pages side by side, for the docs: A's link, B's refusal and its cancelled order in view.
    await link.scrollIntoViewIfNeeded();
    await b.w.tab('Order history');
    const refusal = b.w.ticket().getByRole('alert');
    if ((await refusal.count()) > 0) await refusal.scrollIntoViewIfNeeded();
    const [left, right] = await Promise.all([a.page.screenshot(), b.page.screenshot()]);
    const sheet = await browser!.newPage({ viewport: { width: 2 * 1440, height: 900 } });
    await sheet.setContent(
      `<body style="margin:0;display:flex"><img src="data:image/png;base64,${left.toString('base64')}"><img src="data:image/png;base64,${right.toString('base64')}"></body>`,
    );
    await sheet.screenshot({ path: SCREENSHOT });
    await sheet.close();

    expect(a.problems).toEqual([]);
    expect(b.problems).toEqual([]);
  }, CASE_MS);
});
