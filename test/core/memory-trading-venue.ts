/**
 * A MemoryVenue with order entry, for tests of the order journal and the bridge: it records
 * what it was sent, answers as the test tells it (acknowledge, reject, lose the answer), and
 * emits order updates as a venue's order stream would.
 */
import type { Instrument, Order, OrderRequest, Portfolio } from '../../common/domain.js';
import { pendingOrder } from '../../common/domain.js';
import type { VenueSink } from '../../electron/venues/venue.js';
import { VenueError } from '../../electron/venues/venue.js';
import { MemoryVenue, keepInstances } from './memory-venue.js';
import type { MemoryVenueOptions } from './memory-venue.js';

export type PlaceAnswer = 'ack' | 'reject' | 'lose';

const EXTRA: Instrument[] = [
  {
    venue: 'kraken',
    id: 'id-BTC',
    symbol: 'BTC/USD',
    name: 'Bitcoin',
    currency: 'usd',
    priceStep: '0.1',
    qtyStep: '0.0001',
    lotSize: '1',
    qtyUnit: 'base',
    minQty: '0.0005',
    tradable: true,
    codes: {},
  },
  {
    venue: 'tinvest',
    id: 'id-HALT',
    symbol: 'HALT',
    name: 'Halted',
    currency: 'rub',
    priceStep: '0.01',
    qtyStep: '1',
    lotSize: '1',
    qtyUnit: 'lot',
    minQty: '1',
    tradable: false,
    codes: {},
  },
];

export class MemoryTradingVenue extends MemoryVenue {
  readonly placed: OrderRequest[] = [];
  readonly cancelRequests: string[] = [];
  /** How the next placeOrder answers. */
  answer: PlaceAnswer = 'ack';
  /** Runs when an order reaches the venue, before it answers. */
  onSend: ((req: OrderRequest) => void) | undefined;
  /** What cancelAll resolves with, or the error it throws. */
  cancelAllAnswer: number | VenueError = 0;
  /** Per account: answers for its next cancelAll calls, first one first, before cancelAllAnswer; 'hang' never answers. */
  cancelAllScript: Record<string, (number | VenueError | 'hang')[]> = {};
  /** The account of every cancelAll call, in order. */
  readonly cancelAllCalls: string[] = [];
  /** What openOrders lists (a reconciliation query). */
  openList: Order[] = [];
  private venueIds = 0;

  constructor(sink: VenueSink, opts: MemoryVenueOptions = {}) {
    super(sink, opts);
  }

  override async instrument(id: string): Promise<Instrument> {
    const extra = EXTRA.find((i) => i.id === id);
    return extra ? { ...extra, venue: this.id } : super.instrument(id);
  }

  async placeOrder(req: OrderRequest): Promise<Order> {
    this.placed.push(req);
    this.onSend?.(req);
    if (this.answer === 'reject') throw new VenueError('rejected', '30042', 'not enough money to buy', { trackingId: 'trk-1' });
    if (this.answer === 'lose') throw new VenueError('unknown-outcome', 'DEADLINE', 'no answer within 10 s');
    return orderOf(req, { status: 'open', venueOrderId: `v-${++this.venueIds}` });
  }

  async cancelOrder(accountId: string, clientOrderId: string): Promise<Order> {
    this.cancelRequests.push(clientOrderId);
    const req: OrderRequest = { venue: this.id, accountId, clientOrderId, instrumentId: 'id-SBER', side: 'buy', type: 'limit', quantity: '1', price: '100' };
    return orderOf(req, { status: 'cancelled' });
  }

  async cancelAll(accountId: string): Promise<number> {
    this.cancelAllCalls.push(accountId);
    const answer = this.cancelAllScript[accountId]?.shift() ?? this.cancelAllAnswer;
    if (answer === 'hang') return new Promise<number>(() => undefined);
    if (answer instanceof VenueError) throw answer;
    return answer;
  }

  async openOrders(accountId: string): Promise<Order[]> {
    return this.openList.filter((o) => o.accountId === accountId);
  }

  async portfolio(accountId: string): Promise<Portfolio> {
    return { venue: this.id, accountId, at: 1_700_000_000_000, positions: [{ venue: this.id, accountId, asset: 'rub', quantity: '1000', blocked: '0' }] };
  }

  /** An order update as the venue's stream reports it. */
  update(order: Order, source: 'stream' | 'reconcile' = 'stream'): void {
    this.sink.order({ order, source });
  }
}

/** The venue's view of an order made from a request. */
export function orderOf(req: OrderRequest, patch: Partial<Order> = {}): Order {
  const o: Order = { ...pendingOrder(req, 1), status: 'open', ...patch };
  if (req.price !== undefined && patch.price === undefined) o.price = req.price;
  return o;
}

export function tradingVenues(opts: MemoryVenueOptions = {}): ReturnType<typeof keepInstances<MemoryTradingVenue>> {
  return keepInstances((sink) => new MemoryTradingVenue(sink, opts));
}
