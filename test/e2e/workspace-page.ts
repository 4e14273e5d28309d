/**
 * The workspace as a trader sees it, for the e2e tests: every step finds its control by
 * role and accessible name, as assistive tech would. And the stage it plays on: both local
 * venues, the headless app on them, Debian Chromium on its page.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { silentLogger } from '../../electron/core/log.js';
import { ROOT_DIR, startHeadless, type Headless } from '../../electron/headless.js';
import { mul, nearestSteps, places, withPlaces } from '../../common/decimal.js';
import { startKrakenSim, type KrakenSim } from '../../sim/kraken/server.js';
import { startTInvestSim, type TInvestSim } from '../../sim/tinvest/server.js';
import { krakenReadyLine, tinvestReadyLine } from '../../sim/ready-lines.js';
import { MemorySecretStore } from './memory-secret-store.js';

/** Bounds for failure only: nothing here asserts how fast anything is. */
export const PATIENCE_MS = 60_000;

const CHROMIUM = '/usr/bin/chromium';

/** Throws (never skips) without Chromium: `npm test` installs it first (scripts/system-deps.sh). */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/system-deps.sh (apt-get install -y chromium)`);
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, patience = PATIENCE_MS): Promise<T> {
  const deadline = Date.now() + patience;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(200);
  }
  throw new Error(`gave up waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export interface Stage {
  tinvest: TInvestSim;
  kraken: KrakenSim;
  app: Headless;
  page: Page;
  w: Workspace;
  secrets: MemorySecretStore;
  /** Uncaught page errors and console errors, as they happen. */
  problems: string[];
  /** Closes what was started, last first; calling it again does nothing. */
  close(): Promise<void>;
}

/**
 * Starts both local venues (seeded), the headless app on them and Chromium on its page.
 * `storage` is the page's localStorage before the app starts, as a previous run left it.
 */
