import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { Market } from '../../../sim/market.js';
import type { MarketCandle } from '../../../sim/market.js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { SimInstrument, TInvestSim } from '../../../sim/tinvest/server.js';
import { RawClient, scaledOf } from './helpers.js';
import type { HistoricCandleMsg } from './helpers.js';

const HOUR = 3600;
const DAY = 86400;

let sim: TInvestSim;
let client: RawClient;
let market: Market;
let sber: SimInstrument;
let vtbr: SimInstrument;

beforeAll(async () => {
  // A stopped market: its history does not move while the test compares.
  market = new Market({
    seed: 21,
    historySeconds: 3 * DAY,
    symbols: [
      { symbol: 'SBER', startPrice: '300', priceStep: '0.01', qtyStep: '1' },
      { symbol: 'VTBR', startPrice: '84.35', priceStep: '0.005', qtyStep: '1' },
    ],
  });
  sim = await startTInvestSim({ market });
  client = new RawClient(sim.endpoint, sim.token);
  const find = (t: string) => sim.instruments.find((i) => i.ticker === t) ?? expect.unreachable(t);
  sber = find('SBER');
  vtbr = find('VTBR');
});
afterAll(async () => {
  client.close();
  await sim.close();
});

interface CandlesReq {
  instrument_id?: string;
  figi?: string;
  from?: number;
  to?: number;
  interval: number;
  limit?: number;
}

async function getCandles(r: CandlesReq): Promise<HistoricCandleMsg[]> {
  const req = {
    ...(r.instrument_id !== undefined ? { instrument_id: r.instrument_id } : {}),
    ...(r.figi !== undefined ? { figi: r.figi } : {}),
    ...(r.from !== undefined ? { from: { seconds: String(r.from), nanos: 0 } } : {}),
    ...(r.to !== undefined ? { to: { seconds: String(r.to), nanos: 0 } } : {}),
    interval: r.interval,
    ...(r.limit !== undefined ? { limit: r.limit } : {}),
  };
  const { value } = await client.unary<{ candles: HistoricCandleMsg[] }>('MarketDataService', 'GetCandles', req);
  return value.candles;
}

async function rejection(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (e) {
    return e as ServiceError;
  }
  throw new Error('the call succeeded');
}

/** The wire candles read back as the market's scaled integers. */
function asMarket(candles: HistoricCandleMsg[], scale: number) {
  return candles.map((c) => ({
    time: Number(c.time.seconds),
    open: scaledOf(c.open, scale),
    high: scaledOf(c.high, scale),
    low: scaledOf(c.low, scale),
    close: scaledOf(c.close, scale),
    volume: BigInt(c.volume),
  }));
}

function expected(candles: MarketCandle[]) {
  return candles.map(({ time, open, high, low, close, volume }) => ({ time, open, high, low, close, volume }));
}

const nowSec = () => Math.floor(Date.now() / 1000);

