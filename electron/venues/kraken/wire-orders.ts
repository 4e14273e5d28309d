import type { Dec } from '../../../common/domain.js';

/**
 * Wire bookkeeping of Kraken orders, and nothing more: which cl_ord_id goes with which
 * order_id, which orders this adapter sent and when they started resting (the cancel
 * penalty is by age), and which of them the venue has not yet shown final (what a
 * reconnect must ask about). Order state itself is the core's: nothing here ranks or
 * merges statuses; `final` only means the venue said so and we can stop asking.
 */

export interface WireOrder {
  clientOrderId: string;
  venueOrderId?: string;
  /** REST pair id, when known. */
  instrumentId?: string;
  /** When we sent it (ms), for orders this adapter placed. */
  sentAt?: number;
  /** When the venue started resting it as far as we know; undefined = unknown. */
  restingSince?: number;
  /** The venue reported it filled, cancelled or expired. */
  final: boolean;
  /** Trade ids already reported for it, so a reconnect fetches only fills the stream missed. */
  trades: Set<string>;
  /** Its total quantity as last sent or shown (an amend sends the current total). */
  quantity?: Dec;
  /** The amendId of an amend of ours now out, so the stream's "amended" event carries it. */
  amendInFlight?: string;
}

/** Bounds the memory of final orders: they matter only for txid → cl_ord_id lookups of late events. */
const MAX_FINAL = 5_000;

export class WireOrders {
  private readonly byClient = new Map<string, WireOrder>();
  private readonly byVenue = new Map<string, WireOrder>();
  /** Waiters for the first venue sign of an order (its order_id), by cl_ord_id. */
  private readonly waiters = new Map<string, Set<(venueOrderId: string) => void>>();
  private finals = 0;

  get(clientOrderId: string): WireOrder | undefined {
    return this.byClient.get(clientOrderId);
  }

  byVenueId(venueOrderId: string): WireOrder | undefined {
    return this.byVenue.get(venueOrderId);
  }

  /** The cl_ord_id an order_id belongs to, when we know it. */
  clientIdOf(venueOrderId: string): string | undefined {
    return this.byVenue.get(venueOrderId)?.clientOrderId;
  }

  /** We are about to send it (again: a retry keeps the entry and its first send time). */
  sent(clientOrderId: string, instrumentId: string, at: number): WireOrder {
    const cur = this.byClient.get(clientOrderId);
    // A final order's cl_ord_id may be reused for a new order (unique among open orders only).
    if (cur && !cur.final) return cur;
    if (cur?.venueOrderId !== undefined) this.byVenue.delete(cur.venueOrderId);
    const w: WireOrder = { clientOrderId, instrumentId, sentAt: at, final: false, trades: new Set() };
    this.byClient.set(clientOrderId, w);
    return w;
  }

  /**
   * The venue showed an order (a reply, a stream event, a query): links the ids, notes when it
   * began resting, and wakes whoever waits for the order's first sign.
   */
  seen(venueOrderId: string, clientOrderId: string | undefined, facts: { instrumentId?: string; quantity?: Dec; resting?: boolean; final?: boolean; at: number }): WireOrder {
    let w = this.byVenue.get(venueOrderId);
    if (!w && clientOrderId !== undefined) {
      const c = this.byClient.get(clientOrderId);
      if (c && (c.venueOrderId === undefined || c.venueOrderId === venueOrderId)) w = c;
    }
    if (!w) {
      // An order this adapter did not send (another session, or before a restart).
      w = { clientOrderId: clientOrderId ?? venueOrderId, final: false, trades: new Set() };
      const other = this.byClient.get(w.clientOrderId);
      if (!other || other.final) this.byClient.set(w.clientOrderId, w);
    }
    if (w.venueOrderId === undefined) {
      w.venueOrderId = venueOrderId;
      this.byVenue.set(venueOrderId, w);
    }
    if (facts.instrumentId !== undefined) w.instrumentId = facts.instrumentId;
    if (facts.quantity !== undefined) w.quantity = facts.quantity;
    if (facts.resting && w.restingSince === undefined) w.restingSince = facts.at;
    if (facts.final && !w.final) {
      w.final = true;
      this.finals++;
      if (this.finals > MAX_FINAL) this.forgetOldFinals();
    }
    const ws = this.waiters.get(w.clientOrderId);
    if (ws) {
      this.waiters.delete(w.clientOrderId);
      for (const wake of ws) wake(venueOrderId);
    }
    return w;
  }

  /** An amend re-rests the order: its cancel penalty starts over. */
  restarted(venueOrderId: string, at: number): void {
    const w = this.byVenue.get(venueOrderId);
    if (w) w.restingSince = at;
  }

  /** Forgets an order the venue surely does not hold (refused, or never sent), so its id can go again. */
  drop(clientOrderId: string): void {
    const w = this.byClient.get(clientOrderId);
    if (!w || w.venueOrderId !== undefined) return;
    this.byClient.delete(clientOrderId);
  }

  /**
   * Resolves with the order_id at the venue's first sign of the order, or undefined when
   * `signal` ends the wait first. Event-driven: `seen` settles it, nothing polls.
   */
  firstSign(clientOrderId: string, until: Promise<unknown>): Promise<string | undefined> {
    const known = this.byClient.get(clientOrderId)?.venueOrderId;
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve) => {
      let set = this.waiters.get(clientOrderId);
      if (!set) this.waiters.set(clientOrderId, (set = new Set()));
      const wake = (id: string): void => resolve(id);
      set.add(wake);
      const end = (): void => {
        this.waiters.get(clientOrderId)?.delete(wake);
        resolve(undefined);
      };
      until.then(end, end);
    });
  }

  /** How long the order has rested; unknown counts as brand new: the highest cancel penalty, never an underestimate. */
  restingAge(clientOrderId: string, now: number): number {
    const t = this.byClient.get(clientOrderId)?.restingSince;
    return t === undefined ? 0 : Math.max(0, now - t);
  }

  /** Orders the venue has not shown final: what a reconnect asks about and what cancel-all touches. */
  live(): WireOrder[] {
    return [...this.byClient.values()].filter((w) => !w.final);
  }

  get size(): number {
    return this.byClient.size;
  }

  private forgetOldFinals(): void {
    // Maps iterate in insertion order: the oldest go first.
    for (const [cl, w] of this.byClient) {
      if (this.finals <= MAX_FINAL / 2) break;
      if (!w.final) continue;
      this.byClient.delete(cl);
      if (w.venueOrderId !== undefined) this.byVenue.delete(w.venueOrderId);
      this.finals--;
    }
  }
}
