import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { Instrument, PositionPnl, TradeRecord, VenueId } from '../../../common/domain.js';
import type { VenueSummary } from '../../../electron/contract.js';
import { grouped, isPositive, isZero } from '../../../common/decimal.js';
import { dateTime, quantityText, reasonText, sideText, symbolOf, VENUE_NAMES } from '../../order-text.js';
import { saveCsv } from '../../download.js';
import { useAppState, useServices } from '../../services.js';
import { instrumentKeyOf } from '../../store/instruments.js';
import { StatusCell } from './Blotter.js';

/** Order updates come in bursts (a fill, then its order's new state): one refresh covers a burst. */
export const HISTORY_REFRESH_DELAY_MS = 750;

const NONE: readonly never[] = [];

const VIEWS = ['orders', 'trades', 'pnl'] as const;
type View = (typeof VIEWS)[number];
const VIEW_NAMES: Readonly<Record<View, string>> = { orders: 'Orders', trades: 'Trades', pnl: 'P&L' };

/** Instruments of the rows shown, looked up once when not known yet. */
function useInstruments(keys: readonly { venue: VenueId; instrumentId: string }[]): (venue: VenueId, id: string) => Instrument | undefined {
  const { store } = useServices();
  const instruments = useAppState((s) => s.instruments);
  useEffect(() => {
    for (const k of keys) store.getState().ensureInstrument(k.venue, k.instrumentId);
  }, [keys, store]);
  return (venue, id) => instruments[instrumentKeyOf(venue, id)];
}

function liveVenues(venues: readonly VenueSummary[]): string {
  return venues
    .filter((v) => v.state === 'live')
    .map((v) => v.id)
    .join(',');
}

/**
 * Loads on open and again shortly after order updates, while the panel is shown; also when
 * a venue goes live, since the core then merges the venue's own history (trades, fees).
 */
function useHistoryRefresh(): void {
  const { store } = useServices();
  useEffect(() => {
    void store.getState().loadHistory();
    let due: ReturnType<typeof setTimeout> | undefined;
    const off = store.subscribe((s, prev) => {
      const changed = s.orders !== prev.orders || s.ledgerVersion !== prev.ledgerVersion || (s.venues !== prev.venues && liveVenues(s.venues) !== liveVenues(prev.venues));
      if (!changed || due) return;
      due = setTimeout(() => {
        due = undefined;
        void store.getState().loadHistory();
      }, HISTORY_REFRESH_DELAY_MS);
    });
    return () => {
      off();
      if (due) clearTimeout(due);
    };
  }, [store]);
}

function money(value: string | undefined): string {
  return value === undefined ? '—' : grouped(value);
}

function pnlClass(value: string | undefined): string | undefined {
  if (value === undefined || isZero(value)) return undefined;
  return isPositive(value) ? 'pnl-up' : 'pnl-down';
}

