/**
 * Open orders drawn as price lines on their instrument's chart. Lines are created, moved and
 * removed to follow the orders; nothing else on the chart is touched.
 */
import { LineStyle, type CreatePriceLineOptions, type IPriceLine } from 'lightweight-charts';
import type { Instrument, Order } from '../../common/domain.js';
import { quantityText, sideText } from '../order-text.js';
import { isOpen, orderKey } from '../store/orders.js';
import { DOWN_COLOR, UP_COLOR } from './chart-bars.js';

const UNKNOWN_COLOR = '#e0b341';

export interface PriceLineHost {
  createPriceLine(options: CreatePriceLineOptions): IPriceLine;
  removePriceLine(line: IPriceLine): void;
}

/** Open limit orders of one instrument, oldest first (the order the list reads in). */
export function ordersOnChart(orders: Readonly<Record<string, Order>>, instrument: Pick<Instrument, 'venue' | 'id'>): Order[] {
  return Object.values(orders)
    .filter((o) => o.venue === instrument.venue && o.instrumentId === instrument.id && isOpen(o) && o.price !== undefined)
    .sort((a, b) => a.createdAt - b.createdAt);
}

export function lineOptions(order: Order, instrument: Instrument | undefined): CreatePriceLineOptions {
  const unknown = order.status === 'unknown';
  return {
    // The chart boundary: the exact price becomes a number only to be drawn.
    price: Number(order.price),
    color: unknown ? UNKNOWN_COLOR : order.side === 'buy' ? UP_COLOR : DOWN_COLOR,
    lineWidth: 1,
    lineStyle: unknown ? LineStyle.Dotted : LineStyle.Dashed,
    axisLabelVisible: true,
    title: `${sideText(order.side)} ${quantityText(order.quantity, instrument)}${unknown ? ' ?' : ''}`,
  };
}

export class PriceLines {
  private readonly lines = new Map<string, { line: IPriceLine; signature: string }>();

  constructor(private readonly host: PriceLineHost) {}

  sync(orders: readonly Order[], instrument: Instrument | undefined): void {
    const wanted = new Set<string>();
    for (const order of orders) {
      const key = orderKey(order);
      wanted.add(key);
      const options = lineOptions(order, instrument);
      const signature = `${options.price}|${options.title}|${options.color}`;
      const known = this.lines.get(key);
      if (known?.signature === signature) continue;
      if (known) known.line.applyOptions(options);
      else this.lines.set(key, { line: this.host.createPriceLine(options), signature });
      if (known) known.signature = signature;
    }
    for (const [key, { line }] of this.lines) {
      if (wanted.has(key)) continue;
      this.host.removePriceLine(line);
      this.lines.delete(key);
    }
  }

  count(): number {
    return this.lines.size;
  }
}
