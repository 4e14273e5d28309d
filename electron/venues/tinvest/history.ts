/**
 * Historical candles from GetCandles (§2.2). A request may span at most the interval's
 * maximum (30014 beyond), so ranges are cut into spans and asked in order. Candles come out
 * as domain candles: time = UTC seconds of the open, volume in lots.
 */
import { candleProblem } from '../../../common/candle-sanity.js';
import type { Candle, CandleKey } from '../../../common/domain.js';
import { INTERVAL_SECONDS, candleOpen } from '../../../common/domain.js';
import type { HistoryRequest } from '../venue.js';
import { CANDLE_INTERVAL, DEADLINE_MS, MAX_CANDLE_SPAN_SEC } from './constants.js';
import type { GetCandlesRequest, GetCandlesResponse, HistoricCandleMsg } from './messages.js';
import type { Method } from './proto.js';
import { QuotationError, quotationToDec } from './quotation.js';
import type { TInvestRpc } from './rpc.js';

export type GetCandlesMethod = Method<GetCandlesRequest, GetCandlesResponse>;

/** A HistoricCandle as a domain candle, or why it cannot be one (no prices is not "zeros"). */
export function historicToCandle(key: CandleKey, h: HistoricCandleMsg): Candle | string {
  if (!h.open || !h.high || !h.low || !h.close) return 'candle without prices';
  if (!h.time) return 'candle without open time';
  if (!Number.isInteger(h.time.nanos) || h.time.nanos < 0 || h.time.nanos > 999_999_999) return 'timestamp nanos out of range';
  try {
    return {
      venue: key.venue,
      instrumentId: key.instrumentId,
      interval: key.interval,
      time: Number(h.time.seconds),
      open: quotationToDec(h.open),
      high: quotationToDec(h.high),
      low: quotationToDec(h.low),
      close: quotationToDec(h.close),
      volume: String(h.volume),
    };
  } catch (e) {
    if (e instanceof QuotationError) return `bad Quotation: ${e.message}`;
    throw e;
  }
}

/** Where a history candle that fails validation is counted (the 'api' connection). */
export type MalformedHook = (detail: string, frame: string) => void;

/** [fromSec, toSec) cut into spans the venue accepts, oldest first. */
export function splitRange(fromSec: number, toSec: number, maxSpanSec: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a = fromSec; a < toSec; a += maxSpanSec) out.push([a, Math.min(toSec, a + maxSpanSec)]);
  return out;
}

export class CandleHistory {
  constructor(
    private readonly rpc: TInvestRpc,
    private readonly getCandles: GetCandlesMethod,
    private readonly onMalformed: MalformedHook = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** One request; the span must be within the interval's maximum. */
  async chunk(key: CandleKey, fromSec: number, toSec: number): Promise<Candle[]> {
    const res = await this.rpc.call(
      this.getCandles,
      {
        instrumentId: key.instrumentId,
        from: { seconds: fromSec, nanos: 0 },
        to: { seconds: toSec, nanos: 0 },
        interval: CANDLE_INTERVAL[key.interval],
      },
      { deadlineMs: DEADLINE_MS.GetCandles },
    );
    const out: Candle[] = [];
    const nowMs = this.now();
    for (const h of res.candles) {
      const c = historicToCandle(key, h);
      // The same sanity as live candles: a rejected one is counted and never reaches a series.
      const problem = typeof c === 'string' ? c : candleProblem(c, { nowMs });
      if (problem !== undefined || typeof c === 'string') {
        this.onMalformed(`GetCandles: ${problem ?? 'unreadable candle'}`, JSON.stringify(h));
        continue;
      }
      if (c.time >= fromSec && c.time < toSec) out.push(c);
    }
    return out;
  }

  /** Every candle with open time in [fromSec, toSec), ascending, no duplicates. */
  async range(key: CandleKey, fromSec: number, toSec: number): Promise<Candle[]> {
    const byTime = new Map<number, Candle>();
    for (const [a, b] of splitRange(fromSec, toSec, MAX_CANDLE_SPAN_SEC[key.interval])) {
      for (const c of await this.chunk(key, a, b)) byTime.set(c.time, c);
    }
    return [...byTime.values()].sort((x, y) => x.time - y.time);
  }

  /**
   * The venue-neutral history request. With `from`, the range is read forward; without it,
   * spans are read backwards from `before` until `limit` candles are found, the market has
   * been silent for `maxEmptySpans` spans in a row (weekends, holidays, before listing), or
   * `earliestSec` is passed.
   */
  async load(
    req: HistoryRequest,
    nowSec: number,
    opts: { earliestSec?: number | undefined; maxEmptySpans?: number; maxSpans?: number } = {},
  ): Promise<Candle[]> {
    const key: CandleKey = { venue: req.venue, instrumentId: req.instrumentId, interval: req.interval };
    const span = INTERVAL_SECONDS[req.interval];
    const to = req.before ?? candleOpen(nowSec, req.interval) + span;
    const limit = Math.max(0, req.limit);
    if (limit === 0) return [];
    if (req.from !== undefined) {
      const all = await this.range(key, req.from, to);
      return all.slice(Math.max(0, all.length - limit));
    }
    const maxSpan = MAX_CANDLE_SPAN_SEC[req.interval];
    const floor = opts.earliestSec ?? -Infinity;
    const maxEmpty = opts.maxEmptySpans ?? 5;
    const maxSpans = opts.maxSpans ?? 60;
    const chunks: Candle[][] = [];
    let count = 0;
    let empty = 0;
    let end = to;
    for (let i = 0; i < maxSpans && count < limit && end > floor; i++) {
      const start = Math.max(end - maxSpan, floor === -Infinity ? end - maxSpan : floor);
      const got = await this.chunk(key, start, end);
      chunks.unshift(got);
      count += got.length;
      empty = got.length === 0 ? empty + 1 : 0;
      if (empty >= maxEmpty) break;
      end = start;
    }
    const all = chunks.flat();
    return all.slice(Math.max(0, all.length - limit));
  }
}
