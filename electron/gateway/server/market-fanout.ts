/**
 * Market data from the gateway's hub to every console, on one core NATS subject per key.
 * Interest is counted across consoles: the hub holds one reference per key however many
 * consoles lease it, so N consoles on SBER 1m make one venue subscription. Updates are coalesced
 * by the same batcher the bridge uses (a bar's final state survives the next bar starting in the
 * same window) and each subject's messages are numbered, so a console notices a loss and asks
 * for a snapshot.
 */
import type { Candle, CandleKey, MarketKey, OrderBook, Quote, TradePrint, VenueErrorInfo } from '../../../common/domain.js';
import { candleKeyId, marketKeyId } from '../../../common/domain.js';
import type { Hub } from '../../core/hub.js';
import type { Logger } from '../../core/log.js';
import { Batcher } from '../../bridge/batcher.js';
import type { PushBatch } from '../../contract.js';
import { candleSubject, marketSubject } from '../protocol.js';
import type { CandleSnapshot, MarketDataMessage, MarketSnapshot } from '../protocol.js';

/** Bars a snapshot carries: the forming one and a few before it, enough to heal a short loss. */
export const SNAPSHOT_BARS = 5;

export interface MarketFanoutOptions {
  hub: Hub;
  gatewayId: string;
  publish(subject: string, msg: MarketDataMessage): void;
  /** The coalescing window (ms); default the bridge's. */
  intervalMs?: number;
  log: Logger;
}

interface Held<K> {
  key: K;
  subject: string;
  /** Consoles holding it. */
  consoles: number;
}

export class MarketFanout {
  private readonly hub: Hub;
  private readonly gatewayId: string;
  private readonly publishFn: (subject: string, msg: MarketDataMessage) => void;
  private readonly log: Logger;
  private readonly candleKeys = new Map<string, Held<CandleKey>>();
  private readonly marketKeys = new Map<string, Held<MarketKey>>();
  /** Market key ids of held tapes, by venue|instrument: prints carry no key. */
  private readonly tapes = new Map<string, Held<MarketKey>>();
  private readonly seqs = new Map<string, number>();
  private readonly batcher: Batcher;
  private readonly unlisten: () => void;
  /** Messages and candles published since start (the bench's denominators). */
  messages = 0;
  candles = 0;

  constructor(o: MarketFanoutOptions) {
    this.hub = o.hub;
    this.gatewayId = o.gatewayId;
    this.publishFn = o.publish;
    this.log = o.log;
    this.batcher = new Batcher({
      send: (b) => this.send(b),
      ...(o.intervalMs === undefined ? {} : { intervalMs: o.intervalMs }),
      onDroppedPrints: (byVenue) => {
        for (const [venue, n] of byVenue) this.hub.marketProblem(venue, `${n} print(s) of the tape not sent to the desk's consoles: a flood within one window`);
      },
    });
    this.unlisten = this.hub.on({
      candle: (c, keyId, receivedAt) => {
        if (this.candleKeys.has(keyId)) this.batcher.candle(c, receivedAt);
      },
      book: (b, keyId) => {
        if (this.marketKeys.has(keyId)) this.batcher.book(b, keyId);
      },
      quote: (q, keyId) => {
        if (this.marketKeys.has(keyId)) this.batcher.quote(q, keyId);
      },
      trades: (ts) => {
        if (this.tapes.size === 0) return;
        const held = ts.filter((t) => this.tapes.has(`${t.venue}|${t.instrumentId}`));
        if (held.length > 0) this.batcher.trades(held);
      },
      // Failures are rare and go out at once, in sequence with the key's data.
      subscriptionFailed: (key, err) => {
        const h = this.candleKeys.get(candleKeyId(key));
        if (h) this.publish(h.subject, { failure: err });
      },
      marketFailed: (key, err) => {
        const h = this.marketKeys.get(marketKeyId(key));
        if (h) this.publish(h.subject, { failure: err });
      },
    });
  }

  /** Keys held for at least one console. */
  get heldKeys(): number {
    return this.candleKeys.size + this.marketKeys.size;
  }

  retain(key: CandleKey): void {
    const id = candleKeyId(key);
    const held = this.candleKeys.get(id);
    if (held) {
      held.consoles += 1;
      return;
    }
    this.hub.retain(key);
    this.candleKeys.set(id, { key, subject: candleSubject(key), consoles: 1 });
  }

  release(key: CandleKey): void {
    const id = candleKeyId(key);
    const held = this.candleKeys.get(id);
    if (!held) return;
    if (--held.consoles > 0) return;
    this.candleKeys.delete(id);
    this.hub.release(key);
  }

