/**
 * A small in-memory Venue for tests of the core and the bridge: it records what the hub asks
 * of it and lets a test emit candles and connection states as an adapter would. The real
 * adapters against the simulators are covered by the integration tests.
 */
import type {
  Account,
  Candle,
  CandleKey,
  Instrument,
  Interval,
  MarketKey,
  OrderBook,
  OrderType,
  Quote,
  TimeInForce,
  TradePrint,
  VenueErrorInfo,
  VenueId,
  VenueMode,
} from '../../common/domain.js';
import { candleKeyId, marketKeyId } from '../../common/domain.js';
import type { ConnectionReporter, HistoryRequest, Venue, VenueSink } from '../../electron/venues/venue.js';
import { VenueError } from '../../electron/venues/venue.js';

export interface MemoryVenueOptions {
  id?: VenueId;
  mode?: VenueMode;
  connectError?: VenueError;
  historyError?: unknown;
}

export class MemoryVenue implements Venue {
  readonly id: VenueId;
  readonly mode: VenueMode;
  readonly name: string;
  readonly intervals: readonly Interval[] = ['1m', '5m', '1h'];
  readonly bookDepths: readonly number[] = [10];
  readonly orderTypes: readonly OrderType[] = ['limit', 'market'];
  readonly timeInForce: readonly TimeInForce[] = ['day'];
  /** Book, tape and quote keys with a live flow right now. */
  readonly marketActive = new Map<string, MarketKey>();
  readonly subscribed: CandleKey[] = [];
  readonly unsubscribed: CandleKey[] = [];
  /** Keys with a live flow right now. */
  readonly active = new Map<string, CandleKey>();
  connects = 0;
  closed = false;
  historyError: unknown;
  readonly stream: ConnectionReporter;

  constructor(
    protected readonly sink: VenueSink,
    private readonly opts: MemoryVenueOptions = {},
  ) {
    this.id = opts.id ?? 'tinvest';
    this.mode = opts.mode ?? 'demo';
    this.name = `Memory ${this.id}`;
    this.historyError = opts.historyError;
    this.stream = sink.connection('stream');
  }

  async connect(): Promise<void> {
    this.connects += 1;
    this.stream.state('connecting', 'dialing');
    if (this.opts.connectError) {
      this.stream.state('closed', this.opts.connectError.message);
      throw this.opts.connectError;
    }
    this.stream.state('live', 'ready');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.active.clear();
    this.marketActive.clear();
    this.stream.state('closed', 'closed by app');
  }

  async accounts(): Promise<Account[]> {
    return [{ venue: this.id, id: 'acc-1', name: 'Main' }];
  }

  async searchInstruments(query: string, limit: number): Promise<Instrument[]> {
    const all: Instrument[] = ['SBER', 'GAZP'].map((symbol) => ({
      venue: this.id,
      id: `id-${symbol}`,
      symbol,
      name: symbol,
      currency: 'rub',
      priceStep: '0.01',
      qtyStep: '1',
      lotSize: '10',
      qtyUnit: 'lot',
      minQty: '1',
      tradable: true,
      codes: {},
    }));
    return all.filter((i) => i.symbol.includes(query.toUpperCase())).slice(0, limit);
  }

  async instrument(id: string): Promise<Instrument> {
    const found = (await this.searchInstruments('', 10)).find((i) => i.id === id);
    if (!found) throw new VenueError('invalid', 'NOT_FOUND', `no instrument ${id}`);
    return found;
  }

  async history(req: HistoryRequest): Promise<Candle[]> {
    if (this.historyError !== undefined) throw this.historyError;
    const out: Candle[] = [];
    const end = req.before ?? 1_700_000_000;
    for (let i = req.limit; i >= 1; i--) out.push(candle(req, end - i * 60, 100 + i));
    return out;
  }

  subscribeCandles(key: CandleKey): void {
    this.subscribed.push(key);
    this.active.set(candleKeyId(key), key);
  }

  unsubscribeCandles(key: CandleKey): void {
    this.unsubscribed.push(key);
    this.active.delete(candleKeyId(key));
  }

  /** Every subscribeMarket call, in order (the core must make one per key, not one per client). */
  readonly marketSubscribed: MarketKey[] = [];

  subscribeMarket(key: MarketKey): void {
    this.marketSubscribed.push(key);
    this.marketActive.set(marketKeyId(key), key);
  }

  unsubscribeMarket(key: MarketKey): void {
    this.marketActive.delete(marketKeyId(key));
  }

  /** Reports a key the venue refused or never confirmed, as an adapter would. */
  refuse(key: CandleKey, err: VenueErrorInfo): void {
    this.sink.subscriptionFailed(key, err);
  }

  /** A book, prints or a quote through the sink, as an adapter would report them. */
  emitBook(b: OrderBook): void {
    this.sink.book(b);
  }

  emitTrades(t: TradePrint[]): void {
    this.sink.trades(t);
  }

  emitQuote(q: Quote): void {
    this.sink.quote(q);
  }

  refuseMarket(key: MarketKey, err: VenueErrorInfo): void {
    this.sink.marketFailed(key, err);
  }

  /** Emits a candle through the sink, as the adapter would on a live frame. */
  emit(c: Candle): void {
    this.sink.candle(c);
  }
}

/**
 * An hour-aligned second in 2023: tests give candle times as offsets from it, so every candle
 * they make is one the core's sanity check (candle-sanity.ts) accepts as a real one.
 */
export const T0 = 1_699_999_200;

/** A flat candle `offset` seconds after T0. */
export function candle(key: CandleKey, offset: number, close: number): Candle {
  const c = String(close);
  return { venue: key.venue, instrumentId: key.instrumentId, interval: key.interval, time: T0 + offset, open: c, high: c, low: c, close: c, volume: '1' };
}

/** Keeps every instance a factory built, so a test can reach the live one. */
export function keepInstances<V>(make: (sink: VenueSink) => V): { factory: (sink: VenueSink) => V; all: V[]; current(): V } {
  const all: V[] = [];
  return {
    factory: (sink) => {
      const v = make(sink);
      all.push(v);
      return v;
    },
    all,
    current: () => {
      const v = all[all.length - 1];
      if (!v) throw new Error('no venue built yet');
      return v;
    },
  };
}

export function memoryVenues(opts: MemoryVenueOptions = {}): ReturnType<typeof keepInstances<MemoryVenue>> {
  return keepInstances((sink) => new MemoryVenue(sink, opts));
}

/** A book of `instrumentId` at depth 10: [price, quantity] pairs, best first as given. */
export function book(instrumentId: string, bids: [string, string][], asks: [string, string][], patch: Partial<OrderBook> = {}): OrderBook {
  return {
    venue: 'tinvest',
    instrumentId,
    depth: 10,
    bids: bids.map(([price, quantity]) => ({ price, quantity })),
    asks: asks.map(([price, quantity]) => ({ price, quantity })),
    receivedAt: 1_700_000_000_000,
    health: { verification: 'snapshot', verified: 1, failures: 0, resyncs: 0, consistent: true },
    ...patch,
  };
}

/** One print on the tape of `instrumentId`. */
export function print(instrumentId: string, tradeId: string, price = '100', patch: Partial<TradePrint> = {}): TradePrint {
  return { venue: 'tinvest', instrumentId, tradeId, price, quantity: '1', time: 1_700_000_000_000, ...patch };
}
