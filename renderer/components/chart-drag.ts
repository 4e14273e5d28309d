/**
 * Dragging an order's line to amend it, as a small state machine kept free of the chart
 * library and React so it can be tested with plain calls. One gesture at a time:
 * idle → dragging → (confirming →) sent; Escape, or a release on the price it started at,
 * goes back to idle with nothing sent. A sent amend stays "pending" on its line until the
 * venue's answer: on a refusal the line snaps back (the order never moved); on success it
 * waits for the pushed order to carry the new terms, so the line never jumps back and forth.
 */
import type { Dec, Order } from '../../common/domain.js';
import { cmp, mul, places, withPlaces } from '../../common/decimal.js';
import { orderKey } from '../store/orders.js';

/** Which of an order's prices a line draws: its limit price, or a stop's trigger. */
export type LineField = 'price' | 'triggerPrice';

export interface DragTarget {
  order: Order;
  field: LineField;
  /** The price the line stood at when the drag began. */
  from: Dec;
}

export type DragPhase =
  | { phase: 'idle' }
  /** `at`: where the line is now, on the step. */
  | { phase: 'dragging'; target: DragTarget; at: Dec; amendId: string }
  | { phase: 'confirming'; target: DragTarget; to: Dec; amendId: string };

export interface PendingAmend {
  field: LineField;
  from: Dec;
  to: Dec;
  amendId: string;
  /** The venue said yes; shown until the pushed order carries it. */
  confirmed: boolean;
}

export type AmendOutcome = { ok: true } | { ok: false; reason: string };

export interface LineDragDeps {
  /** Sends the amend (the same amendId for the one gesture); never throws. */
  send(target: DragTarget, to: Dec, amendId: string): Promise<AmendOutcome>;
  confirmFirst(): boolean;
  makeId(): string;
  /** Something a line shows changed. */
  onChange(): void;
  onRefused(target: DragTarget, to: Dec, reason: string): void;
}

/** The multiple of `step` nearest a chart price (never below one step): what a released line becomes. */
export function snapToStep(price: number, step: Dec): Dec {
  const s = Number(step);
  const n = Math.max(1, Math.round(price / s));
  return withPlaces(mul(step, String(n)), places(step));
}

export function lineValue(order: Order, field: LineField): Dec | undefined {
  return field === 'price' ? order.price : order.triggerPrice;
}

export class LineDrag {
  private current: DragPhase = { phase: 'idle' };
  private readonly pending = new Map<string, PendingAmend>();

  constructor(
    private readonly step: () => Dec,
    private readonly deps: LineDragDeps,
  ) {}

  phase(): DragPhase {
    return this.current;
  }

  /** Starts a gesture on a line; refused while another gesture or an amend of this line is under way. */
  start(order: Order, field: LineField): boolean {
    const from = lineValue(order, field);
    if (this.current.phase !== 'idle' || from === undefined || this.pending.has(pendingKey(order, field))) return false;
    this.set({ phase: 'dragging', target: { order, field, from }, at: from, amendId: this.deps.makeId() });
    return true;
  }

  /** The pointer moved to a chart price. */
  move(price: number): void {
    if (this.current.phase !== 'dragging' || !Number.isFinite(price)) return;
    const at = snapToStep(price, this.step());
    if (at !== this.current.at) this.set({ ...this.current, at });
  }

  /** The pointer let go: amend (or ask first) unless the line is back where it started. */
  release(): void {
    if (this.current.phase !== 'dragging') return;
    const { target, at, amendId } = this.current;
    if (cmp(at, target.from) === 0) return this.set({ phase: 'idle' });
    if (this.deps.confirmFirst()) return this.set({ phase: 'confirming', target, to: at, amendId });
    this.send(target, at, amendId);
  }

  /** Escape: drops the gesture (dragging or confirming); nothing was sent. */
  cancel(): void {
    if (this.current.phase !== 'idle') this.set({ phase: 'idle' });
  }

  confirm(): void {
    if (this.current.phase !== 'confirming') return;
    const { target, to, amendId } = this.current;
    this.send(target, to, amendId);
  }

  /**
   * Where a line stands and why: under the pointer, waiting for a confirm, sent, or where the
   * venue has it. A confirmed amend is dropped once the order shows a price other than the old one.
   */
  display(order: Order, field: LineField): { price: Dec | undefined; state: 'resting' | 'dragging' | 'confirming' | 'pending' } {
    const c = this.current;
    const key = orderKey(order);
    if (c.phase !== 'idle' && orderKey(c.target.order) === key && c.target.field === field) {
      return { price: c.phase === 'dragging' ? c.at : c.to, state: c.phase };
    }
    const p = this.pending.get(pendingKey(order, field));
    const now = lineValue(order, field);
    if (p) {
      if (!p.confirmed || (now !== undefined && cmp(now, p.from) === 0)) return { price: p.to, state: 'pending' };
      this.pending.delete(pendingKey(order, field));
    }
    return { price: now, state: 'resting' };
  }

  isPending(order: Order, field: LineField): boolean {
    return this.pending.has(pendingKey(order, field));
  }

  private send(target: DragTarget, to: Dec, amendId: string): void {
    const key = pendingKey(target.order, target.field);
    this.pending.set(key, { field: target.field, from: target.from, to, amendId, confirmed: false });
    this.set({ phase: 'idle' });
    void this.deps.send(target, to, amendId).then((outcome) => {
      const p = this.pending.get(key);
      if (!p || p.amendId !== amendId) return;
      if (outcome.ok) p.confirmed = true;
      else {
        this.pending.delete(key);
        this.deps.onRefused(target, to, outcome.reason);
      }
      this.deps.onChange();
    });
  }

  private set(next: DragPhase): void {
    this.current = next;
    this.deps.onChange();
  }
}

function pendingKey(order: Order, field: LineField): string {
  return `${orderKey(order)}|${field}`;
}
