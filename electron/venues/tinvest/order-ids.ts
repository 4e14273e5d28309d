/**
 * Wire bookkeeping of the orders this adapter has heard of: which account a client key belongs
 * to, its exchange id once the venue named it, whether a send of it is under way, and which
 * trades of it were already reported. Nothing here decides an order's state (the core's state
 * machine does): it only tells the adapter which ids to use on the wire and what is still worth
 * asking the venue about (an order not yet heard to end, or one whose executed lots have no
 * trade ids yet).
 */
import type { OrderEvidence } from '../../../common/domain.js';
import { FINAL_ORDER_STATUSES } from '../../../common/domain.js';

export interface WireOrder {
  readonly accountId: string;
  readonly clientOrderId: string;
  /** The exchange id, once the venue named it (the stream's first event does not, §2.4). */
  venueOrderId?: string;
  /** A PostOrder/ReplaceOrder of this key is under way. */
  sending: boolean;
  /** ms (Date.now) of our latest attempt at sending it; 0 when we never sent it. */
  lastSendMs: number;
  /** The venue has reported a final status for it: reconciliation stops asking. */
  ended: boolean;
  /** Largest executed lots the venue reported, and the trades reported with ids (lots by trade id). */
  executedLots: bigint;
  readonly trades: Map<string, bigint>;
  /** The venue no longer answers for it: nothing more is asked. */
  dropped: boolean;
}

function wholeLots(q: string | undefined): bigint {
  return q !== undefined && /^\d+$/.test(q) ? BigInt(q) : 0n;
}

export class OrderIds {
  private readonly byKey = new Map<string, WireOrder>();
  private readonly byVenueId = new Map<string, string>();
  /** Amend key (ReplaceOrder idempotency_key) → the client key of the order it amended. */
  private readonly amendOf = new Map<string, string>();
  /** Exchange ids a replace is taking, or took, the place of: their cancel is part of the replace. */
  private readonly superseded = new Set<string>();

  /**
   * ReplaceOrder makes a new exchange order whose events carry the amend key as their request
   * id (§4.6): they belong to the order that was amended.
   */
  alias(amendId: string, clientOrderId: string): void {
    this.amendOf.set(amendId, this.originalOf(clientOrderId) ?? clientOrderId);
  }

  /** The client key an amend key (or an exchange id made by a replace) stands for. */
  originalOf(key: string): string | undefined {
    return this.amendOf.get(key);
  }

  /** An exchange order being replaced: its cancel event must not end the client order. */
  supersede(venueOrderId: string): void {
    this.superseded.add(venueOrderId);
  }

  /** A replace was refused: the exchange order stands, and its cancel would mean a cancel. */
  restore(venueOrderId: string): void {
    this.superseded.delete(venueOrderId);
  }

  isSuperseded(venueOrderId: string): boolean {
    return this.superseded.has(venueOrderId);
  }

  /** A replace took effect: the client order now works under `venueOrderId` (cancels and queries use it). */
  replaced(accountId: string, clientOrderId: string, venueOrderId: string): void {
    this.ensure(accountId, clientOrderId).venueOrderId = venueOrderId;
    this.byVenueId.set(venueOrderId, clientOrderId);
  }

  get(clientOrderId: string): WireOrder | undefined {
    return this.byKey.get(clientOrderId);
  }

  /** The client key an exchange id is known under. */
  keyOf(venueOrderId: string): string | undefined {
    return this.byVenueId.get(venueOrderId);
  }

  /** Creates (or returns) the entry of a key. */
  ensure(accountId: string, clientOrderId: string): WireOrder {
    let w = this.byKey.get(clientOrderId);
    if (!w) {
      w = { accountId, clientOrderId, sending: false, lastSendMs: 0, ended: false, executedLots: 0n, trades: new Map(), dropped: false };
      this.byKey.set(clientOrderId, w);
    }
    return w;
  }

  /** Records one attempt at sending a key. */
  attempt(accountId: string, clientOrderId: string, atMs: number): WireOrder {
    const w = this.ensure(accountId, clientOrderId);
    w.sending = true;
    w.lastSendMs = Math.max(w.lastSendMs, atMs);
    return w;
  }

  /** Notes the ids and trades one piece of evidence names; returns its entry. */
  note(ev: OrderEvidence): WireOrder {
    const w = this.ensure(ev.accountId, ev.clientOrderId);
    if (ev.venueOrderId !== undefined && w.venueOrderId === undefined) {
      w.venueOrderId = ev.venueOrderId;
      this.byVenueId.set(ev.venueOrderId, ev.clientOrderId);
    }
    if (ev.status !== undefined && FINAL_ORDER_STATUSES.has(ev.status)) w.ended = true;
    const executed = wholeLots(ev.filledQuantity);
    if (executed > w.executedLots) w.executedLots = executed;
    for (const f of ev.fills ?? []) if (!w.trades.has(f.tradeId)) w.trades.set(f.tradeId, wholeLots(f.quantity));
    return w;
  }

  /** Executed lots that no reported trade accounts for (a PostOrder answer carries no trades). */
  tradesMissing(w: WireOrder): boolean {
    let sum = 0n;
    for (const q of w.trades.values()) sum += q;
    return sum < w.executedLots;
  }

  /** Entries of an account still worth asking about: not heard to end, or with trades unseen. Amend keys are asked about under their order's key. */
  unsettled(accountId: string): WireOrder[] {
    return [...this.byKey.values()].filter(
      (w) => w.accountId === accountId && !w.sending && !w.dropped && !this.amendOf.has(w.clientOrderId) && (!w.ended || this.tradesMissing(w)),
    );
  }

  /** Stops asking about an entry (the venue forgot it: GetOrderState keeps about a day, §4.6). */
  drop(w: WireOrder): void {
    w.dropped = true;
  }
}
