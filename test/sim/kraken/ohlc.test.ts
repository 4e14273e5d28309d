import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Market, formatFixed } from '../../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { publicGet } from './clients.js';

type Row = [number, string, string, string, string, string, string, number];

describe('Kraken sim REST OHLC', () => {
  let sim: KrakenSim;
  let market: Market;
  // A stopped clock in the middle of a minute: history and "now" are fixed for the whole file.
  let clock = Date.UTC(2025, 4, 14, 12, 30, 25, 500);
  const now = (): number => clock;

  beforeAll(async () => {
    market = new Market({ seed: 5, symbols: krakenMarketSymbols(), now, historySeconds: 3 * 86400 });
    sim = await startKrakenSim({ seed: 5, market, now, tier: 'pro' });
  });
  afterAll(() => sim.close());

  const ohlc = async (query: Record<string, string | number>): Promise<{ rows: Row[]; last: number; keys: string[] }> => {
    const env = await publicGet(sim.rest, 'OHLC', query);
    expect(env.error).toEqual([]);
    const result = env.result ?? {};
    const keys = Object.keys(result);
    const id = keys.find((k) => k !== 'last') ?? '';
    return { rows: result[id] as Row[], last: result['last'] as number, keys };
  };

  it('keys the rows by pair id whatever name was asked, with [time, o, h, l, c, vwap, volume, count] at the pair precision', async () => {
    const { rows, keys } = await ohlc({ pair: 'XBTUSD', interval: 1 });
    expect(keys.sort()).toEqual(['XXBTZUSD', 'last']);
    for (const r of rows) {
      expect(r).toHaveLength(8);
      expect(Number.isInteger(r[0])).toBe(true);
      for (const i of [1, 2, 3, 4, 5]) expect(r[i]).toMatch(/^\d+\.\d$/);
      expect(r[6]).toMatch(/^\d+\.\d{8}$/);
      expect(Number.isInteger(r[7])).toBe(true);
    }
    const eth = await ohlc({ pair: 'XETHZUSD', interval: 5 });
    expect(eth.keys).toContain('XETHZUSD');
    expect(eth.rows[0]?.[1]).toMatch(/^\d+\.\d{2}$/);
  });

  it('returns the 720 latest intervals, the last one the forming candle, and `last` the newest committed one', async () => {
    const { rows, last } = await ohlc({ pair: 'XXBTZUSD', interval: 1 });
    expect(rows).toHaveLength(720);
    const openNow = Math.floor(clock / 60000) * 60;
    expect(rows.at(-1)?.[0]).toBe(openNow);
    expect(rows[0]?.[0]).toBe(openNow - 719 * 60);
    for (let i = 1; i < rows.length; i++) expect((rows[i]?.[0] ?? 0) - (rows[i - 1]?.[0] ?? 0)).toBe(60);
    expect(last).toBe(openNow - 60);
  });

  it('matches the market candles row for row, vwap before volume', async () => {
    const { rows } = await ohlc({ pair: 'XXBTZUSD', interval: 15 });
    const span = 900;
    const candles = new Map(market.candles('BTC/USD', span, (rows[0]?.[0] ?? 0), (rows.at(-1)?.[0] ?? 0) + span).map((c) => [c.time, c]));
    const qtyScale = market.info('BTC/USD').qtyScale;
    let compared = 0;
    for (const r of rows) {
      const c = candles.get(r[0]);
      if (!c) {
        expect(r[7]).toBe(0);
        expect(r[6]).toBe('0.00000000');
        continue;
      }
      compared++;
      expect([r[1], r[2], r[3], r[4]]).toEqual([c.open, c.high, c.low, c.close].map((v) => formatFixed(v, 1)));
      expect(r[6]).toBe(formatFixed(c.volume * 10n ** BigInt(8 - qtyScale), 8));
      const vwap = (c.turnover * 2n + c.volume) / (2n * c.volume);
      expect(r[5]).toBe(formatFixed(vwap, 1));
      expect(r[7]).toBe(c.trades);
    }
    expect(compared).toBeGreaterThan(200);
  });

  it('treats since as exclusive and always ends with the open candle, even when since is after it', async () => {
    const all = (await ohlc({ pair: 'XXBTZUSD', interval: 1 })).rows;
    const cut = all[700]?.[0] ?? 0;
    const after = (await ohlc({ pair: 'XXBTZUSD', interval: 1, since: cut })).rows;
    expect(after.map((r) => r[0])).toEqual(all.slice(701).map((r) => r[0]));
    const future = (await ohlc({ pair: 'XXBTZUSD', interval: 1, since: Math.floor(clock / 1000) + 3600 })).rows;
    expect(future).toHaveLength(1);
    expect(future[0]?.[0]).toBe(all.at(-1)?.[0]);
  });

  it('shows a new trade in the open candle', async () => {
    const openNow = Math.floor(clock / 60000) * 60;
    market.printTrade('BTC/USD', 6_500_000n, 5n, 'buy', clock);
    const { rows } = await ohlc({ pair: 'XXBTZUSD', interval: 1 });
    const c = market.currentCandle('BTC/USD', 60, clock);
    expect(rows.at(-1)?.[0]).toBe(openNow);
    expect(rows.at(-1)?.[4]).toBe('650000.0');
    expect(rows.at(-1)?.[7]).toBe(c?.trades);
    clock += 60_000;
    const next = await ohlc({ pair: 'XXBTZUSD', interval: 1 });
    expect(next.rows.at(-1)?.[0]).toBe(openNow + 60);
    expect(next.last).toBe(openNow);
  });

  it('refuses an interval Kraken does not have and an unknown pair', async () => {
    expect((await publicGet(sim.rest, 'OHLC', { pair: 'XBTUSD', interval: 2 })).error).toEqual(['EGeneral:Invalid arguments']);
    expect((await publicGet(sim.rest, 'OHLC', { pair: 'XBTEUR', interval: 1 })).error).toEqual(['EQuery:Unknown asset pair']);
    const weeks = await publicGet(sim.rest, 'OHLC', { pair: 'XBTUSD', interval: 21600 });
    expect(weeks.error).toEqual([]);
  });
});