export async function startStage(o: { storage?: Record<string, string> } = {}): Promise<Stage> {
  requireChromium();
  if (!existsSync(path.join(ROOT_DIR, 'renderer', 'dist', 'index.html'))) {
    throw new Error('no renderer build: run `npm run build:renderer` before the e2e test');
  }
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c();
  };
  try {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'switchboard-e2e-'));
    closers.push(() => rm(tmp, { recursive: true, force: true }));
    const tinvest = await startTInvestSim({ seed: 3 });
    closers.push(() => tinvest.close());
    const kraken = await startKrakenSim({ seed: 3 });
    closers.push(() => kraken.close());
    const secrets = new MemorySecretStore();
    const app = await startHeadless({ port: 0, demoLines: [tinvestReadyLine(tinvest), krakenReadyLine(kraken)], stateDir: tmp, dataDir: tmp, secretStore: secrets, log: silentLogger });
    closers.push(() => app.close());
    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    closers.push(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    // Runs in the page before its own scripts (this side's tsconfig has no DOM types).
    if (o.storage) await context.addInitScript({ content: `for (const [k, v] of Object.entries(${JSON.stringify(o.storage)})) localStorage.setItem(k, v);` });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    await page.goto(app.url);
    return { tinvest, kraken, app, page, w: new Workspace(page), secrets, problems, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export class Workspace {
  constructor(readonly page: Page) {}

  chart(n: number): Locator {
    return this.page.getByRole('region', { name: new RegExp(`^Chart ${n}: `) });
  }

  ticket(): Locator {
    return this.page.getByRole('form', { name: 'Order ticket' });
  }

  async waitForCharts(symbols: string[]): Promise<void> {
    for (const [i, symbol] of symbols.entries()) {
      await this.page.getByRole('region', { name: `Chart ${i + 1}: ${symbol} 1m` }).waitFor({ timeout: PATIENCE_MS });
    }
  }

  /** The last close the chart shows, exact as the venue sent it. */
  async lastClose(n: number): Promise<string> {
    const legend = this.chart(n).getByRole('status', { name: 'Last candle' });
    return until(`a candle on chart ${n}`, async () => /\bC (\d+(?:\.\d+)?) /.exec((await legend.textContent()) ?? '')?.[1]);
  }

  /** A limit price `factor` away from the last close, on the tick (below it). */
  async priceAway(n: number, factor: string, tick: string): Promise<string> {
    return withPlaces(nearestSteps(mul(await this.lastClose(n), factor), tick).down, places(tick));
  }

  async select(n: number): Promise<void> {
    await this.page.getByRole('button', { name: `Select chart ${n}` }).click();
  }

  async tab(name: string): Promise<void> {
    await this.page.getByRole('tablist', { name: 'Panels' }).getByRole('tab', { name: new RegExp(`^${name}`) }).click();
  }

  /** Fills the ticket and sends it through the confirmation step (unless one-click is on). */
  async order(o: { side: 'buy' | 'sell'; type: 'limit' | 'market'; quantity: string; price?: string; confirm?: boolean }): Promise<void> {
    const t = this.ticket();
    await t.getByRole('radiogroup', { name: 'Side' }).getByRole('radio', { name: o.side === 'buy' ? 'Buy' : 'Sell' }).click();
    await t.getByRole('radiogroup', { name: 'Order type' }).getByRole('radio', { name: o.type === 'limit' ? 'Limit' : 'Market' }).click();
    await t.getByRole('textbox', { name: /^Quantity/ }).fill(o.quantity);
    if (o.price !== undefined) await t.getByRole('textbox', { name: 'Limit price' }).fill(o.price);
    await t.getByRole('button', { name: o.side === 'buy' ? /^Buy / : /^Sell / }).click();
    if (o.confirm ?? true) {
      const dialog = this.page.getByRole('dialog', { name: 'Confirm order' });
      await dialog.getByRole('button', { name: 'Send order' }).click();
      await dialog.waitFor({ state: 'hidden' });
    }
  }

  /** The depth ladder of an instrument (shown for the active chart). */
  ladder(symbol: string): Locator {
    return this.page.getByRole('region', { name: `Depth ladder ${symbol}` });
  }

  /** Turns one-click trading on or off with the ticket's switch, as a trader would. */
  async setOneClick(on: boolean): Promise<void> {
    const box = this.ticket().getByRole('checkbox', { name: 'One-click trading' });
    if (on) await box.check();
    else await box.uncheck();
    await this.ticket()
      .getByRole('status', { name: 'One-click trading is on' })
      .waitFor({ state: on ? 'visible' : 'detached', timeout: PATIENCE_MS });
  }

  /** Sends a stop loss (market after the trigger) from the ticket through the confirmation step. */
  async stopLoss(o: { side: 'buy' | 'sell'; quantity: string; trigger: string }): Promise<void> {
    const t = this.ticket();
    await t.getByRole('radiogroup', { name: 'Side' }).getByRole('radio', { name: o.side === 'buy' ? 'Buy' : 'Sell' }).click();
    await t.getByRole('radiogroup', { name: 'Order type' }).getByRole('radio', { name: 'Stop loss', exact: true }).click();
    await t.getByRole('textbox', { name: /^Quantity/ }).fill(o.quantity);
    await t.getByRole('textbox', { name: 'Trigger price' }).fill(o.trigger);
    await t.getByRole('button', { name: o.side === 'buy' ? /^Buy / : /^Sell / }).click();
    const dialog = this.page.getByRole('dialog', { name: 'Confirm order' });
    await dialog.getByRole('button', { name: 'Send order' }).click();
    await dialog.waitFor({ state: 'hidden' });
  }

  /** Types into the toolbar's instrument box and returns the option whose text starts with `symbol`. */
  async findInstrument(query: string, symbol: string): Promise<Locator> {
    const box = this.page.getByRole('combobox', { name: 'Instrument' });
    await box.click();
    await box.fill(query);
    const option = this.page.getByRole('listbox', { name: 'Instruments' }).getByRole('option', { name: new RegExp(`^${symbol} — `) });
    await option.waitFor({ timeout: PATIENCE_MS });
    return option;
  }

  openOrders(): Locator {
    return this.page.getByRole('table', { name: 'Open orders' });
  }

  /** Rows of the open orders table with this text (body rows only). */
  openRows(text: string | RegExp): Locator {
    return this.openOrders().locator('tbody').getByRole('row').filter({ hasText: text });
  }

  historyRows(text: string | RegExp): Locator {
    return this.page.getByRole('table', { name: 'Order history' }).locator('tbody').getByRole('row').filter({ hasText: text });
  }

  priceLines(symbol: string): Locator {
    return this.page.getByRole('list', { name: `Price lines on ${symbol}` }).getByRole('listitem');
  }

  /** The quantity cell of an asset in a venue's positions, or undefined when it holds none. */
  async position(venueName: string, asset: string): Promise<string | undefined> {
    const table = this.page.getByRole('table', { name: new RegExp(`^Positions — ${venueName}`) }).first();
    await table.waitFor({ timeout: PATIENCE_MS });
    const row = table.getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: asset, exact: true }) });
    if ((await row.count()) === 0) return undefined;
    return (await row.first().getByRole('cell').first().textContent()) ?? undefined;
  }
}

