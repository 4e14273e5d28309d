/**
 * Watches the hub and fires rules. Prices are compared only for instruments that have a rule
 * (one Map lookup per candle or quote otherwise); each price rule holds the hub's quote
 * subscription of its instrument, so it is evaluated even when no chart shows it, and lets go
 * when it is deleted or spent. Order rules fire on a change of an order's status (a new fill
 * for partial fills), never on the journal's replay or the venue's old history. Connection
 * rules fire when a venue that was live stays out of live longer than N s, and say when it is
 * back.
 */
import { randomUUID } from 'node:crypto';
import type { Candle, ConnectionState, Dec, MarketKey, OrderUpdate, Quote, VenueId } from '../../common/domain.js';
import { parseScaled } from '../../common/decimal.js';
import type { Scaled } from '../../common/decimal.js';
import type { Hub } from '../core/hub.js';
import { VENUE_CONNECTION } from '../core/hub.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import type { ConnectionEvent } from '../core/types.js';
import type { AlertRule, ConnectionRule, FiredAlert, OrderAlertEvent, OrderRule, PriceRule } from './types.js';

/** Order statuses remembered to tell a change from a repeat; the oldest are forgotten past this. */
const MAX_TRACKED_ORDERS = 5000;

interface PriceWatch {
  rule: PriceRule;
  /** The level, parsed once. */
  level: Scaled;
  /** The last price seen (text, to skip a repeat without parsing it). */
  prevPrice: Dec | undefined;
  /** Its side of the level: -1 below, 0 at, 1 above; tells a crossing from a price already past it. */
  prevSide: -1 | 0 | 1 | undefined;
  /** When it last fired (ms), for the re-arm cool-down. */
  firedAt: number | undefined;
}

/** A re-arming price rule fires at most once per this, by default. */
export const DEFAULT_REARM_COOLDOWN_MS = 30_000;

interface DownWatch {
  rule: ConnectionRule;
  timer: ReturnType<typeof setTimeout> | undefined;
  fired: boolean;
}

export interface AlertEngineOptions {
  hub: Hub;
  /** A rule fired: the engine has already updated the rule's own state (spent). */
  fire(rule: AlertRule, alert: FiredAlert): void;
  /** A 'once' price rule fired and is now inactive: persist it. */
  spent(rule: PriceRule): void;
  /** A re-arming price rule fires at most once per this; default DEFAULT_REARM_COOLDOWN_MS. */
  rearmCooldownMs?: number;
  now?: () => number;
  log?: Logger;
}

export class AlertEngine {
  /** Price rules by instrument id (then matched on venue): no key string built per tick. */
  private readonly prices = new Map<string, PriceWatch[]>();
  private readonly orderRules = new Map<string, OrderRule>();
  private readonly down = new Map<string, DownWatch>();
  /** Per venue: live now, and live at least once (a venue never connected is not "down"). */
  private readonly venues = new Map<VenueId, { live: boolean; wasLive: boolean }>();
  private readonly orders = new Map<string, { status: string; filled: string }>();
  private readonly unlisten: () => void;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly cooldownMs: number;

  constructor(private readonly opts: AlertEngineOptions) {
    this.now = opts.now ?? Date.now;
    this.cooldownMs = opts.rearmCooldownMs ?? DEFAULT_REARM_COOLDOWN_MS;
    this.log = opts.log ?? silentLogger;
    for (const s of opts.hub.summaries()) this.venues.set(s.id, { live: s.state === 'live', wasLive: s.state === 'live' });
    this.unlisten = opts.hub.on({
      candle: (c: Candle) => {
        if (this.prices.size > 0) this.onPrice(c.venue, c.instrumentId, c.close);
      },
      quote: (q: Quote) => {
        if (this.prices.size > 0 && q.last !== undefined) this.onPrice(q.venue, q.instrumentId, q.last);
      },
      order: (u) => {
        if (this.orderRules.size > 0) this.onOrder(u);
      },
      connection: (e) => {
        if (e.connection === VENUE_CONNECTION) this.onConnection(e);
      },
    });
  }