describe('T-Invest sim: GetCandles', () => {
  it('returns exactly the market candles of the range, ascending, prices as Quotation', async () => {
    const to = nowSec() + 60;
    const from = to - 6 * HOUR;
    const got = await getCandles({ instrument_id: sber.uid, from, to, interval: 1 });
    const want = market.candles('SBER', 60, from, to);
    expect(want.length).toBeGreaterThan(100);
    expect(asMarket(got, 2)).toEqual(expected(want));
  });

  it('keeps three-decimal price steps exact (VTBR, step 0.005)', async () => {
    const to = nowSec();
    const from = to - 12 * HOUR;
    const got = await getCandles({ instrument_id: vtbr.uid, from, to, interval: 4 });
    expect(asMarket(got, 3)).toEqual(expected(market.candles('VTBR', HOUR, from, to)));
    expect(got.some((c) => c.close.nano % 10_000_000 !== 0)).toBe(true);
  });

  it('finds the instrument by uid, figi, TICKER_CLASSCODE and the deprecated figi field alike', async () => {
    const to = nowSec();
    const from = to - 2 * HOUR;
    const byUid = await getCandles({ instrument_id: sber.uid, from, to, interval: 2 });
    expect(byUid.length).toBeGreaterThan(0);
    expect(await getCandles({ instrument_id: sber.figi, from, to, interval: 2 })).toEqual(byUid);
    expect(await getCandles({ instrument_id: 'SBER_TQBR', from, to, interval: 2 })).toEqual(byUid);
    expect(await getCandles({ figi: sber.figi, from, to, interval: 2 })).toEqual(byUid);
  });

  it('serves 5m, 15m, 1h and 1d candles from the same trades', async () => {
    const to = nowSec();
    const from = to - 2 * DAY;
    for (const [interval, span] of [
      [2, 300],
      [3, 900],
      [4, HOUR],
      [5, DAY],
    ] as const) {
      const got = await getCandles({ instrument_id: sber.uid, from, to, interval });
      expect(asMarket(got, 2)).toEqual(expected(market.candles('SBER', span, from, to)));
    }
  });

  it('marks only the candle still forming as not complete', async () => {
    market.advance();
    const t0 = Date.now() / 1000;
    const got = await getCandles({ instrument_id: sber.uid, from: nowSec() - 2 * HOUR, to: nowSec() + 300, interval: 2 });
    const t1 = Date.now() / 1000;
    const open = got.filter((c) => !c.is_complete);
    expect(open.length).toBeLessThanOrEqual(1);
    for (const c of got) {
      const end = Number(c.time.seconds) + 300;
      if (end <= t0) expect(c.is_complete).toBe(true);
      if (end > t1) expect(c.is_complete).toBe(false);
    }
  });

  it('builds week candles from Monday 00:00 UTC', async () => {
    const to = nowSec();
    const from = to - 20 * DAY;
    const got = await getCandles({ instrument_id: sber.uid, from, to, interval: 12 });
    expect(got.length).toBeGreaterThan(0);
    for (const c of got) expect(new Date(Number(c.time.seconds) * 1000).getUTCDay()).toBe(1);
    const days = market.candles('SBER', DAY, Number(got[0]?.time.seconds), to);
    expect(BigInt(got.map((c) => BigInt(c.volume)).reduce((a, b) => a + b, 0n))).toBe(days.reduce((a, d) => a + d.volume, 0n));
  });

  it('refuses a range longer than the interval allows with 30014', async () => {
    const to = nowSec();
    const err = await rejection(getCandles({ instrument_id: sber.uid, from: to - DAY - 60, to, interval: 1 }));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toBe('30014');
    expect(err.metadata.get('message')[0]).toBeTruthy();
    // The same range is fine for 5-minute candles, and exactly one day is fine for 1-minute ones.
    await expect(getCandles({ instrument_id: sber.uid, from: to - DAY - 60, to, interval: 2 })).resolves.toBeDefined();
    await expect(getCandles({ instrument_id: sber.uid, from: to - DAY, to, interval: 1 })).resolves.toBeDefined();
  });

  it('honours limit: the newest candles of the range, also without from', async () => {
    const to = nowSec();
    const from = to - 6 * HOUR;
    const all = await getCandles({ instrument_id: sber.uid, from, to, interval: 1 });
    const last10 = await getCandles({ instrument_id: sber.uid, from, to, interval: 1, limit: 10 });
    expect(last10).toEqual(all.slice(-10));
    const noFrom = await getCandles({ instrument_id: sber.uid, to, interval: 1, limit: 25 });
    expect(noFrom).toEqual(all.slice(-25));
  });

  it('answers bad requests with the venue codes', async () => {
    const to = nowSec();
    const cases: [CandlesReq, status, string][] = [
      [{ instrument_id: 'NOPE_TQBR', from: to - HOUR, to, interval: 1 }, status.NOT_FOUND, '50002'],
      [{ from: to - HOUR, to, interval: 1 }, status.INVALID_ARGUMENT, '30093'],
      [{ instrument_id: sber.uid, from: to - HOUR, to, interval: 0 }, status.INVALID_ARGUMENT, '30011'],
      [{ instrument_id: sber.uid, from: to, to: to - HOUR, interval: 1 }, status.INVALID_ARGUMENT, '30012'],
      [{ instrument_id: sber.uid, to, interval: 1 }, status.INVALID_ARGUMENT, '30228'],
    ];
    for (const [req, code, details] of cases) {
      const err = await rejection(getCandles(req));
      expect([err.code, err.details]).toEqual([code, details]);
    }
  });
});
