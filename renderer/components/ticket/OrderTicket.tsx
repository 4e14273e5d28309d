import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { Instrument, OrderType, Side, TimeInForce } from '../../../common/domain.js';
import { grouped } from '../../../common/decimal.js';
import { kindText, lotAndStepText, pricingText } from '../../instrument-text.js';
import { shortcut } from '../../keyboard.js';
import { orderSummary, statusText, TIME_IN_FORCE_NAMES, VENUE_NAMES } from '../../order-text.js';
import { useAppState, useSampledAppState, useServices } from '../../services.js';
import { activeSlot } from '../../store/layout.js';
import { instrumentMarketKey } from '../../store/market.js';
import { seriesKey } from '../../store/series-key.js';
import { useMarketFeed } from '../market-feed.js';
import { SegmentedRadio } from '../SegmentedRadio.js';
import { venueLabel } from '../VenuePicker.js';
import { ConfirmOrderDialog } from './ConfirmOrderDialog.js';
import { TicketSubmission, type SubmissionView } from './submission.js';
import { checkTicket, requestTerms, type FieldCheck, type TicketInput } from './ticket-check.js';

/**
 * The ticket's type choice: five families, and "limit after trigger" turning a stop family into
 * its -limit kind. Five radios whose names do not contain one another read better than eight.
 */
type Family = 'limit' | 'market' | 'stop-loss' | 'take-profit' | 'trailing-stop';
const FAMILIES: readonly { value: Family; label: string }[] = [
  { value: 'limit', label: 'Limit' },
  { value: 'market', label: 'Market' },
  { value: 'stop-loss', label: 'Stop loss' },
  { value: 'take-profit', label: 'Take profit' },
  { value: 'trailing-stop', label: 'Trailing stop' },
];

function typeOf(family: Family, withLimit: boolean): OrderType {
  return family === 'limit' || family === 'market' || !withLimit ? family : `${family}-limit`;
}

/** Offered: the venue offers the type itself, or its -limit kind. */
function offeredFamilies(types: readonly OrderType[]): Family[] {
  return FAMILIES.map((f) => f.value).filter((f) => types.includes(f) || (f !== 'limit' && f !== 'market' && types.includes(`${f}-limit`)));
}

/** Kraken's post-only flag; T-Invest has none. */
const POST_ONLY_VENUES = new Set(['kraken']);