  /** Starts watching a rule (or its new version); an inactive rule is only forgotten. */
  add(rule: AlertRule): void {
    this.remove(rule.id);
    if (!rule.active) return;
    switch (rule.kind) {
      case 'price-above':
      case 'price-below': {
        try {
          this.opts.hub.retainMarket(quoteKey(rule));
        } catch (err) {
          // The venue is not in this app now (another mode, not built): the rule waits, unwatched.
          this.log.warn(`alert ${rule.id}: cannot watch ${rule.venue} ${rule.instrumentId}`, err);
          return;
        }
        const list = this.prices.get(rule.instrumentId) ?? [];
        list.push({ rule, level: parseScaled(rule.level), prevPrice: undefined, prevSide: undefined, firedAt: undefined });
        this.prices.set(rule.instrumentId, list);
        return;
      }
      case 'order':
        this.orderRules.set(rule.id, rule);
        return;
      case 'connection-down': {
        const w: DownWatch = { rule, timer: undefined, fired: false };
        this.down.set(rule.id, w);
        const v = this.venues.get(rule.venue);
        if (v && v.wasLive && !v.live) this.arm(w);
        return;
      }
    }
  }

  /** Stops watching; a price rule's subscription is released. */
  remove(id: string): void {
    for (const [instrumentId, list] of this.prices) {
      const i = list.findIndex((w) => w.rule.id === id);
      if (i < 0) continue;
      const [w] = list.splice(i, 1);
      if (list.length === 0) this.prices.delete(instrumentId);
      if (w) this.opts.hub.releaseMarket(quoteKey(w.rule));
      return;
    }
    this.orderRules.delete(id);
    const d = this.down.get(id);
    if (d) {
      if (d.timer !== undefined) clearTimeout(d.timer);
      this.down.delete(id);
    }
  }

  close(): void {
    this.unlisten();
    for (const id of [...this.prices.values()].flat().map((w) => w.rule.id)) this.remove(id);
    for (const id of [...this.down.keys()]) this.remove(id);
    this.orderRules.clear();
  }

  private onPrice(venue: VenueId, instrumentId: string, price: Dec): void {
    const list = this.prices.get(instrumentId);
    if (list === undefined) return;
    let parsed: Scaled | undefined;
    let spent: PriceRule[] | undefined;
    for (const w of list) {
      // A forming bar repeats its close often: an unchanged price can cross nothing.
      if (w.rule.venue !== venue || w.prevPrice === price) continue;
      try {
        parsed ??= parseScaled(price);
      } catch {
        // The hub passes only decimal text; a price that is not one is nothing to compare.
        return;
      }
      const side = sideOf(parsed, w.level);
      const prev = w.prevSide;
      w.prevPrice = price;
      w.prevSide = side;
      if (prev === undefined) continue;
      const r = w.rule;
      const crossed = r.kind === 'price-above' ? prev < 0 && side >= 0 : prev > 0 && side <= 0;
      if (!crossed) continue;
      // A price dancing on the level would fire on every tick: one alert per cool-down.
      const now = this.now();
      if (w.firedAt !== undefined && now - w.firedAt < this.cooldownMs) continue;
      w.firedAt = now;
      const word = r.kind === 'price-above' ? 'rose to' : 'fell to';
      this.fire(r, { title: `${instrumentId} ${r.kind === 'price-above' ? 'above' : 'below'} ${r.level}`, message: `${venue} ${instrumentId} ${word} ${price} (level ${r.level})`, venue, instrumentId, price });
      if (r.repeat === 'once') (spent ??= []).push(r);
    }
    // After the loop: removing a rule changes the list being walked.
    for (const r of spent ?? []) {
      this.remove(r.id);
      this.opts.spent({ ...r, active: false });
    }
  }

