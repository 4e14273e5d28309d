/**
 * A chart on an instrument the venue does not know, in Debian Chromium against the headless
 * app and both local venues. The workspace comes back from storage as a trader left it: two
 * charts on instruments each venue has since dropped (T-Invest no longer lists the uid, Kraken
 * no longer the pair), beside two on instruments they do list. Each venue refuses its unknown
 * key (T-Invest: SubscriptionStatus INSTRUMENT_NOT_FOUND on the stream; Kraken: the pair is not
 * in AssetPairs, so the adapter refuses it as Kraken would, "Currency pair not supported").
 * Driven by role and accessible name only. Needs `npm run build:renderer` first.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instrument } from '../../common/domain.js';
import { WORKSPACE_KEY } from '../../renderer/persist.js';
import type { Workspace as SavedWorkspace } from '../../renderer/store/layout.js';
import { PATIENCE_MS, startStage, until, type Stage, type Workspace } from './workspace-page.js';

/** A T-Invest share by an instrument uid the venue does not list. */
const GONE_SHARE: Instrument = {
  venue: 'tinvest',
  id: '5f1e2d3c-4b5a-4968-8776-655443322110',
  symbol: 'TCSG',
  name: 'ТКС Холдинг',
  currency: 'rub',
  priceStep: '0.2',
  qtyStep: '1',
  lotSize: '1',
  minQty: '1',
  qtyUnit: 'lot',
  tradable: true,
  codes: { figi: 'TCS80A107UL4', classCode: 'TQBR' },
};

/** A Kraken pair the venue does not list. */
const GONE_PAIR: Instrument = {
  venue: 'kraken',
  id: 'LUNAUSD',
  symbol: 'LUNA/USD',
  name: 'LUNA/USD',
  currency: 'usd',
  priceStep: '0.0001',
  qtyStep: '0.00000001',
  lotSize: '1',
  minQty: '50',
  qtyUnit: 'base',
  tradable: true,
  codes: { altname: 'LUNAUSD', base: 'LUNA', quote: 'ZUSD', wsname: 'LUNA/USD' },
};

/** Charts 1 and 2 get each venue's usual first instrument (SBER, BTC/USD); 3 and 4 are the dropped ones. */
const SAVED: SavedWorkspace = {
  size: 4,
  active: 0,
  charts: [
    { venue: 'tinvest', interval: '1m' },
    { venue: 'kraken', interval: '1m' },
    { venue: 'tinvest', instrument: GONE_SHARE, interval: '1m' },
    { venue: 'kraken', instrument: GONE_PAIR, interval: '1m' },
  ],
  watchlist: [],
};

describe('a chart on an instrument the venue does not know, in Chromium', () => {
  let stage: Stage | undefined;
  let page: Page;
  let w: Workspace;

  beforeAll(async () => {
    stage = await startStage({ storage: { [WORKSPACE_KEY]: JSON.stringify(SAVED) } });
    ({ page, w } = stage);
    await w.waitForCharts(['SBER', 'BTC/USD', GONE_SHARE.symbol, GONE_PAIR.symbol]);
  }, 180_000);

  afterAll(async () => {
    await stage?.close();
  }, 60_000);

  /** The venue's item in the status bar ("T-Invest (demo): live"), each connection's state in its description. */
  const venueStatus = (venue: string) => page.getByRole('status', { name: new RegExp(`^${venue}( \\(\\w+\\))? connection$`) });

  it.each([
    { venue: 'T-Invest', failing: 3, healthy: 1, symbol: GONE_SHARE.symbol, reason: /: instrument not found \(subscription-status-2\)\./ },
    { venue: 'Kraken', failing: 4, healthy: 2, symbol: GONE_PAIR.symbol, reason: /: unknown Kraken pair \(EQuery:Unknown asset pair\)\./ },
  ])('$venue: the chart says why it gets no live bars, the venue stays live, its other chart keeps moving', async ({ venue, failing, healthy, symbol, reason }) => {
    // The chart's own area says so, in words and with the venue's code (history may fail beside it).
    const why = w.chart(failing).getByRole('alert').filter({ hasText: 'is not sending live' });
    await why.waitFor({ timeout: PATIENCE_MS });
    const text = (await why.textContent()) ?? '';
    expect(text.startsWith(`${venue} is not sending live ${symbol} 1m bars: `)).toBe(true);
    expect(text).toMatch(reason);

    // The refusal is the key's, not the venue's: the venue is live, every connection of it too.
    const status = venueStatus(venue);
    await until(`${venue} live in the status bar`, async () => (/: live$/.test((await status.textContent()) ?? '') ? true : undefined));
    const seen = new Set<string>();
    const note = async () => {
      seen.add((await status.textContent()) ?? '');
      for (const c of ((await status.getAttribute('aria-description')) ?? '').split('; ')) seen.add(c.replace(/ \(.*\)$/, ''));
    };

    // Its chart on a listed instrument goes on: three new last candles, the venue watched all along.
    const legend = w.chart(healthy).getByRole('status', { name: 'Last candle' });
    let last = (await legend.textContent()) ?? '';
    for (let moves = 0; moves < 3; moves++) {
      last = await until(`chart ${healthy} to move on ${venue}`, async () => {
        await note();
        const now = (await legend.textContent()) ?? '';
        return now !== last ? now : undefined;
      });
    }
    await note();
    expect([...seen].filter((s) => !/(^|: )live$/.test(s))).toEqual([]);
    // And the refused chart still says why.
    expect(await why.textContent()).toMatch(reason);
  }, 120_000);

  it('raised nothing on the page', () => {
    expect(stage?.problems).toEqual([]);
  });
});
