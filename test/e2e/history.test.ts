/**
 * The History panel in Debian Chromium against the headless app on both local venues: a
 * market order filled on each venue shows in the persisted orders, as trades with their fees,
 * and as a position with its average cost and P&L; both exports download as CSV; and after
 * the app is restarted on the same data folder (the local venues running on) the history and
 * P&L read the same. Driven by role and accessible name only. Needs `npm run build:renderer`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../electron/core/log.js';
import { ROOT_DIR, startHeadless, type Headless } from '../../electron/headless.js';
import { startKrakenSim, type KrakenSim } from '../../sim/kraken/server.js';
import { krakenReadyLine, tinvestReadyLine } from '../../sim/ready-lines.js';
import { startTInvestSim, type TInvestSim } from '../../sim/tinvest/server.js';
import { MemorySecretStore } from './memory-secret-store.js';
import { PATIENCE_MS, Workspace, requireChromium } from './workspace-page.js';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Body rows of a table as lists of cell texts (row header first when there is one). */
async function rowsOf(table: Locator): Promise<string[][]> {
  const out: string[][] = [];
  for (const row of await table.locator('tbody tr').all()) {
    out.push((await row.locator('th, td').allTextContents()).map((t) => t.trim()));
  }
  return out;
}

/** What must survive a restart of a P&L row: all but the last price and unrealized, which move with the market. */
function lasting(row: readonly string[]): string[] {
  const [instrument, venue, account, quantity, averageCost, , realized, , fees, currency] = row;
  return [instrument, venue, account, quantity, averageCost, realized, fees, currency].map((c) => c ?? '');
}