  private onOrder(u: OrderUpdate): void {
    // Old news: the journal's own start-up and the venue's history of orders long settled.
    if (u.source === 'replay' || u.source === 'history') return;
    const o = u.order;
    const key = `${o.venue}|${o.clientOrderId}`;
    const seen = this.orders.get(key);
    if (seen && seen.status === o.status && seen.filled === o.filledQuantity) return;
    this.orders.delete(key);
    this.orders.set(key, { status: o.status, filled: o.filledQuantity });
    if (this.orders.size > MAX_TRACKED_ORDERS) {
      const oldest = this.orders.keys().next().value;
      if (oldest !== undefined) this.orders.delete(oldest);
    }
    const event = orderEvent(o.status, seen?.status);
    if (!event) return;
    for (const r of this.orderRules.values()) {
      if (r.venue !== undefined && r.venue !== o.venue) continue;
      if (!r.events.includes(event)) continue;
      const what = event === 'fill' ? 'filled' : event === 'partial-fill' ? `partly filled (${o.filledQuantity} of ${o.quantity})` : event === 'reject' ? 'rejected' : 'cancelled';
      const reason = event === 'reject' && o.reason ? `: ${o.reason.message}` : '';
      this.fire(r, {
        title: `Order ${what.split(' ')[0]}`,
        message: `${o.venue} ${o.side} ${o.quantity} ${o.instrumentId} ${what}${reason}`,
        venue: o.venue,
        instrumentId: o.instrumentId,
        clientOrderId: o.clientOrderId,
      });
    }
  }

  private onConnection(e: ConnectionEvent): void {
    const v = this.venues.get(e.venue) ?? { live: false, wasLive: false };
    this.venues.set(e.venue, v);
    const live = e.state === 'live';
    if (live === v.live) return;
    v.live = live;
    if (live) v.wasLive = true;
    for (const w of this.down.values()) {
      if (w.rule.venue !== e.venue) continue;
      if (live) {
        if (w.timer !== undefined) clearTimeout(w.timer);
        w.timer = undefined;
        if (w.fired) {
          w.fired = false;
          this.fire(w.rule, { title: `${e.venue} is back`, message: `${e.venue} is live again`, venue: e.venue, phase: 'recovered' });
        }
      } else if (v.wasLive) this.arm(w, e.state);
    }
  }

  private arm(w: DownWatch, state?: ConnectionState): void {
    if (w.timer !== undefined || w.fired) return;
    const since = this.now();
    w.timer = setTimeout(() => {
      w.timer = undefined;
      w.fired = true;
      const secs = Math.round((this.now() - since) / 1000);
      this.fire(w.rule, { title: `${w.rule.venue} is down`, message: `${w.rule.venue} has not been live for ${secs} s${state ? ` (${state})` : ''}`, venue: w.rule.venue });
    }, w.rule.seconds * 1000);
    w.timer.unref?.();
  }

  private fire(rule: AlertRule, what: Omit<FiredAlert, 'id' | 'ruleId' | 'kind' | 'at' | 'os'>): void {
    const alert: FiredAlert = { id: randomUUID(), ruleId: rule.id, kind: rule.kind, at: this.now(), os: rule.channels.os, ...what };
    if (rule.label) alert.title = `${rule.label}: ${alert.title}`;
    try {
      this.opts.fire(rule, alert);
    } catch (err) {
      this.log.error(`alert ${rule.id} could not be delivered`, err);
    }
  }
}

/** Which side of the level a price is on, exactly. */
function sideOf(price: Scaled, level: Scaled): -1 | 0 | 1 {
  let a = price.int;
  let b = level.int;
  if (price.scale < level.scale) a *= 10n ** BigInt(level.scale - price.scale);
  else if (price.scale > level.scale) b *= 10n ** BigInt(price.scale - level.scale);
  return a < b ? -1 : a > b ? 1 : 0;
}

function quoteKey(r: PriceRule): MarketKey {
  return { venue: r.venue, instrumentId: r.instrumentId, stream: 'quote' };
}

function orderEvent(status: string, before: string | undefined): OrderAlertEvent | undefined {
  if (status === before && status !== 'partially-filled') return undefined;
  switch (status) {
    case 'filled':
      return 'fill';
    case 'partially-filled':
      return 'partial-fill';
    case 'rejected':
      return 'reject';
    case 'cancelled':
      return 'cancel';
    default:
      return undefined;
  }
}
