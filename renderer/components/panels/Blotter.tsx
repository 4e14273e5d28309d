import { useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import type { Fill, Instrument, Order, VenueId } from '../../../common/domain.js';
import { shortcut } from '../../keyboard.js';
import { amendsText, clockTime, orderSummary, quantityText, reasonText, sideText, statusText, symbolOf, triggerText, typeText, VENUE_NAMES } from '../../order-text.js';
import { useAppState, useServices } from '../../services.js';
import { instrumentKeyOf } from '../../store/instruments.js';
import { isOpen } from '../../store/orders.js';

/** Instruments of the orders shown, looked up once when not known yet. */
function useOrderInstruments(orders: readonly Order[]): (o: Order) => Instrument | undefined {
  const { store } = useServices();
  const instruments = useAppState((s) => s.instruments);
  useEffect(() => {
    for (const o of orders) store.getState().ensureInstrument(o.venue, o.instrumentId);
  }, [orders, store]);
  return (o) => instruments[instrumentKeyOf(o.venue, o.instrumentId)];
}

function useOrderList(filter: (o: Order) => boolean, newestFirst: boolean): Order[] {
  const orders = useAppState((s) => s.orders);
  return useMemo(
    () =>
      Object.values(orders)
        .filter(filter)
        .sort((a, b) => (newestFirst ? b.updatedAt - a.updatedAt : a.createdAt - b.createdAt)),
    // `filter` is a module-level function per use.
    [orders, filter, newestFirst],
  );
}

/** The order's state; an unknown outcome is marked apart, with why. */
export function StatusCell({ order }: { order: Order }) {
  if (order.status === 'unknown') {
    return (
      <td className="status-unknown" title="The answer was lost: the order may be working. Only the venue's evidence settles it.">
        ⚠ {statusText(order.status)}
      </td>
    );
  }
  return <td className={`status-${order.status}`}>{statusText(order.status)}</td>;
}

/** The type, with a stop's trigger (or trail) and whether it is still waiting for it. */
export function TypeCell({ order }: { order: Order }) {
  const trigger = triggerText(order);
  return (
    <td className={trigger ? 'type-stop' : undefined}>
      {typeText(order)}
      {trigger && <span className={`trigger-marker ${order.triggeredAt !== undefined ? 'triggered' : 'waiting'}`}>{trigger}</span>}
    </td>
  );
}

/** How often the order was amended, and the last amend's terms; the full list on hover. */
export function AmendsCell({ order }: { order: Order }) {
  const text = amendsText(order);
  const all = (order.amends ?? []).map((a) => `${clockTime(a.at)} ${[a.price && `price ${a.price}`, a.triggerPrice && `trigger ${a.triggerPrice}`, a.quantity && `quantity ${a.quantity}`].filter(Boolean).join(', ')}`);
  return <td title={all.length > 1 ? all.join('\n') : undefined}>{text || '—'}</td>;
}

const openFilter = (o: Order) => isOpen(o);
const finalFilter = (o: Order) => !isOpen(o);

/** Working orders (and those whose outcome is unknown): cancel one, or all of a venue. Delete cancels the focused row. */
export function OpenOrders() {
  const { store } = useServices();
  const orders = useOrderList(openFilter, false);
  const venues = useAppState((s) => s.venues);
  const instrumentOf = useOrderInstruments(orders);
  const [cancelling, setCancelling] = useState<ReadonlySet<string>>(new Set());

  const cancel = (o: Order) => {
    const key = `${o.venue}|${o.clientOrderId}`;
    setCancelling((s) => new Set(s).add(key));
    void store
      .getState()
      .cancelOrder(o)
      .finally(() =>
        setCancelling((s) => {
          const next = new Set(s);
          next.delete(key);
          return next;
        }),
      );
  };
  const onRowKey = (e: KeyboardEvent<HTMLTableRowElement>, o: Order) => {
    if (e.key !== 'Delete' || e.target !== e.currentTarget) return;
    e.preventDefault();
    cancel(o);
  };
  const openOn = (venue: VenueId) => orders.filter((o) => o.venue === venue).length;

  return (
    <div className="blotter">
      <div className="blotter-actions">
        {venues.map((v) => (
          <button
            key={v.id}
            type="button"
            disabled={openOn(v.id) === 0}
            onClick={() => void store.getState().cancelAll(v.id)}
          >
            {`Cancel all ${VENUE_NAMES[v.id]} orders`}
          </button>
        ))}
        <span className="muted">
          {orders.length} open · select a row and press {shortcut('cancel-focused').keys} to cancel it
        </span>
      </div>
      <table aria-label="Open orders">
        <thead>
          <tr>
            <th>Time</th>
            <th>Venue</th>
            <th>Instrument</th>
            <th>Side</th>
            <th>Type</th>
            <th>Quantity</th>
            <th>Filled</th>
            <th>Price</th>
            <th>Amends</th>
            <th>Status</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => {
            const instrument = instrumentOf(o);
            const key = `${o.venue}|${o.clientOrderId}`;
            return (
              <tr
                key={key}
                tabIndex={0}
                className={`side-${o.side}${o.status === 'unknown' ? ' row-unknown' : ''}`}
                aria-keyshortcuts={shortcut('cancel-focused').aria}
                onKeyDown={(e) => onRowKey(e, o)}
              >
                <td>{clockTime(o.createdAt)}</td>
                <td>{VENUE_NAMES[o.venue]}</td>
                <td>{symbolOf(o, instrument)}</td>
                <td>{sideText(o.side)}</td>
                <TypeCell order={o} />
                <td>{quantityText(o.quantity, instrument)}</td>
                <td>{o.filledQuantity}</td>
                <td>{o.price ?? 'market'}</td>
                <AmendsCell order={o} />
                <StatusCell order={o} />
                <td>
                  <button
                    type="button"
                    aria-label={`Cancel ${orderSummary(o, instrument)}`}
                    disabled={cancelling.has(key)}
                    onClick={() => cancel(o)}
                  >
                    Cancel
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {orders.length === 0 && <p className="muted empty">No open orders.</p>}
    </div>
  );
}

/** Orders that ended, newest first, with the venue's reason and code for rejections. */
export function OrderHistory() {
  const orders = useOrderList(finalFilter, true);
  const instrumentOf = useOrderInstruments(orders);
  return (
    <div className="blotter">
      <table aria-label="Order history">
        <thead>
          <tr>
            <th>Time</th>
            <th>Venue</th>
            <th>Instrument</th>
            <th>Side</th>
            <th>Type</th>
            <th>Quantity</th>
            <th>Filled</th>
            <th>Price</th>
            <th>Average</th>
            <th>Amends</th>
            <th>Final state</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => {
            const instrument = instrumentOf(o);
            return (
              <tr key={`${o.venue}|${o.clientOrderId}`} className={`side-${o.side}`}>
                <td>{clockTime(o.updatedAt)}</td>
                <td>{VENUE_NAMES[o.venue]}</td>
                <td>{symbolOf(o, instrument)}</td>
                <td>{sideText(o.side)}</td>
                <TypeCell order={o} />
                <td>{quantityText(o.quantity, instrument)}</td>
                <td>{o.filledQuantity}</td>
                <td>{o.price ?? 'market'}</td>
                <td>{o.averagePrice ?? '—'}</td>
                <AmendsCell order={o} />
                <StatusCell order={o} />
                <td className={o.status === 'rejected' ? 'reason' : undefined}>{reasonText(o) ?? ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {orders.length === 0 && <p className="muted empty">No finished orders yet.</p>}
    </div>
  );
}

interface FillRow {
  order: Order;
  fill: Fill;
}

/** Every fill of this run, newest first. */
export function Fills() {
  const all = useAppState((s) => s.orders);
  const withFills = useMemo(() => Object.values(all).filter((o) => o.fills.length > 0), [all]);
  const rows = useMemo(
    () => withFills.flatMap((order) => order.fills.map((fill): FillRow => ({ order, fill }))).sort((a, b) => b.fill.time - a.fill.time),
    [withFills],
  );
  const instrumentOf = useOrderInstruments(withFills);
  return (
    <div className="blotter">
      <table aria-label="Fills">
        <thead>
          <tr>
            <th>Time</th>
            <th>Venue</th>
            <th>Instrument</th>
            <th>Side</th>
            <th>Quantity</th>
            <th>Price</th>
            <th>Trade id</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ order, fill }) => {
            const instrument = instrumentOf(order);
            return (
              <tr key={`${order.venue}|${fill.tradeId}`} className={`side-${order.side}`}>
                <td>{fill.time > 0 ? clockTime(fill.time) : '—'}</td>
                <td>{VENUE_NAMES[order.venue]}</td>
                <td>{symbolOf(order, instrument)}</td>
                <td>{sideText(order.side)}</td>
                <td>{quantityText(fill.quantity, instrument)}</td>
                <td>{fill.price}</td>
                <td className="mono">{fill.tradeId}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {rows.length === 0 && <p className="muted empty">No fills yet.</p>}
    </div>
  );
}