/** A datetime-local value for a moment one day from now, local time, to start a GTD expiry from. */
function tomorrowLocal(now = Date.now()): string {
  const d = new Date(now + 86_400_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "BTC" of "BTC/USD": Kraken quantities are in the base asset. */
function unitName(instrument: Instrument): string {
  return instrument.qtyUnit === 'lot' ? 'lots' : (instrument.symbol.split('/')[0] ?? 'units');
}

function Suggestions({ check, field, onPick }: { check: FieldCheck; field: string; onPick(v: string): void }) {
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
 * The order ticket for the active chart's instrument: account, side, every order type the
 * venue offers (with trigger price or trailing offset for stops), quantity in the venue's
 * order unit, limit price on the tick, time in force, the exact notional, then a confirmation
 * the trader may switch off (one-click, marked on the ticket while on). A ladder click loads
 * a limit order at its level.
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
  const preset = useAppState((s) => s.ticketPreset);
  const quoteKey = instrument ? instrumentMarketKey(instrument.venue, instrument.id) : '';
  useMarketFeed(instrument ? { venue: instrument.venue, instrumentId: instrument.id, stream: 'quote' } : undefined);
  // The trading status says which orders the venue takes now: read twice a second.
  const status = useSampledAppState(`q|${quoteKey}`, (s) => s.quotes[quoteKey]?.status, 500);
  const [family, setFamily] = useState<Family>('limit');
  const [withLimit, setWithLimit] = useState(false);
  const [quantity, setQuantity] = useState('');
  const [price, setPrice] = useState('');
  const [triggerPrice, setTriggerPrice] = useState('');
  const [trailingOffset, setTrailingOffset] = useState('');
  const [trailingUnit, setTrailingUnit] = useState<'price' | 'percent'>('percent');
  const [timeInForce, setTimeInForce] = useState<TimeInForce | ''>('');
  const [expireAt, setExpireAt] = useState('');
  const [postOnly, setPostOnly] = useState(false);
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
    setTriggerPrice('');
    setTrailingOffset('');
    setBlockedBy(undefined);
    submission.reset();
    if (instrument) void store.getState().refreshInstrument(instrument);
    // Keyed on the instrument's identity only: a refreshed copy of it must not clear the ticket.
  }, [instrumentKey]);
  // Orders placed from the chart take the ticket's size and account.
  useEffect(() => store.getState().setTicketSize(quantity, account?.id), [store, quantity, account?.id]);

  const offeredTypes = venue?.orderTypes ?? ['limit', 'market'];
  const families = offeredFamilies(offeredTypes);
  const shownFamily = families.includes(family) ? family : 'limit';
  const stopFamily = shownFamily !== 'limit' && shownFamily !== 'market';
  // Only the -limit kind offered: the box is on and fixed; only the plain kind: no box.
  const limitChoice = stopFamily && offeredTypes.includes(`${shownFamily}-limit` as OrderType) && offeredTypes.includes(shownFamily);
  const effectiveWithLimit = stopFamily && (limitChoice ? withLimit : !offeredTypes.includes(shownFamily));
  const type = typeOf(shownFamily, effectiveWithLimit);
  const tifChoices = venue?.timeInForce ?? [];
  // A choice the venue (now another one) does not offer falls back to its default.
  const tif = timeInForce !== '' && tifChoices.includes(timeInForce) ? timeInForce : '';
  const offersPostOnly = instrument !== undefined && POST_ONLY_VENUES.has(instrument.venue);
  const input: TicketInput = {
    type,
    quantity,
    price,
    triggerPrice,
    trailingOffset,
    trailingUnit,
    ...(tif ? { timeInForce: tif } : {}),
    expireAt,
    postOnly: offersPostOnly && type === 'limit' && postOnly,
  };
  const context = { ...(lastClose ? { lastPrice: lastClose } : {}), ...(status ? { status } : {}) };
  const check = instrument ? checkTicket(input, instrument, context) : undefined;

  const edit = <T,>(setter: (v: T) => void) => (v: T) => {
    setter(v);
    setBlockedBy(undefined);
    submission.reset();
  };

  /** `over`: a ladder click's limit price, sent before the fields show it. */
  const submit = (withSide: Side, over?: Partial<TicketInput>) => {
    if (!instrument) return;
    setSide(withSide);
    const sent = { ...input, ...over };
    const c = over ? checkTicket(sent, instrument, context) : check;
    if (!c) return;
    const offered = offeredTypes.includes(sent.type) ? undefined : `${VENUE_NAMES[instrument.venue]} does not take ${sent.type} orders`;
    const blocker = account ? (offered ?? c.blocker) : `No ${VENUE_NAMES[instrument.venue]} account to trade`;
    if (blocker !== undefined || !c.quantity.value || !account) {
      setBlockedBy(blocker);
      (c.quantity.value ? priceRef : quantityRef).current?.focus();
      return;
    }
    setBlockedBy(undefined);
    const draft = {
      venue: instrument.venue,
      accountId: account.id,
      instrumentId: instrument.id,
      side: withSide,
      type: sent.type,
      quantity: c.quantity.value,
      ...requestTerms(sent, c),
    };
    submission.submit(draft, !oneClick);
  };

  // A ladder click: a limit order at that level's price; sent at once when one-click trading is on.
  const seenPreset = useRef(preset?.n ?? 0);
  useEffect(() => {
    if (!preset || preset.n === seenPreset.current) return;
    seenPreset.current = preset.n;
    setFamily('limit');
    setSide(preset.side);
    setPrice(preset.price);
    setBlockedBy(undefined);
    submission.reset();
    if (preset.send && oneClick) submit(preset.side, { type: 'limit', price: preset.price, postOnly: false });
  });

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
      <p className="ticket-instrument" aria-label="Instrument facts">
        {kindText(instrument)} · {lotAndStepText(instrument)}
        {pricingText(instrument) && <span className="ticket-pricing"> · {pricingText(instrument)}</span>}
      </p>
      {status && !status.tradable && (
        <p className="field-problem" role="status">
          Not trading now: {status.venueStatus}
        </p>
      )}

      <SegmentedRadio<Family>
        label="Order type"
        className="order-type"
        choices={FAMILIES.filter((f) => families.includes(f.value))}
        value={shownFamily}
        onChange={edit<Family>(setFamily)}
      />
      {limitChoice && (
        <label className="check">
          <input type="checkbox" checked={withLimit} onChange={(e) => edit(setWithLimit)(e.target.checked)} />
          Limit order after the trigger
        </label>
      )}

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

      {stopFamily && shownFamily !== 'trailing-stop' && (
        <>
          <label className="field">
            <span>Trigger price ({currency})</span>
            <input
              type="text"
              inputMode="decimal"
              aria-label="Trigger price"
              aria-invalid={check.triggerPrice.problem ? true : undefined}
              aria-describedby={`${ids}-trigger`}
              autoComplete="off"
              value={triggerPrice}
              onChange={(e) => edit(setTriggerPrice)(e.target.value)}
            />
          </label>
          <p id={`${ids}-trigger`} className={check.triggerPrice.problem ? 'field-problem' : 'field-hint'}>
            {check.triggerPrice.problem ??
              (shownFamily === 'stop-loss' ? 'Fires when the price moves against you to here' : 'Fires when the price moves in your favour to here')}
          </p>
          <Suggestions check={check.triggerPrice} field="trigger" onPick={edit(setTriggerPrice)} />
        </>
      )}
      {shownFamily === 'trailing-stop' && (
        <>
          <label className="field">
            <span>Trailing offset</span>
            <input
              type="text"
              inputMode="decimal"
              aria-label="Trailing offset"
              aria-invalid={check.trailingOffset.problem ? true : undefined}
              aria-describedby={`${ids}-trail`}
              autoComplete="off"
              value={trailingOffset}
              onChange={(e) => edit(setTrailingOffset)(e.target.value)}
            />
          </label>
          <SegmentedRadio<'price' | 'percent'>
            label="Offset unit"
            choices={[
              { value: 'percent', label: '%' },
              { value: 'price', label: currency },
            ]}
            value={trailingUnit}
            onChange={edit<'price' | 'percent'>(setTrailingUnit)}
          />
          <p id={`${ids}-trail`} className={check.trailingOffset.problem ? 'field-problem' : 'field-hint'}>
            {check.trailingOffset.problem ?? 'Follows the best price by this distance'}
          </p>
          <Suggestions check={check.trailingOffset} field="offset" onPick={edit(setTrailingOffset)} />
        </>
      )}

      {(type === 'limit' || effectiveWithLimit) && (
        <>
          <label className="field">
            {/* A trailing stop's limit moves with its trigger: the field is the distance from it (Kraken §9). */}
            <span>{type === 'trailing-stop-limit' ? `Limit offset from trigger (${currency})` : `Limit price (${currency})`}</span>
            <input
              ref={priceRef}
              type="text"
              inputMode="decimal"
              aria-label={type === 'trailing-stop-limit' ? 'Limit offset' : 'Limit price'}
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

      {tifChoices.length > 0 && (
        <label className="field">
          <span>Time in force</span>
          <select aria-label="Time in force" value={tif} onChange={(e) => {
              const v = e.target.value as TimeInForce | '';
              edit(setTimeInForce)(v);
              if (v === 'gtd' && !expireAt) setExpireAt(tomorrowLocal());
            }}
          >
            <option value="">Venue default</option>
            {tifChoices.map((t) => (
              <option key={t} value={t}>
                {TIME_IN_FORCE_NAMES[t]}
              </option>
            ))}
          </select>
        </label>
      )}
      {tif === 'gtd' && (
        <>
          <label className="field">
            <span>Expires (local time)</span>
            <input
              type="datetime-local"
              aria-label="Expires"
              aria-invalid={check.expireAt.problem ? true : undefined}
              value={expireAt}
              onChange={(e) => edit(setExpireAt)(e.target.value)}
            />
          </label>
          {check.expireAt.problem && <p className="field-problem">{check.expireAt.problem}</p>}
        </>
      )}
      {offersPostOnly && type === 'limit' && (
        <label className="check">
          <input type="checkbox" checked={postOnly} onChange={(e) => edit(setPostOnly)(e.target.checked)} />
          Post-only (rest as maker, or be rejected)
        </label>
      )}

      <p className="notional" role="status" aria-label="Notional">
        Notional:{' '}
        {check.notional ? `${check.notional.estimated ? '≈ ' : ''}${grouped(check.notional.value)} ${currency}` : '—'}
        {check.notional?.estimated && <span className="muted">{type === 'market' ? ' at the last price' : ' at the trigger'}</span>}
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
