/**
 * Trading from the chart, the parts that are plain data: what the chart's menu offers at a
 * price, the amend request a dragged line sends, and the trader's fills as bar markers.
 */
import type { SeriesMarker, UTCTimestamp } from 'lightweight-charts';
import type { BridgeApi } from '../../electron/contract.js';
import type { AmendRequest, Dec, Instrument, Interval, Order, OrderType, Side, VenueId } from '../../common/domain.js';
import { candleOpen, EPOCH_WEEK_ANCHOR, MONDAY_WEEK_ANCHOR } from '../../common/domain.js';
import { cmp } from '../../common/decimal.js';
import type { PlaceRequest } from '../store/orders.js';
import type { ChartPalette } from './chart-theme.js';
import type { AmendOutcome, DragTarget } from './chart-drag.js';
import { priceLabel } from './price-lines.js';

export interface CursorChoice {
  side: Side;
  type: 'limit' | 'stop-loss';
  /** "Buy limit at 61,234.5". */
  label: string;
}

/**
 * Below the last price a buy rests as a limit and a sell waits as a stop; above it, the other
 * way round. Both are offered; a stop only where the venue takes stop-loss orders.
 */
export function cursorChoices(price: Dec, last: Dec | undefined, offered: readonly OrderType[]): CursorChoice[] {
  const at = priceLabel(price);
  const below = last !== undefined && cmp(price, last) < 0;
  const above = last !== undefined && cmp(price, last) > 0;
  const out: CursorChoice[] = [];
  const stops = offered.includes('stop-loss');
  if (below || last === undefined) out.push({ side: 'buy', type: 'limit', label: `Buy limit at ${at}` });
  if (above || last === undefined) out.push({ side: 'sell', type: 'limit', label: `Sell limit at ${at}` });
  if (below && stops) out.push({ side: 'sell', type: 'stop-loss', label: `Sell stop at ${at}` });
  if (above && stops) out.push({ side: 'buy', type: 'stop-loss', label: `Buy stop at ${at}` });
  return out;
}

/** The order a menu choice places: a limit at the price, or a stop triggered there. */
export function cursorDraft(
  choice: CursorChoice,
  price: Dec,
  o: { instrument: Pick<Instrument, 'venue' | 'id'>; accountId: string; quantity: Dec },
): Omit<PlaceRequest, 'clientOrderId'> {
  const base = { venue: o.instrument.venue, accountId: o.accountId, instrumentId: o.instrument.id, side: choice.side, quantity: o.quantity };
  return choice.type === 'limit' ? { ...base, type: 'limit', price } : { ...base, type: 'stop-loss', triggerPrice: price };
}

export function amendRequest(target: DragTarget, to: Dec, amendId: string): AmendRequest {
  const { order } = target;
  const req: AmendRequest = { venue: order.venue, accountId: order.accountId, clientOrderId: order.clientOrderId, amendId };
  if (target.field === 'price') req.price = to;
  else req.triggerPrice = to;
  return req;
}

/** Sends a dragged line's amend; a refusal comes back as the venue's words. */
export async function sendAmend(bridge: BridgeApi, target: DragTarget, to: Dec, amendId: string): Promise<AmendOutcome> {
  const result = await bridge.invoke('orders.amend', amendRequest(target, to, amendId));
  if (!result.ok) {
    const code = result.venue?.code ?? result.code;
    return { ok: false, reason: result.message === code || result.message.startsWith(`${code}:`) ? result.message : `${code}: ${result.message}` };
  }
  if (result.value.status === 'unknown') return { ok: false, reason: 'no answer from the venue; the order shows what it is once the venue tells' };
  return { ok: true };
}

/** Week bars open on Mondays on T-Invest and on epoch-aligned Thursdays on Kraken. */
export function weekAnchor(venue: VenueId): number {
  return venue === 'kraken' ? EPOCH_WEEK_ANCHOR : MONDAY_WEEK_ANCHOR;
}

/**
 * Own fills of the chart's instrument as markers on their bars: a buy arrow under the bar,
 * a sell arrow over it. Sorted by time, as the chart wants them; one per fill.
 */
export function fillMarkers(
  orders: Readonly<Record<string, Order>>,
  instrument: Pick<Instrument, 'venue' | 'id'>,
  interval: Interval,
  palette: ChartPalette,
): SeriesMarker<UTCTimestamp>[] {
  const out: SeriesMarker<UTCTimestamp>[] = [];
  for (const o of Object.values(orders)) {
    if (o.venue !== instrument.venue || o.instrumentId !== instrument.id) continue;
    for (const f of o.fills) {
      const buy = o.side === 'buy';
      out.push({
        id: `${o.clientOrderId}|${f.tradeId}`,
        time: candleOpen(Math.floor(f.time / 1000), interval, weekAnchor(o.venue)) as UTCTimestamp,
        position: buy ? 'belowBar' : 'aboveBar',
        shape: buy ? 'arrowUp' : 'arrowDown',
        color: buy ? palette.up : palette.down,
        text: `${buy ? 'B' : 'S'} ${f.quantity} @ ${f.price}`,
      });
    }
  }
  return out.sort((a, b) => a.time - b.time || (a.id! < b.id! ? -1 : 1));
}