  retainMarket(key: MarketKey): void {
    const id = marketKeyId(key);
    const held = this.marketKeys.get(id);
    if (held) {
      held.consoles += 1;
      return;
    }
    this.hub.retainMarket(key);
    const h: Held<MarketKey> = { key, subject: marketSubject(key), consoles: 1 };
    this.marketKeys.set(id, h);
    if (key.stream === 'trades') this.tapes.set(`${key.venue}|${key.instrumentId}`, h);
  }

  releaseMarket(key: MarketKey): void {
    const id = marketKeyId(key);
    const held = this.marketKeys.get(id);
    if (!held) return;
    if (--held.consoles > 0) return;
    this.marketKeys.delete(id);
    if (key.stream === 'trades') this.tapes.delete(`${key.venue}|${key.instrumentId}`);
    this.hub.releaseMarket(key);
  }

  /** The state of some keys now, with the sequence it corresponds to (pending updates go out first). */
  snapshot(candles: readonly CandleKey[], markets: readonly MarketKey[]): { candles: CandleSnapshot[]; markets: MarketSnapshot[] } {
    this.batcher.flush();
    const cs: CandleSnapshot[] = candles.map((key) => {
      const s: CandleSnapshot = { key, seq: this.seqs.get(candleSubject(key)) ?? 0, candles: this.hub.series(key).slice(-SNAPSHOT_BARS) };
      const failure = this.hub.subscriptionFailure(key);
      if (failure) s.failure = failure;
      return s;
    });
    const ms: MarketSnapshot[] = markets.map((key) => {
      const s: MarketSnapshot = { key, seq: this.seqs.get(marketSubject(key)) ?? 0 };
      const book = key.stream === 'book' ? this.hub.latestBook(key) : undefined;
      if (book) s.book = book;
      const quote = key.stream === 'quote' ? this.hub.latestQuote(key) : undefined;
      if (quote) s.quote = quote;
      const failure = this.hub.marketFailure(key);
      if (failure) s.failure = failure;
      return s;
    });
    return { candles: cs, markets: ms };
  }

  close(): void {
    this.unlisten();
    this.batcher.close();
    for (const h of this.candleKeys.values()) this.hub.release(h.key);
    for (const h of this.marketKeys.values()) this.hub.releaseMarket(h.key);
    this.candleKeys.clear();
    this.marketKeys.clear();
    this.tapes.clear();
  }

  private send(b: PushBatch): void {
    if (b.candles.length > 0) {
      // One message per key: a closed bar's final state, then the forming bar, as the batcher ordered them.
      const byKey = new Map<string, Candle[]>();
      for (const c of b.candles) {
        const id = candleKeyId(c);
        const list = byKey.get(id);
        if (list) list.push(c);
        else byKey.set(id, [c]);
      }
      for (const [id, cs] of byKey) {
        const h = this.candleKeys.get(id);
        if (!h) continue;
        this.candles += cs.length;
        this.publish(h.subject, { candles: cs });
      }
    }
    for (const book of b.books ?? []) this.publishMarket({ venue: book.venue, instrumentId: book.instrumentId, stream: 'book', depth: book.depth }, { book });
    for (const quote of b.quotes ?? []) this.publishMarket({ venue: quote.venue, instrumentId: quote.instrumentId, stream: 'quote' }, { quote });
    if (b.trades && b.trades.length > 0) {
      const byTape = new Map<string, TradePrint[]>();
      for (const t of b.trades) {
        const id = `${t.venue}|${t.instrumentId}`;
        const list = byTape.get(id);
        if (list) list.push(t);
        else byTape.set(id, [t]);
      }
      for (const [id, trades] of byTape) {
        const h = this.tapes.get(id);
        if (h) this.publish(h.subject, { trades });
      }
    }
  }

  private publishMarket(key: MarketKey, body: { book?: OrderBook; quote?: Quote }): void {
    const h = this.marketKeys.get(marketKeyId(key));
    if (h) this.publish(h.subject, body);
  }

  private publish(subject: string, body: { candles?: Candle[]; book?: OrderBook; quote?: Quote; trades?: TradePrint[]; failure?: VenueErrorInfo }): void {
    const s = (this.seqs.get(subject) ?? 0) + 1;
    this.seqs.set(subject, s);
    this.messages += 1;
    try {
      this.publishFn(subject, { g: this.gatewayId, s, ...body });
    } catch (err) {
      // The connection is closing; consoles ask for a snapshot when they see the gap.
      this.log.warn(`market data on ${subject} not published`, err);
    }
  }
}