// ── the gateway link (a console attached to a gateway; issue 14) ──

/** Debian Chromium on a page of our own (a bridge a test started itself); `close` closes the browser. */
export async function openPage(url: string): Promise<{ page: Page; w: Workspace; problems: string[]; close(): Promise<void> }> {
  requireChromium();
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    await page.goto(url);
    return { page, w: new Workspace(page), problems, close: () => browser.close() };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** The diagnostics panel's "Gateway link" section (open the Diagnostics tab first). */
export function gatewayLinkRegion(page: Page): Locator {
  return page.getByRole('region', { name: /^Gateway link: / });
}

/** The status bar's "via gateway" item (a console only). */
export function gatewayLinkStatus(page: Page): Locator {
  return page.getByRole('status', { name: 'Gateway link' });
}

/** The heading the gateway's venue connections sit under in a console's diagnostics. */
export function gatewayConnectionsHeading(page: Page): Locator {
  return page.getByRole('heading', { name: 'Venue connections — at the gateway' });
}

export interface GatewayLinkView {
  state: string;
  /** Each figure by its term: "RTT", "Order stream", "Order events", "Market data", "Last error" … */
  rows: Record<string, string>;
  /** As shown: newest first. */
  timeline: string[];
}

/** What the Gateway link section shows now, or undefined when there is none. */
export async function readGatewayLink(page: Page): Promise<GatewayLinkView | undefined> {
  const region = gatewayLinkRegion(page);
  if ((await region.count()) === 0) return undefined;
  const heading = (await region.getByRole('heading').first().textContent()) ?? '';
  const terms = await region.locator('dt').allTextContents();
  const values = await region.locator('dd').allTextContents();
  const timeline = await region.getByRole('list', { name: 'Gateway link timeline' }).getByRole('listitem').allTextContents();
  return { state: heading.replace(/^Gateway link: /, ''), rows: Object.fromEntries(terms.map((t, i) => [t, values[i] ?? ''])), timeline };
}

/**
 * The answers the page's bridge gave, by method, read off its WebSocket's frames. Attach before
 * the page opens its socket (then reload or navigate).
 */
export function recordBridgeAnswers(page: Page): Map<string, unknown[]> {
  const answers = new Map<string, unknown[]>();
  page.on('websocket', (ws) => {
    const methods = new Map<unknown, string>();
    const parse = (payload: string | Buffer): Record<string, unknown> | undefined => {
      try {
        const v: unknown = JSON.parse(payload.toString());
        return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
      } catch {
        return undefined;
      }
    };
    ws.on('framesent', ({ payload }) => {
      const m = parse(payload);
      if (m && typeof m.method === 'string') methods.set(m.id, m.method);
    });
    ws.on('framereceived', ({ payload }) => {
      const m = parse(payload);
      const method = m && 'result' in m ? methods.get(m.id) : undefined;
      if (!m || method === undefined) return;
      methods.delete(m.id);
      let list = answers.get(method);
      if (!list) answers.set(method, (list = []));
      list.push(m.result);
    });
  });
  return answers;
}
