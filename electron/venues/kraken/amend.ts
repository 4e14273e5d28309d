/**
 * Kraken amends (doc §8): WS v2 amend_order on the private socket, REST AmendOrder while it is
 * down. In place: the order keeps its ids and, where Kraken can, its queue priority. The order
 * is named by order_id when known, else by cl_ord_id; order_qty is always the current total
 * (the sheet's safe choice: the WS page marks it required). The engine counter is charged +1,
 * more for young orders, through the pair's limiter.
 */
import type { AmendRequest, Dec, OrderAmendRecord, OrderEvidence } from '../../../common/domain.js';
import { cmp, isMultipleOf, isZero } from '../../../common/decimal.js';
import { VenueError, isVenueError } from '../venue.js';
import { SPOT_ACCOUNT_ID } from './constants.js';
import { mapKrakenError, unknownOutcome } from './errors.js';
import { isStaleToken } from './order-entry.js';
import type { OrderEntryOptions } from './order-entry.js';
import type { PairMeta } from './symbols.js';
import type { KrakenSocket } from './ws.js';
import { SocketRequestError, WireNumber } from './ws.js';

/** What amends need is what order entry needs: the same pairs, limiters, wire ids and sockets. */
export type OrderAmendsOptions = OrderEntryOptions;

/** What an amend is about to send, and what the order becomes if the venue takes it. */
interface AmendPlan {
  meta: PairMeta;
  txid: string | undefined;
  /** The new total quantity, always sent. */
  quantity: Dec;
  price?: Dec;
  triggerPrice?: Dec;
}

export class OrderAmends {
  private readonly o: OrderAmendsOptions;

  constructor(opts: OrderAmendsOptions) {
    this.o = opts;
  }

  /**
   * Resolves with 'status' evidence carrying `amended`; rejects with 'rejected'/'invalid' when
   * the venue refused (the order stands as it was) or 'unknown-outcome' when the answer was lost.
   */
  async amend(req: AmendRequest, venueOrderId: string | undefined): Promise<OrderEvidence> {
    const plan = await this.plan(req, venueOrderId);
    const landed = await this.o.limits.amendOrder(plan.meta.id, this.o.wire.restingAge(req.clientOrderId, this.o.now()));
    // The stream's "amended" event of this order, if it comes first, is told apart by this id.
    const w = this.o.wire.get(req.clientOrderId);
    if (w) w.amendInFlight = req.amendId;
    try {
      const socket = this.o.socket();
      const token = this.o.token();
      if (socket?.isLive && token) await this.sendWs(req, plan, socket, token);
      else await this.sendRest(req, plan);
    } finally {
      landed();
      if (w?.amendInFlight === req.amendId) delete w.amendInFlight;
    }
    const at = this.o.now();
    const txid = plan.txid ?? this.o.wire.get(req.clientOrderId)?.venueOrderId;
    if (txid !== undefined) this.o.wire.restarted(txid, at);
    const cur = this.o.wire.get(req.clientOrderId);
    if (cur) cur.quantity = plan.quantity;
    const amended: OrderAmendRecord = { amendId: req.amendId, quantity: plan.quantity, at };
    if (plan.price !== undefined) amended.price = plan.price;
    if (plan.triggerPrice !== undefined) amended.triggerPrice = plan.triggerPrice;
    if (txid !== undefined) amended.venueOrderId = txid;
    const ev: OrderEvidence = { kind: 'status', venue: 'kraken', accountId: SPOT_ACCOUNT_ID, clientOrderId: req.clientOrderId, amended, at, source: 'send' };
    if (txid !== undefined) ev.venueOrderId = txid;
    return ev;
  }

