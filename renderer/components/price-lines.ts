/**
 * Working orders drawn as price lines on their instrument's chart: a limit price as a solid
 * line, a stop's trigger as a dashed one labelled by kind ("SL 60,000", "TP …", "TRAIL …").
 * Lines are created, moved and removed to follow the orders; nothing else on the chart is touched.
 */
import { LineStyle, type CreatePriceLineOptions, type IPriceLine } from 'lightweight-charts';
import type { Dec, Instrument, Order, OrderType } from '../../common/domain.js';
import { TRAILING_ORDER_TYPES, TRIGGER_ORDER_TYPES } from '../../common/domain.js';
import { quantityText, sideText } from '../order-text.js';
import { isOpen, orderKey } from '../store/orders.js';
import type { ChartPalette } from './chart-theme.js';
import { CHART_PALETTES } from './chart-theme.js';
import type { LineDrag, LineField } from './chart-drag.js';

export interface PriceLineHost {
  createPriceLine(options: CreatePriceLineOptions): IPriceLine;
  removePriceLine(line: IPriceLine): void;
}

/** One line on the chart: an order's limit price or its trigger, where it stands now. */
export interface ChartLine {
  /** Order key and field: stable across re-draws. */
  id: string;
  order: Order;
  field: LineField;
  price: Dec;
  state: 'resting' | 'dragging' | 'confirming' | 'pending';
  /** The trader may drag it (a trailing stop's trigger follows the market instead). */
  draggable: boolean;
}

/** Open orders of one instrument with a price or trigger to draw, oldest first (the order the list reads in). */
export function ordersOnChart(orders: Readonly<Record<string, Order>>, instrument: Pick<Instrument, 'venue' | 'id'>): Order[] {
  return Object.values(orders)
    .filter((o) => o.venue === instrument.venue && o.instrumentId === instrument.id && isOpen(o) && (o.price !== undefined || o.triggerPrice !== undefined))
    .sort((a, b) => a.createdAt - b.createdAt);
}

/** A stop that has not fired yet shows its trigger; once triggered only its limit (if any) works. */
export function waitsForTrigger(o: Order): boolean {
  return TRIGGER_ORDER_TYPES.has(o.type) && o.triggeredAt === undefined;
}

/** The lines of the orders: trigger lines for waiting stops, limit lines for priced orders. */
export function chartLines(orders: readonly Order[], drag?: LineDrag): ChartLine[] {
  const out: ChartLine[] = [];
  const push = (order: Order, field: LineField, draggable: boolean) => {
    const shown = drag ? drag.display(order, field) : { price: field === 'price' ? order.price : order.triggerPrice, state: 'resting' as const };
    if (shown.price === undefined) return;
    out.push({ id: `${orderKey(order)}|${field}`, order, field, price: shown.price, state: shown.state, draggable });
  };
  for (const o of orders) {
    const live = o.status !== 'unknown' && o.status !== 'pending';
    if (waitsForTrigger(o) && o.triggerPrice !== undefined) push(o, 'triggerPrice', live && !TRAILING_ORDER_TYPES.has(o.type));
    if (o.price !== undefined) push(o, 'price', live);
  }
  return out;
}

/** "SL", "TP" or "TRAIL": what a trigger line says it is. */
export function triggerKind(type: OrderType): string {
  if (TRAILING_ORDER_TYPES.has(type)) return 'TRAIL';
  return type.startsWith('take-profit') ? 'TP' : 'SL';
}

/** Thousands with commas, the digits exact ("60000.5" → "60,000.5"): the trigger line's label. */
export function priceLabel(price: Dec): string {
  const [whole = '', frac] = price.split('.');
  const g = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? g : `${g}.${frac}`;
}

export function lineOptions(line: ChartLine, instrument: Instrument | undefined, palette: ChartPalette = CHART_PALETTES.dark): CreatePriceLineOptions {
  const { order } = line;
  const unknown = order.status === 'unknown';
  const moving = line.state !== 'resting';
  const trigger = line.field === 'triggerPrice';
  const what = trigger ? `${triggerKind(order.type)} ${priceLabel(line.price)}` : `${sideText(order.side)} ${quantityText(order.quantity, instrument)}`;
  const mark = unknown ? ' ?' : line.state === 'pending' ? ' …' : line.state === 'confirming' ? ' ?→' : '';
  return {
    // The chart boundary: the exact price becomes a number only to be drawn.
    price: Number(line.price),
    color: unknown ? palette.unknown : moving ? palette.pending : order.side === 'buy' ? palette.up : palette.down,
    lineWidth: moving ? 2 : 1,
    lineStyle: unknown ? LineStyle.Dotted : trigger ? LineStyle.Dashed : LineStyle.Solid,
    axisLabelVisible: true,
    title: `${what}${mark}`,
  };
}

export class PriceLines {
  private readonly lines = new Map<string, { line: IPriceLine; signature: string }>();

  constructor(private readonly host: PriceLineHost) {}

  sync(wantedLines: readonly ChartLine[], instrument: Instrument | undefined, palette?: ChartPalette): void {
    const wanted = new Set<string>();
    for (const l of wantedLines) {
      wanted.add(l.id);
      const options = lineOptions(l, instrument, palette);
      const signature = `${options.price}|${options.title}|${options.color}|${options.lineStyle}|${options.lineWidth}`;
      const known = this.lines.get(l.id);
      if (known?.signature === signature) continue;
      if (known) {
        known.line.applyOptions(options);
        known.signature = signature;
      } else this.lines.set(l.id, { line: this.host.createPriceLine(options), signature });
    }
    for (const [id, { line }] of this.lines) {
      if (wanted.has(id)) continue;
      this.host.removePriceLine(line);
      this.lines.delete(id);
    }
  }

  count(): number {
    return this.lines.size;
  }
}