function OrdersView() {
  const orders = useAppState((s) => s.history.data?.orders ?? NONE);
  const instrumentOf = useInstruments(orders);
  return (
    <>
      <table aria-label="Order history (all)">
        <thead>
          <tr>
            <th>Created</th>
            <th>Venue</th>
            <th>Account</th>
            <th>Instrument</th>
            <th>Side</th>
            <th>Type</th>
            <th>Quantity</th>
            <th>Filled</th>
            <th>Price</th>
            <th>Average</th>
            <th>Status</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => {
            const instrument = instrumentOf(o.venue, o.instrumentId);
            return (
              <tr key={`${o.venue}|${o.clientOrderId}`} className={`side-${o.side}`}>
                <td>{dateTime(o.createdAt)}</td>
                <td>{VENUE_NAMES[o.venue]}</td>
                <td>{o.accountId}</td>
                <td>{symbolOf(o, instrument)}</td>
                <td>{sideText(o.side)}</td>
                <td>{o.type}</td>
                <td>{quantityText(o.quantity, instrument)}</td>
                <td>{o.filledQuantity}</td>
                <td>{o.price ?? 'market'}</td>
                <td>{o.averagePrice ?? '—'}</td>
                <StatusCell order={o} />
                <td className={o.status === 'rejected' ? 'reason' : undefined}>{reasonText(o) ?? ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {orders.length === 0 && <p className="muted empty">No orders in the history.</p>}
    </>
  );
}

function feeText(t: TradeRecord): string {
  return isZero(t.fee) ? '0' : `${t.fee} ${t.feeCurrency.toUpperCase()}`;
}

function TradesView() {
  const trades = useAppState((s) => s.history.data?.trades ?? NONE);
  const instrumentOf = useInstruments(trades);
  return (
    <>
      <table aria-label="Trades">
        <thead>
          <tr>
            <th>Time</th>
            <th>Venue</th>
            <th>Account</th>
            <th>Instrument</th>
            <th>Side</th>
            <th>Quantity</th>
            <th>Price</th>
            <th>Fee</th>
            <th>Trade id</th>
          </tr>
        </thead>
        <tbody>
          {trades.map((t) => (
            <tr key={`${t.venue}|${t.accountId}|${t.tradeId}`} className={`side-${t.side}`}>
              <td>{dateTime(t.time)}</td>
              <td>{VENUE_NAMES[t.venue]}</td>
              <td>{t.accountId}</td>
              <td>{symbolOf(t, instrumentOf(t.venue, t.instrumentId))}</td>
              <td>{sideText(t.side)}</td>
              <td>{t.quantity}</td>
              <td>{`${t.price} ${t.currency.toUpperCase()}`}</td>
              <td>{feeText(t)}</td>
              <td className="mono">{t.tradeId}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {trades.length === 0 && <p className="muted empty">No trades yet.</p>}
    </>
  );
}

function otherFeesText(p: PositionPnl): string {
  return Object.entries(p.otherFees ?? {})
    .map(([asset, fee]) => `${fee} ${asset.toUpperCase()}`)
    .join(', ');
}

function PnlView() {
  const rows = useAppState((s) => s.history.data?.pnl ?? NONE);
  const instrumentOf = useInstruments(rows);
  return (
    <>
      <table aria-label="Profit and loss">
        <thead>
          <tr>
            <th>Instrument</th>
            <th>Venue</th>
            <th>Account</th>
            <th>Quantity</th>
            <th>Average cost</th>
            <th>Last price</th>
            <th>Realized</th>
            <th>Unrealized</th>
            <th>Fees</th>
            <th>Currency</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => {
            const other = otherFeesText(p);
            return (
              <tr key={`${p.venue}|${p.accountId}|${p.instrumentId}|${p.currency}`}>
                <th scope="row">{p.symbol ?? symbolOf(p, instrumentOf(p.venue, p.instrumentId))}</th>
                <td>{VENUE_NAMES[p.venue]}</td>
                <td>{p.accountId}</td>
                <td>{p.quantity}</td>
                <td>{money(p.averageCost)}</td>
                <td>{money(p.lastPrice)}</td>
                <td className={pnlClass(p.realized)}>{money(p.realized)}</td>
                <td className={pnlClass(p.unrealized)} title={p.unrealized === undefined ? 'No price yet: open a chart of the instrument' : undefined}>
                  {money(p.unrealized)}
                </td>
                <td title={other ? `Also paid in other assets, not converted: ${other}` : undefined}>
                  {money(p.fees)}
                  {other ? ` + ${other}` : ''}
                </td>
                <td>{p.currency.toUpperCase()}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {rows.length === 0 && <p className="muted empty">No positions traded yet.</p>}
    </>
  );
}

function ExportButton({ what }: { what: 'orders' | 'trades' }) {
  const { store } = useServices();
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      const result = await store.getState().exportHistory(what);
      if (!result.ok) return;
      saveCsv(result.value.filename, result.value.csv);
      store.getState().notify({ tone: 'info', title: `Exported ${result.value.rows} ${what}`, detail: result.value.filename });
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" disabled={busy} onClick={() => void run()}>
      {`Export ${what} CSV`}
    </button>
  );
}

/** The persisted history: all orders, the trades, and P&L by position, with CSV export. */
export function History() {
  const { store } = useServices();
  const [view, setView] = useState<View>('orders');
  const history = useAppState((s) => s.history);
  const ids = useId();
  const tabs = useRef(new Map<View, HTMLButtonElement>());
  useHistoryRefresh();

  const choose = (next: View) => {
    setView(next);
    tabs.current.get(next)?.focus();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = VIEWS.indexOf(view);
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    let next: View | undefined;
    if (step !== undefined) next = VIEWS[(i + step + VIEWS.length) % VIEWS.length];
    else if (e.key === 'Home') next = VIEWS[0];
    else if (e.key === 'End') next = VIEWS[VIEWS.length - 1];
    if (!next) return;
    e.preventDefault();
    choose(next);
  };
  const status =
    history.status === 'loading'
      ? 'Refreshing…'
      : history.status === 'error'
        ? `Could not refresh: ${history.error ?? 'unknown error'}`
        : history.data
          ? `as of ${dateTime(history.data.at)}`
          : 'Not loaded';

  return (
    <div className="blotter history">
      <div className="blotter-actions">
        <div className="history-tabs" role="tablist" aria-label="History views" onKeyDown={onKeyDown}>
          {VIEWS.map((v) => (
            <button
              key={v}
              ref={(el) => {
                if (el) tabs.current.set(v, el);
                else tabs.current.delete(v);
              }}
              id={`${ids}-${v}-tab`}
              type="button"
              role="tab"
              aria-selected={v === view}
              aria-controls={`${ids}-${v}-panel`}
              tabIndex={v === view ? 0 : -1}
              onClick={() => choose(v)}
            >
              {VIEW_NAMES[v]}
            </button>
          ))}
        </div>
        <button type="button" onClick={() => void store.getState().loadHistory()}>
          Refresh history
        </button>
        <ExportButton what="orders" />
        <ExportButton what="trades" />
        <span className="muted" role="status" aria-label="History status">
          {status}
        </span>
      </div>
      <div role="tabpanel" id={`${ids}-${view}-panel`} aria-labelledby={`${ids}-${view}-tab`}>
        {view === 'orders' ? <OrdersView /> : view === 'trades' ? <TradesView /> : <PnlView />}
      </div>
    </div>
  );
}
