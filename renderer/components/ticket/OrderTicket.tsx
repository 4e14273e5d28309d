import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { Instrument, OrderType, Side } from '../../../common/domain.js';
import { grouped } from '../../../common/decimal.js';
import { shortcut } from '../../keyboard.js';
import { orderSummary, statusText, VENUE_NAMES } from '../../order-text.js';
import { useAppState, useSampledAppState, useServices } from '../../services.js';
import { activeSlot } from '../../store/layout.js';
import { seriesKey } from '../../store/series-key.js';
import { SegmentedRadio } from '../SegmentedRadio.js';
import { venueLabel } from '../VenuePicker.js';
import { ConfirmOrderDialog } from './ConfirmOrderDialog.js';
import { TicketSubmission, type SubmissionView } from './submission.js';
import { checkTicket, type FieldCheck } from './ticket-check.js';

/** "BTC" of "BTC/USD": Kraken quantities are in the base asset. */
function unitName(instrument: Instrument): string {
  return instrument.qtyUnit === 'lot' ? 'lots' : (instrument.symbol.split('/')[0] ?? 'units');
}

function Suggestions({ check, field, onPick }: { check: FieldCheck; field: 'price' | 'quantity'; onPick(v: string): void }) {
  if (check.suggestions.length === 0) return null;
  return (
    <span className="suggestions">
      Nearest valid:
      {check.suggestions.map((v) => (
        <button key={v} type="button" onClick={() => onPick(v)}>
          {`Use ${field} ${v}`}
        </button>
      ))}
    </span>
  );
}

function Outcome({ view, instrument, onRetry }: { view: SubmissionView; instrument: Instrument; onRetry(): void }) {
  switch (view.state) {
    case 'sending':
      return (
        <p className="ticket-outcome" role="status">
          Sending {orderSummary(view.request, instrument)}…
        </p>
      );
    case 'accepted':
      return (
        <p className="ticket-outcome ok" role="status">
          {orderSummary(view.request, instrument)}: {statusText(view.order.status)}
        </p>
      );
    case 'rejected':
      return (
        <p className="ticket-outcome bad" role="alert">
          Rejected by {VENUE_NAMES[view.request.venue]}: {view.message}
        </p>
      );
    case 'failed':
      return (
        <div className="ticket-outcome bad" role="alert">
          <p>
            {view.unknown ? 'Outcome unknown: the venue may have the order. ' : 'Not sent: '}
            {view.message}
          </p>
          <button type="button" onClick={onRetry}>
            Retry the same order
          </button>
        </div>
      );
    default:
      return null;
  }
}

/**
 * The order ticket for the active chart's instrument: account, side, type, quantity in the
 * venue's order unit, limit price on the tick, the exact notional, then a confirmation the
 * trader may switch off (one-click, marked on the ticket while on).
 */