  /** Checks the request against the pair's steps and finds the order's pair and current total. */
  private async plan(req: AmendRequest, venueOrderId: string | undefined): Promise<AmendPlan> {
    const bad = (msg: string): VenueError => new VenueError('invalid', 'invalid-amend', msg);
    if (req.venue !== 'kraken') throw bad(`amend for venue ${req.venue} sent to Kraken`);
    if (req.accountId !== SPOT_ACCOUNT_ID) throw bad(`unknown account ${req.accountId}`);
    if (req.price === undefined && req.quantity === undefined && req.triggerPrice === undefined) throw bad('an amend changes a price, a trigger price or the quantity');
    const w = this.o.wire.get(req.clientOrderId);
    const txid = venueOrderId ?? w?.venueOrderId;
    let pairId = w?.instrumentId;
    let quantity = req.quantity ?? w?.quantity;
    if (pairId === undefined || quantity === undefined) {
      // Placed before a restart, or elsewhere: the venue says which pair and how much.
      const ev = await this.o.reconciler.resolveOrder(req.clientOrderId, { ...(txid !== undefined ? { venueOrderId: txid } : {}), instrumentId: pairId ?? '', sentAt: w?.sentAt ?? 0 });
      if (ev.kind === 'not-found' || ev.terms === undefined) throw new VenueError('rejected', 'EOrder:Unknown order', `Kraken holds no open order ${req.clientOrderId} to amend`);
      pairId = ev.terms.instrumentId;
      quantity ??= ev.terms.quantity;
    }
    const meta = this.o.symbols.get(pairId);
    if (!meta) throw bad(`unknown instrument ${pairId}`);
    const inst = meta.instrument;
    if (!isMultipleOf(quantity, inst.qtyStep) || isZero(quantity)) throw bad(`quantity ${quantity} is not a positive multiple of ${inst.qtyStep}`);
    for (const [what, p] of [['price', req.price], ['trigger price', req.triggerPrice]] as const) {
      if (p !== undefined && (cmp(p, '0') <= 0 || !isMultipleOf(p, inst.priceStep))) throw bad(`${what} ${p} is not a positive multiple of ${inst.priceStep}`);
    }
    const plan: AmendPlan = { meta, txid, quantity };
    if (req.price !== undefined) plan.price = req.price;
    if (req.triggerPrice !== undefined) plan.triggerPrice = req.triggerPrice;
    return plan;
  }

  private async sendWs(req: AmendRequest, plan: AmendPlan, socket: KrakenSocket, token: string): Promise<void> {
    const params: Record<string, unknown> = plan.txid !== undefined ? { order_id: plan.txid } : { cl_ord_id: req.clientOrderId };
    params.order_qty = new WireNumber(plan.quantity);
    if (plan.price !== undefined) params.limit_price = new WireNumber(plan.price);
    if (plan.triggerPrice !== undefined) params.trigger_price = new WireNumber(plan.triggerPrice);
    params.token = token;
    let r;
    try {
      r = await socket.request('amend_order', params, this.o.replyTimeoutMs ?? 10_000);
    } catch (e) {
      if (!(e instanceof SocketRequestError)) throw e;
      if (!e.sent) throw new VenueError('unavailable', 'not-sent', e.message);
      throw this.lost(req, e);
    }
    if (r.success === true) return;
    if (isStaleToken(r.error)) {
      socket.recycle(`token refused: ${r.error ?? ''}`);
      throw new VenueError('unavailable', 'not-sent', `amend_order: ${r.error ?? 'token refused'}; retry`);
    }
    throw this.refused(mapKrakenError(r.error ?? 'amend_order failed', this.o.now()));
  }

  private async sendRest(req: AmendRequest, plan: AmendPlan): Promise<void> {
    const params: Record<string, string> = plan.txid !== undefined ? { txid: plan.txid } : { cl_ord_id: req.clientOrderId };
    params.order_qty = plan.quantity;
    if (plan.price !== undefined) params.limit_price = plan.price;
    if (plan.triggerPrice !== undefined) params.trigger_price = plan.triggerPrice;
    try {
      await this.o.rest.privatePost<{ amend_id?: string }>('AmendOrder', params, { mutating: true });
    } catch (e) {
      if (!isVenueError(e)) throw e;
      if (e.kind === 'unknown-outcome') throw this.lost(req, e);
      if (e.kind === 'unavailable' && e.code === 'network') throw new VenueError('unavailable', 'not-sent', e.message);
      throw this.refused(e);
    } finally {
      this.o.reconciler.refreshWhileDown();
    }
  }

  private refused(err: VenueError): VenueError {
    this.o.reporter.error(err.info(this.o.now()));
    return err;
  }

  /** Sent, unanswered: the stream (or a REST refresh) tells whether the order changed. */
  private lost(req: AmendRequest, cause: unknown): VenueError {
    const err = isVenueError(cause) && cause.kind === 'unknown-outcome' ? cause : unknownOutcome(`Kraken amend_order ${req.clientOrderId}`, cause);
    this.o.reporter.error(err.info(this.o.now()));
    this.o.reconciler.refreshWhileDown();
    return err;
  }
}
