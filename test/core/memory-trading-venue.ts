/**
 * A MemoryVenue with order entry, for tests of the order journal and the bridge: it records
 * what it was sent, answers as the test tells it (acknowledge, reject, lose the answer), and
 * emits order updates as a venue's order stream would.
 */
import type { AmendRequest, Instrument, Order, OrderEvidence, OrderRequest, OrderType, Portfolio, TimeInForce } from '../../common/domain.js';
import { ORDER_TYPES, pendingOrder } from '../../common/domain.js';
import type { ResolveHint, VenueSink } from '../../electron/venues/venue.js';
import { VenueError } from '../../electron/venues/venue.js';
import { MemoryVenue, keepInstances } from './memory-venue.js';
import type { MemoryVenueOptions } from './memory-venue.js';

/** ack: taken and answered; reject: refused; lose: taken, answer lost; drop: never reached the venue, answer lost. */
export type PlaceAnswer = 'ack' | 'reject' | 'lose' | 'drop';

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
  /** Every type, and the times in force a venue with stop orders offers; a test may narrow them. */
  override orderTypes: readonly OrderType[] = ORDER_TYPES;
  override timeInForce: readonly TimeInForce[] = ['day', 'gtc', 'gtd', 'ioc'];
  readonly placed: OrderRequest[] = [];
  /** Amends that reached the venue, with the venue id they named. */
  readonly amendsSent: { req: AmendRequest; venueOrderId: string | undefined }[] = [];
  /** How the next amendOrder answers (drop: never reached the venue, answer lost). */
  amendAnswer: PlaceAnswer = 'ack';
  /**
   * T-Invest style: an amend cancels the order and posts a new one under the amend id, with a new
   * venue id. Otherwise (Kraken style) the order keeps its id.
   */
  replaceOnAmend = false;
  /** Runs when an amend reaches the venue, before it answers. */
  onAmend: ((req: AmendRequest) => void) | undefined;
  /** The hints resolveOrder was given, in order. */
  readonly resolveHints: ResolveHint[] = [];
  readonly cancelRequests: string[] = [];
  /** How the next placeOrder answers. */
  answer: PlaceAnswer = 'ack';
  /** Runs when an order reaches the venue, before it answers. */
  onSend: ((req: OrderRequest) => void) | undefined;
  /** While set, an order waits here before it reaches the venue (a rate limiter's queue). */
  placeGate: Promise<void> | undefined;
  /** A cancel of an order the venue does not hold: 'cancelled' (lenient) or 'not-found' (Kraken's "unknown order"). */
  cancelUnknown: 'cancelled' | 'not-found' = 'cancelled';
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

  /** What the venue holds, by client order id: what resolveOrder answers from. */
  readonly held = new Map<string, Order>();
  /** resolveOrder calls, by client order id. */
  readonly resolveCalls: string[] = [];

  async placeOrder(req: OrderRequest): Promise<OrderEvidence> {
    if (this.placeGate) await this.placeGate;
    this.placed.push(req);
    this.onSend?.(req);
    if (this.answer === 'reject') throw new VenueError('rejected', '30042', 'not enough money to buy', { trackingId: 'trk-1' });
    if (this.answer === 'drop') throw new VenueError('unknown-outcome', 'DEADLINE', 'no answer within 10 s');
    const held = orderOf(req, { status: 'open', venueOrderId: `v-${++this.venueIds}` });
    this.held.set(req.clientOrderId, held);
    if (this.answer === 'lose') throw new VenueError('unknown-outcome', 'DEADLINE', 'no answer within 10 s');
    return { kind: 'accepted', venue: this.id, accountId: req.accountId, clientOrderId: req.clientOrderId, venueOrderId: held.venueOrderId!, status: 'open', at: 2, source: 'send' };
  }

  async amendOrder(req: AmendRequest, venueOrderId: string | undefined): Promise<OrderEvidence> {
    this.amendsSent.push({ req, venueOrderId });
    this.onAmend?.(req);
    if (this.amendAnswer === 'reject') throw new VenueError('rejected', '30059', 'the order cannot be amended now');
    if (this.amendAnswer === 'drop') throw new VenueError('unknown-outcome', 'DEADLINE', 'no answer within 10 s');
    const held = this.held.get(req.clientOrderId);
    if (!held) throw new VenueError('rejected', '30057', 'no such order');
    const next: Order = { ...held };
    if (req.price !== undefined) next.price = req.price;
    if (req.quantity !== undefined) next.quantity = req.quantity;
    if (req.triggerPrice !== undefined) next.triggerPrice = req.triggerPrice;
    if (this.replaceOnAmend) {
      next.venueOrderId = `v-${++this.venueIds}`;
      next.clientOrderId = req.amendId;
      this.held.set(req.clientOrderId, { ...held, status: 'cancelled' });
      this.held.set(req.amendId, next);
    } else this.held.set(req.clientOrderId, next);
    if (this.amendAnswer === 'lose') throw new VenueError('unknown-outcome', 'DEADLINE', 'no answer within 10 s');
    const amended: NonNullable<OrderEvidence['amended']> = { amendId: req.amendId, quantity: next.quantity, at: 6 };
    if (next.price !== undefined) amended.price = next.price;
    if (next.triggerPrice !== undefined) amended.triggerPrice = next.triggerPrice;
    if (next.venueOrderId !== undefined) amended.venueOrderId = next.venueOrderId;
    return { kind: 'status', venue: this.id, accountId: req.accountId, clientOrderId: req.clientOrderId, status: 'open', amended, at: 6, source: 'send' };
  }

  async cancelOrder(accountId: string, clientOrderId: string): Promise<OrderEvidence> {
    this.cancelRequests.push(clientOrderId);
    const held = this.held.get(clientOrderId);
    if (!held && this.cancelUnknown === 'not-found') return { kind: 'not-found', venue: this.id, accountId, clientOrderId, at: 3, source: 'send' };
    if (held) this.held.set(clientOrderId, { ...held, status: 'cancelled' });
    return { kind: 'status', venue: this.id, accountId, clientOrderId, status: 'cancelled', at: 3, source: 'send' };
  }

  async resolveOrder(accountId: string, clientOrderId: string, hint: ResolveHint): Promise<OrderEvidence> {
    this.resolveCalls.push(clientOrderId);
    this.resolveHints.push(hint);
    // Like T-Invest: the newest replacement (under its amend id) first, then the order itself.
    for (const amendId of [...(hint.amendIds ?? [])].reverse()) {
      const replacement = this.held.get(amendId);
      if (replacement && replacement.accountId === accountId) return evidenceOf(replacement, 'reconcile');
    }
    const held = this.held.get(clientOrderId);
    if (!held || held.accountId !== accountId) return { kind: 'not-found', venue: this.id, accountId, clientOrderId, at: 4, source: 'reconcile' };
    return evidenceOf(held, 'reconcile');
  }

  async cancelAll(accountId: string): Promise<number> {
    this.cancelAllCalls.push(accountId);
    const answer = this.cancelAllScript[accountId]?.shift() ?? this.cancelAllAnswer;
    if (answer === 'hang') return new Promise<number>(() => undefined);
    if (answer instanceof VenueError) throw answer;
    return answer;
  }

  async openOrders(accountId: string): Promise<OrderEvidence[]> {
    return this.openList.filter((o) => o.accountId === accountId).map((o) => evidenceOf(o, 'reconcile'));
  }

  async portfolio(accountId: string): Promise<Portfolio> {
    return { venue: this.id, accountId, at: 1_700_000_000_000, positions: [{ venue: this.id, accountId, asset: 'rub', quantity: '1000', blocked: '0' }] };
  }

  /** Any evidence, as the adapter would report it. */
  report(ev: OrderEvidence): void {
    this.sink.order(ev);
  }

  /** An order's state as the venue's stream reports it (with its terms and fills). */
  update(order: Order, source: 'stream' | 'reconcile' = 'stream'): void {
    this.sink.order(evidenceOf(order, source));
  }
}

/** A venue's whole view of an order as 'status' evidence. */
export function evidenceOf(o: Order, source: OrderEvidence['source']): OrderEvidence {
  const ev: OrderEvidence = {
    kind: 'status',
    venue: o.venue,
    accountId: o.accountId,
    clientOrderId: o.clientOrderId,
    status: o.status,
    filledQuantity: o.filledQuantity,
    fills: o.fills,
    terms: {
      instrumentId: o.instrumentId,
      side: o.side,
      type: o.type,
      quantity: o.quantity,
      createdAt: o.createdAt,
      ...(o.price !== undefined ? { price: o.price } : {}),
      ...(o.triggerPrice !== undefined ? { triggerPrice: o.triggerPrice } : {}),
    },
    at: o.updatedAt,
    source,
  };
  if (o.venueOrderId !== undefined) ev.venueOrderId = o.venueOrderId;
  if (o.averagePrice !== undefined) ev.averagePrice = o.averagePrice;
  if (o.reason !== undefined) ev.reason = o.reason;
  return ev;
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