export function OrderTicket() {
  const { store } = useServices();
  const instrument = useAppState((s) => activeSlot(s).instrument);
  const interval = useAppState((s) => activeSlot(s).interval);
  const venue = useAppState((s) => s.venues.find((v) => v.id === instrument?.venue));
  const oneClick = useAppState((s) => s.oneClick);
  const command = useAppState((s) => s.ticketCommand);
  const lastKey = instrument ? seriesKey({ venue: instrument.venue, instrumentId: instrument.id, interval }) : '';
  // The last close, for a market order's estimate and "use last price": read twice a second, not every frame.
  const lastClose = useSampledAppState(lastKey, (s) => s.lastCandles[lastKey]?.close, 500);

  const [accountId, setAccountId] = useState('');
  const [side, setSide] = useState<Side>('buy');
  const [type, setType] = useState<OrderType>('limit');
  const [quantity, setQuantity] = useState('');
  const [price, setPrice] = useState('');
  const [view, setView] = useState<SubmissionView>({ state: 'idle' });
  const [blockedBy, setBlockedBy] = useState<string | undefined>(undefined);
  const submission = useMemo(() => new TicketSubmission((r) => store.getState().placeOrder(r), setView), [store]);
  const quantityRef = useRef<HTMLInputElement>(null);
  const priceRef = useRef<HTMLInputElement>(null);
  const ids = useId();

  const accounts = venue?.accounts ?? [];
  const account = accounts.find((a) => a.id === accountId) ?? accounts[0];

  // A new instrument: its steps as the venue has them now, and a clean ticket.
  const instrumentKey = instrument ? `${instrument.venue}|${instrument.id}` : '';
  useEffect(() => {
    setPrice('');
    setQuantity('');
    setBlockedBy(undefined);
    submission.reset();
    if (instrument) void store.getState().refreshInstrument(instrument);
    // Keyed on the instrument's identity only: a refreshed copy of it must not clear the ticket.
  }, [instrumentKey]);
  // Orders placed from the chart take the ticket's size and account.
  useEffect(() => store.getState().setTicketSize(quantity, account?.id), [store, quantity, account?.id]);

  const check = instrument ? checkTicket({ type, quantity, price }, instrument, lastClose) : undefined;

  const edit = <T,>(setter: (v: T) => void) => (v: T) => {
    setter(v);
    setBlockedBy(undefined);
    submission.reset();
  };

  const submit = (withSide: Side) => {
    if (!instrument || !check) return;
    setSide(withSide);
    const blocker = account ? check.blocker : `No ${VENUE_NAMES[instrument.venue]} account to trade`;
    if (blocker !== undefined || !check.quantity.value || !account) {
      setBlockedBy(blocker);
      (check.quantity.value ? priceRef : quantityRef).current?.focus();
      return;
    }
    setBlockedBy(undefined);
    const draft = {
      venue: instrument.venue,
      accountId: account.id,
      instrumentId: instrument.id,
      side: withSide,
      type,
      quantity: check.quantity.value,
      ...(type === 'limit' && check.price.value ? { price: check.price.value } : {}),
    };
    submission.submit(draft, !oneClick);
  };

  // Keyboard commands from anywhere in the workspace (F2, Alt+B, Alt+S).
  const seen = useRef(command?.n ?? 0);
  useEffect(() => {
    if (!command || command.n === seen.current) return;
    seen.current = command.n;
    if (command.kind === 'focus') quantityRef.current?.focus();
    else submit(command.kind);
  });

  if (!instrument || !check) {
    return (
      <form className="ticket" aria-label="Order ticket" onSubmit={(e) => e.preventDefault()}>
        <h2>Order ticket</h2>
        <p className="muted">Choose an instrument on a chart to trade it.</p>
      </form>
    );
  }

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    submit(side);
  };
  const qtyLabel = `Quantity (${unitName(instrument)})`;
  const qtyHint = `Step ${instrument.qtyStep} · min ${instrument.minQty}${instrument.qtyUnit === 'lot' ? ` · 1 lot = ${instrument.lotSize}` : ''}`;
  const currency = instrument.currency.toUpperCase();
  const busy = view.state === 'sending' || view.state === 'confirming';

  return (
    <form className={`ticket${oneClick ? ' one-click' : ''}`} aria-label="Order ticket" onSubmit={onSubmit} noValidate>
      <header className="ticket-head">
        <h2>
          {instrument.symbol}
          <span className="muted"> · {venue ? venueLabel(venue) : VENUE_NAMES[instrument.venue]}</span>
        </h2>
        {oneClick && (
          <strong className="one-click-marker" role="status" aria-label="One-click trading is on">
            ONE-CLICK
          </strong>
        )}
      </header>

      <label className="field">
        <span>Account</span>
        <select aria-label="Account" value={account?.id ?? ''} disabled={accounts.length === 0} onChange={(e) => edit(setAccountId)(e.target.value)}>
          {accounts.length === 0 && <option value="">No account</option>}
          {accounts.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name || a.id}
            </option>
          ))}
        </select>
      </label>

      <SegmentedRadio<Side>
        label="Side"
        className={`side side-${side}`}
        choices={[
          { value: 'buy', label: 'Buy', title: shortcut('buy').keys },
          { value: 'sell', label: 'Sell', title: shortcut('sell').keys },
        ]}
        value={side}
        onChange={edit<Side>(setSide)}
      />
      <SegmentedRadio<OrderType>
        label="Order type"
        choices={[
          { value: 'limit', label: 'Limit' },
          { value: 'market', label: 'Market' },
        ]}
        value={type}
        onChange={edit<OrderType>(setType)}
      />

      <label className="field">
        <span>{qtyLabel}</span>
        <input
          ref={quantityRef}
          type="text"
          inputMode="decimal"
          aria-label={qtyLabel}
          aria-keyshortcuts={shortcut('focus-ticket').aria}
          aria-invalid={check.quantity.problem ? true : undefined}
          aria-describedby={`${ids}-qty`}
          autoComplete="off"
          value={quantity}
          onChange={(e) => edit(setQuantity)(e.target.value)}
        />
      </label>
      <p id={`${ids}-qty`} className={check.quantity.problem ? 'field-problem' : 'field-hint'}>
        {check.quantity.problem ?? qtyHint}
      </p>
      <Suggestions check={check.quantity} field="quantity" onPick={edit(setQuantity)} />

      {type === 'limit' && (
        <>
          <label className="field">
            <span>Limit price ({currency})</span>
            <input
              ref={priceRef}
              type="text"
              inputMode="decimal"
              aria-label="Limit price"
              aria-invalid={check.price.problem ? true : undefined}
              aria-describedby={`${ids}-price`}
              autoComplete="off"
              value={price}
              onChange={(e) => edit(setPrice)(e.target.value)}
            />
          </label>
          <p id={`${ids}-price`} className={check.price.problem ? 'field-problem' : 'field-hint'}>
            {check.price.problem ?? `Tick ${instrument.priceStep}`}
            {lastClose && !check.price.problem && (
              <button type="button" className="link" onClick={() => edit(setPrice)(lastClose)}>
                Use last price
              </button>
            )}
          </p>
          <Suggestions check={check.price} field="price" onPick={edit(setPrice)} />
        </>
      )}

      <p className="notional" role="status" aria-label="Notional">
        Notional:{' '}
        {check.notional ? `${check.notional.estimated ? '≈ ' : ''}${grouped(check.notional.value)} ${currency}` : '—'}
        {check.notional?.estimated && <span className="muted"> at the last price</span>}
      </p>

      <label className="check">
        <input
          type="checkbox"
          checked={oneClick}
          onChange={(e) => store.getState().setOneClick(e.target.checked)}
          aria-describedby={`${ids}-oneclick`}
        />
        One-click trading
      </label>
      <p id={`${ids}-oneclick`} className="field-hint">
        {oneClick ? 'Orders go out without asking.' : 'Each order asks to confirm.'}
      </p>

      {blockedBy && (
        <p className="field-problem" role="alert">
          {blockedBy}
        </p>
      )}
      <button
        type="submit"
        className={`submit submit-${side}`}
        disabled={busy || !instrument.tradable}
        aria-keyshortcuts={shortcut(side).aria}
      >
        {`${side === 'buy' ? 'Buy' : 'Sell'} ${instrument.symbol}`}
      </button>
      {!instrument.tradable && <p className="field-problem">{instrument.symbol} is not tradable through the API</p>}

      <Outcome view={view} instrument={instrument} onRetry={() => submission.retry()} />

      {view.state === 'confirming' && (
        <ConfirmOrderDialog
          summary={orderSummary(view.request, instrument)}
          where={`${venue ? venueLabel(venue) : VENUE_NAMES[instrument.venue]}, account ${account?.name || view.request.accountId}`}
          notional={check.notional ? `${check.notional.estimated ? '≈ ' : ''}${grouped(check.notional.value)} ${currency}` : undefined}
          onConfirm={() => submission.confirm()}
          onBack={() => submission.back()}
        />
      )}
    </form>
  );
}
