/**
 * The local market both simulated venues trade on: a seeded price process per symbol that
 * produces trades, and candles of any interval derived from those trades, so history and
 * live always agree. Prices and quantities are scaled integers (bigint), never floats.
 */
import { parseScaled } from '../common/decimal.js';

export interface MarketSymbolSpec {
  symbol: string;
  /** Decimal text. */
  startPrice: string;
  /** Tick size, decimal text; prices are always multiples of it. */
  priceStep: string;
  /** Quantity unit, decimal text (1 for lots, 0.00000001 for satoshis…). */
  qtyStep: string;
  /** Relative volatility per √second; default 0.0004. */
  volatility?: number;
  /** Mean live trades per second; default 2. */
  tradesPerSecond?: number;
  /** Largest trade size in qty steps; default 50. */
  maxTradeSteps?: number;
}

export interface MarketTrade {
  id: number;
  symbol: string;
  timeMs: number;
  /** Scaled by 10^priceScale of the symbol. */
  price: bigint;
  /** Scaled by 10^qtyScale of the symbol. */
  qty: bigint;
  /** Aggressor side. */
  side: 'buy' | 'sell';
}

/** OHLCV over one interval, scaled integers. `turnover` = Σ price·qty (scale priceScale+qtyScale). */
export interface MarketCandle {
  /** UTC seconds of the open. */
  time: number;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  volume: bigint;
  turnover: bigint;
  trades: number;
}

export interface SymbolInfo {
  spec: MarketSymbolSpec;
  priceScale: number;
  qtyScale: number;
  /** Tick and qty step as scaled integers. */
  tick: bigint;
  lotUnit: bigint;
}

export interface MarketOptions {
  seed: number;
  symbols: MarketSymbolSpec[];
  /** ms clock; default Date.now. */
  now?: () => number;
  /** How much history to make at start; default 2 days. */
  historySeconds?: number;
  /** Mean seconds between trades in the generated history; default 20. */
  historyTradeEverySeconds?: number;
}

/** mulberry32: small, fast, seedable; every seeded thing in the sims draws from it. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const MINUTE = 60;

class SymbolState {
  readonly info: SymbolInfo;
  readonly rand: () => number;
  /** Price in ticks (integer count of ticks). */
  ticks: number;
  /** ms of the last generated trade. */
  lastMs: number;
  /** ms of the next trade, once drawn; kept across advance() calls so timer cadence never changes the path. */
  nextAtMs: number | undefined;
  /** One-minute candles, ascending, contiguous only where trades happened. */
  readonly minutes: MarketCandle[] = [];
  /** Trade ids are per symbol (index + count·64), so they never depend on how symbols interleave. */
  readonly index: number;
  tradeCount = 0;
  /** Live aggregates for intervals someone asked for: span → candle. */
  readonly current = new Map<number, MarketCandle>();
  readonly recent: MarketTrade[] = [];

  constructor(info: SymbolInfo, seed: number, startMs: number, index: number) {
    this.info = info;
    this.index = index;
    this.rand = prng(seed ^ hashString(info.spec.symbol));
    // The start price at the tick's scale, rounded down onto the tick grid.
    const start = parseScaled(info.spec.startPrice);
    const atScale =
      start.scale <= info.priceScale
        ? start.int * 10n ** BigInt(info.priceScale - start.scale)
        : start.int / 10n ** BigInt(start.scale - info.priceScale);
    this.ticks = Number(atScale / info.tick);
    this.lastMs = startMs;
    this.nextAtMs = undefined;
  }
}

function emptyCandle(time: number, price: bigint): MarketCandle {
  return { time, open: price, high: price, low: price, close: price, volume: 0n, turnover: 0n, trades: 0 };
}

function applyTrade(c: MarketCandle, t: MarketTrade): void {
  if (c.trades === 0) {
    c.open = c.high = c.low = t.price;
  } else {
    if (t.price > c.high) c.high = t.price;
    if (t.price < c.low) c.low = t.price;
  }
  c.close = t.price;
  c.volume += t.qty;
  c.turnover += t.price * t.qty;
  c.trades += 1;
}