describe('the History panel in Chromium', () => {
  let tinvest: TInvestSim | undefined;
  let kraken: KrakenSim | undefined;
  let app: Headless | undefined;
  let browser: Browser | undefined;
  let dataDir: string;
  let port: number;
  let page: Page;
  let w: Workspace;
  const secrets = new MemorySecretStore();
  const problems: string[] = [];

  const start = (): Promise<Headless> =>
    startHeadless({ port, demoLines: [tinvestReadyLine(tinvest!), krakenReadyLine(kraken!)], stateDir: dataDir, dataDir, secretStore: secrets, log: silentLogger });
  const history = () => page.getByRole('tablist', { name: 'History views' });
  const view = async (name: 'Orders' | 'Trades' | 'P&L') => history().getByRole('tab', { name, exact: true }).click();
  const table = (name: string) => page.getByRole('table', { name, exact: true });

  beforeAll(async () => {
    requireChromium();
    if (!existsSync(path.join(ROOT_DIR, 'renderer', 'dist', 'index.html'))) throw new Error('no renderer build: run `npm run build:renderer` first');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-history-'));
    port = await freePort();
    tinvest = await startTInvestSim({ seed: 5 });
    kraken = await startKrakenSim({ seed: 5 });
    app = await start();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(app.url);
    w = new Workspace(page);
    await w.waitForCharts(['SBER', 'BTC/USD']);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await kraken?.close();
    await tinvest?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  let pnlBefore: string[][] = [];
  let ordersBefore: string[][] = [];
  let tradesBefore: string[][] = [];

  it('shows a filled market order of each venue as orders, trades with fees, and a position with its P&L', async () => {
    await w.select(1);
    await w.order({ side: 'buy', type: 'market', quantity: '1' });
    await w.select(2);
    await w.order({ side: 'buy', type: 'market', quantity: '0.01' });

    await w.tab('History');
    await view('Trades');
    await expect
      .poll(async () => (await rowsOf(table('Trades'))).map((r) => `${r[3]} ${r[4]} ${r[5]}`).sort(), { timeout: PATIENCE_MS })
      .toEqual(['BTC/USD Buy 0.01', 'SBER Buy 10']);
    tradesBefore = await rowsOf(table('Trades'));

    await view('P&L');
    await expect.poll(async () => (await rowsOf(table('Profit and loss'))).map((r) => `${r[0]} ${r[3]}`).sort(), { timeout: PATIENCE_MS }).toEqual(['BTC/USD 0.01', 'SBER 10']);
    // Fills carry fees: a venue may tell them a little later (T-Invest in its operations), but it tells.
    await expect
      .poll(async () => (await rowsOf(table('Profit and loss'))).filter((r) => r[8] === '0').map((r) => r[0]), { timeout: PATIENCE_MS, message: 'positions whose fees are still 0' })
      .toEqual([]);
    pnlBefore = await rowsOf(table('Profit and loss'));
    // And the trades show them too (the panel reloads when the core says the ledger changed).
    await view('Trades');
    await expect.poll(async () => (await rowsOf(table('Trades'))).filter((r) => r[7] === '0').length, { timeout: PATIENCE_MS, message: 'trades whose fee is still 0' }).toBe(0);
    tradesBefore = await rowsOf(table('Trades'));
    await view('P&L');
    for (const row of pnlBefore) {
      // Bought only: nothing realized, and the fees of the buys are in the average cost.
      expect(row[6]).toBe('0');
      expect(row[4]).toMatch(/^\d/);
    }

    await view('Orders');
    await expect.poll(async () => (await rowsOf(table('Order history (all)'))).filter((r) => r[10] === 'filled').length, { timeout: PATIENCE_MS }).toBe(2);
    ordersBefore = await rowsOf(table('Order history (all)'));
    expect(problems).toEqual([]);
  }, 180_000);

  it('downloads the orders and the trades as CSV files', async () => {
    const saved = async (button: string) => {
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: PATIENCE_MS }), page.getByRole('button', { name: button }).click()]);
      return { name: download.suggestedFilename(), text: await readFile(await download.path(), 'utf8') };
    };
    const trades = await saved('Export trades CSV');
    expect(trades.name).toMatch(/^switchboard-trades-\d{4}-\d{2}-\d{2}\.csv$/);
    // A byte-order mark for spreadsheets, the header, then one CRLF line per trade.
    expect(trades.text.startsWith('\uFEFFtime,venue,account,trade id,instrument,symbol,side,')).toBe(true);
    const tradeLines = trades.text.slice(1).split('\r\n').filter(Boolean);
    expect(tradeLines).toHaveLength(3);
    expect(tradeLines.some((l) => /^\d{4}-\d{2}-\d{2}T[\d:.]+Z,tinvest,.*,SBER,buy,10,/.test(l))).toBe(true);
    expect(tradeLines.some((l) => /^\d{4}-\d{2}-\d{2}T[\d:.]+Z,kraken,.*,BTC\/USD,buy,0\.01,/.test(l))).toBe(true);

    const orders = await saved('Export orders CSV');
    expect(orders.name).toMatch(/^switchboard-orders-\d{4}-\d{2}-\d{2}\.csv$/);
    const orderLines = orders.text.slice(1).split('\r\n').filter(Boolean);
    expect(orderLines[0]).toBe(
      'created,venue,account,client order id,venue order id,instrument,symbol,side,type,quantity,price,trigger price,trailing offset,time in force,expires,status,triggered at,filled,average price,amends,fees,reason',
    );
    // A market order: no price, trigger or trailing offset; then its time in force and expiry, if any.
    expect(orderLines.filter((l) => /,market,[^,]*,,,,[^,]*,[^,]*,filled,/.test(l))).toHaveLength(2);
  }, 120_000);

  it('reads the same orders, trades and P&L after the app is restarted on the same data folder', async () => {
    await app!.close();
    app = undefined;
    app = await start();
    await page.goto(app.url);
    await w.waitForCharts(['SBER', 'BTC/USD']);
    await w.tab('History');
    await view('P&L');
    await expect.poll(async () => (await rowsOf(table('Profit and loss'))).map(lasting), { timeout: PATIENCE_MS, message: 'P&L after the restart' }).toEqual(pnlBefore.map(lasting));
    await view('Trades');
    await expect.poll(async () => rowsOf(table('Trades')), { timeout: PATIENCE_MS, message: 'trades after the restart' }).toEqual(tradesBefore);
    await view('Orders');
    await expect.poll(async () => rowsOf(table('Order history (all)')), { timeout: PATIENCE_MS, message: 'orders after the restart' }).toEqual(ordersBefore);
  }, 180_000);
});
