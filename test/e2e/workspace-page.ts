/**
 * The workspace as a trader sees it, for the e2e tests: every step finds its control by
 * role and accessible name, as assistive tech would.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Locator, Page } from 'playwright-core';
import { multiply, nearestMultiples } from '../../renderer/decimal.js';

/** Bounds for failure only: nothing here asserts how fast anything is. */
export const PATIENCE_MS = 60_000;

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
    return nearestMultiples(multiply(await this.lastClose(n), factor), tick).below;
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
