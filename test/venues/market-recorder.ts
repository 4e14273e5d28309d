/** What both venues' recording sinks keep of market data: every book, print, quote and refusal, in order. */
import type { MarketKey, OrderBook, Quote, TradePrint, VenueErrorInfo } from '../../common/domain.js';
import type { VenueSink } from '../../electron/venues/venue.js';

export class MarketRecorder implements Pick<VenueSink, 'book' | 'trades' | 'quote' | 'marketFailed'> {
  readonly books: OrderBook[] = [];
  readonly prints: TradePrint[] = [];
  readonly quotes: Quote[] = [];
  readonly marketFailures: { key: MarketKey; err: VenueErrorInfo }[] = [];

  book(b: OrderBook): void {
    this.books.push(b);
  }

  trades(t: TradePrint[]): void {
    this.prints.push(...t);
  }

  quote(q: Quote): void {
    this.quotes.push(q);
  }

  marketFailed(key: MarketKey, err: VenueErrorInfo): void {
    this.marketFailures.push({ key, err });
  }
}