function merge(into: MarketCandle | undefined, m: MarketCandle, time: number): MarketCandle {
  if (!into) return { ...m, time };
  if (m.high > into.high) into.high = m.high;
  if (m.low < into.low) into.low = m.low;
  into.close = m.close;
  into.volume += m.volume;
  into.turnover += m.turnover;
  into.trades += m.trades;
  return into;
}

export type TradeListener = (t: MarketTrade) => void;

export class Market {
  private readonly states = new Map<string, SymbolState>();
  private readonly listeners = new Set<TradeListener>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: MarketOptions) {
    this.now = opts.now ?? Date.now;
    const historyMs = (opts.historySeconds ?? 2 * 86400) * 1000;
    const every = opts.historyTradeEverySeconds ?? 20;
    const start = this.now() - historyMs;
    for (const spec of opts.symbols) {
      const p = parseScaled(spec.priceStep);
      const q = parseScaled(spec.qtyStep);
      const info: SymbolInfo = { spec, priceScale: p.scale, qtyScale: q.scale, tick: p.int, lotUnit: q.int };
      if (this.states.size >= 64) throw new Error('at most 64 symbols per market');
      const st = new SymbolState(info, opts.seed, start, this.states.size);
      this.states.set(spec.symbol, st);
      // History uses the same generator at a slower pace; nobody listens yet.
      this.generate(st, this.now(), 1 / every);
      st.nextAtMs = undefined; // live pace starts now
      st.lastMs = Math.max(st.lastMs, this.now());
    }
  }

  symbols(): string[] {
    return [...this.states.keys()];
  }

  info(symbol: string): SymbolInfo {
    return this.state(symbol).info;
  }

  /** Last traded price, scaled. */
  lastPrice(symbol: string): bigint {
    const st = this.state(symbol);
    return BigInt(st.ticks) * st.info.tick;
  }

  /** The last trades of a symbol, oldest first (at most 1000 kept). */
  recentTrades(symbol: string): readonly MarketTrade[] {
    return this.state(symbol).recent;
  }

  onTrade(l: TradeListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Generates live trades on a timer until stop(). */
  start(everyMs = 50): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.advance(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Generates every trade up to `toMs` (default now) and tells the listeners, in time order per symbol. */
  advance(toMs = this.now()): void {
    for (const st of this.states.values()) {
      this.generate(st, toMs, st.info.spec.tradesPerSecond ?? 2);
    }
  }

  /**
   * A trade at a given price now (a venue's own order hitting the market). The price
   * moves there; listeners see it like any other trade.
   */
  printTrade(symbol: string, price: bigint, qty: bigint, side: 'buy' | 'sell', timeMs = this.now()): MarketTrade {
    const st = this.state(symbol);
    this.generate(st, timeMs, st.info.spec.tradesPerSecond ?? 2);
    st.ticks = Number(price / st.info.tick);
    const t: MarketTrade = { id: nextId(st), symbol, timeMs: Math.max(timeMs, st.lastMs), price, qty, side };
    st.lastMs = t.timeMs;
    this.record(st, t, true);
    return t;
  }

  /**
   * Candles of `spanSec` (a multiple of 60) with open time in [fromSec, toSec), ascending,
   * only periods that had trades. The period containing now is included, forming.
   */
  candles(symbol: string, spanSec: number, fromSec: number, toSec: number): MarketCandle[] {
    if (spanSec % MINUTE !== 0 || spanSec <= 0) throw new Error(`interval must be a whole number of minutes: ${spanSec}s`);
    const st = this.state(symbol);
    const mins = st.minutes;
    const out: MarketCandle[] = [];
    let i = lowerBound(mins, Math.floor(fromSec / spanSec) * spanSec);
    let cur: MarketCandle | undefined;
    for (; i < mins.length; i++) {
      const m = mins[i]!;
      const open = Math.floor(m.time / spanSec) * spanSec;
      if (open >= toSec) break;
      if (open < fromSec) continue;
      if (cur && cur.time !== open) {
        out.push(cur);
        cur = undefined;
      }
      cur = merge(cur, m, open);
    }
    if (cur) out.push(cur);
    return out;
  }

  /** The candle of `spanSec` containing `atMs` (default now), or undefined if it has no trade yet. */
  currentCandle(symbol: string, spanSec: number, atMs = this.now()): MarketCandle | undefined {
    const st = this.state(symbol);
    const open = Math.floor(atMs / 1000 / spanSec) * spanSec;
    const cached = st.current.get(spanSec);
    if (cached && cached.time === open) return { ...cached };
    const [c] = this.candles(symbol, spanSec, open, open + spanSec);
    if (c) st.current.set(spanSec, c);
    else st.current.delete(spanSec);
    return c ? { ...c } : undefined;
  }

  private state(symbol: string): SymbolState {
    const st = this.states.get(symbol);
    if (!st) throw new Error(`unknown symbol ${symbol}`);
    return st;
  }

  private generate(st: SymbolState, toMs: number, ratePerSec: number): void {
    const spec = st.info.spec;
    const vol = spec.volatility ?? 0.0004;
    const maxSteps = spec.maxTradeSteps ?? 50;
    const tickValue = Number(st.info.tick) / 10 ** st.info.priceScale;
    for (;;) {
      // Exponential inter-arrival times: a Poisson stream of trades.
      st.nextAtMs ??= st.lastMs + Math.max(1, Math.round((-Math.log(1 - st.rand()) / ratePerSec) * 1000));
      const at = st.nextAtMs;
      if (at > toMs) return;
      st.nextAtMs = undefined;
      const dt = (at - st.lastMs) / 1000;
      const price = st.ticks * tickValue;
      const z = Math.sqrt(-2 * Math.log(1 - st.rand())) * Math.cos(2 * Math.PI * st.rand());
      const move = Math.round((price * vol * Math.sqrt(dt) * z) / tickValue);
      st.ticks = Math.max(1, st.ticks + move);
      const side: 'buy' | 'sell' = move > 0 || (move === 0 && st.rand() < 0.5) ? 'buy' : 'sell';
      const steps = 1 + Math.floor(st.rand() * st.rand() * maxSteps);
      const t: MarketTrade = {
        id: nextId(st),
        symbol: spec.symbol,
        timeMs: at,
        price: BigInt(st.ticks) * st.info.tick,
        qty: BigInt(steps) * st.info.lotUnit,
        side,
      };
      st.lastMs = at;
      this.record(st, t, this.listeners.size > 0);
    }
  }

  private record(st: SymbolState, t: MarketTrade, notify: boolean): void {
    const minute = Math.floor(t.timeMs / 60000) * MINUTE;
    let last = st.minutes[st.minutes.length - 1];
    if (!last || last.time !== minute) {
      last = emptyCandle(minute, t.price);
      st.minutes.push(last);
    }
    applyTrade(last, t);
    const sec = t.timeMs / 1000;
    for (const [span, c] of st.current) {
      const open = Math.floor(sec / span) * span;
      if (c.time === open) applyTrade(c, t);
      else if (open > c.time) {
        const fresh = emptyCandle(open, t.price);
        applyTrade(fresh, t);
        st.current.set(span, fresh);
      }
    }
    st.recent.push(t);
    if (st.recent.length > 1000) st.recent.splice(0, st.recent.length - 1000);
    if (notify) for (const l of this.listeners) l(t);
  }
}

function nextId(st: SymbolState): number {
  st.tradeCount += 1;
  return st.tradeCount * 64 + st.index;
}

function lowerBound(arr: readonly MarketCandle[], time: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]!.time < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Formats a scaled integer as decimal text with exactly `scale` places (venue wire style). */
export function formatFixed(int: bigint, scale: number): string {
  const neg = int < 0n;
  const digits = (neg ? -int : int).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const frac = scale > 0 ? '.' + digits.slice(digits.length - scale) : '';
  return (neg ? '-' : '') + whole + frac;
}
