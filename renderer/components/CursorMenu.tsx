import { useEffect, useMemo, useRef, useState } from 'react';
import type { Instrument } from '../../common/domain.js';
import { orderSummary, quantityText, sideText, symbolOf, VENUE_NAMES } from '../order-text.js';
import { useAppState, useServices } from '../services.js';
import type { PlaceRequest } from '../store/orders.js';
import { snapToStep } from './chart-drag.js';
import { cursorChoices, cursorDraft, type CursorChoice } from './chart-trading.js';
import { priceLabel } from './price-lines.js';
import { ConfirmOrderDialog } from './ticket/ConfirmOrderDialog.js';
import { TicketSubmission, type SubmissionView } from './ticket/submission.js';
import { checkQuantity } from './ticket/ticket-check.js';

/** Where the chart was right-clicked: pixels in the chart's box, and the price there. */
export interface CursorMenuAt {
  x: number;
  y: number;
  price: number;
  /** Open towards the chart's middle, so the menu is not cut off at an edge. */
  up: boolean;
  left: boolean;
}

/** "Sell 1 lot SBER stop at trigger 290.00": a stop in words (the ticket's summary covers limits). */
function requestText(r: PlaceRequest, instrument: Instrument): string {
  if (r.type === 'limit') return orderSummary(r, instrument);
  return `${sideText(r.side)} ${quantityText(r.quantity, instrument)} ${symbolOf(r, instrument)} stop at trigger ${r.triggerPrice ?? ''}`;
}

/**
 * The chart's menu at the cursor's price: a limit on the near side of the last price and a
 * stop on the far side, for the ticket's current size and account, through the same
 * confirmation (or one-click) rule and the same submission as the ticket.
 */
export function CursorMenu({ at, instrument, keyId, onClose }: { at: CursorMenuAt; instrument: Instrument; keyId: string; onClose(): void }) {
  const { store } = useServices();
  const last = useAppState((s) => s.lastCandles[keyId]?.close);
  const offered = useAppState((s) => s.venues.find((v) => v.id === instrument.venue)?.orderTypes);
  const accounts = useAppState((s) => s.venues.find((v) => v.id === instrument.venue)?.accounts);
  const ticketQuantity = useAppState((s) => s.ticketQuantity);
  const ticketAccount = useAppState((s) => s.ticketAccountId);
  const oneClick = useAppState((s) => s.oneClick);
  const [view, setView] = useState<SubmissionView>({ state: 'idle' });
  const submission = useMemo(() => new TicketSubmission((r) => store.getState().placeOrder(r), setView), [store]);
  const first = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLDivElement>(null);

  const price = snapToStep(at.price, instrument.priceStep);
  const choices = cursorChoices(price, last, offered ?? ['limit']);
  const quantity = checkQuantity(ticketQuantity, instrument);
  const accountId = accounts?.find((a) => a.id === ticketAccount)?.id ?? accounts?.[0]?.id;
  const blocked = !quantity.value
    ? `Enter a quantity on the ticket first${quantity.problem ? ` (${quantity.problem})` : ''}`
    : !accountId
      ? `No ${VENUE_NAMES[instrument.venue]} account to trade`
      : undefined;

  useEffect(() => {
    if (view.state === 'idle') first.current?.focus();
  }, [view.state]);

  // A press anywhere else closes the menu, as menus do (not while its order is being confirmed or sent).
  useEffect(() => {
    if (view.state !== 'idle') return;
    const onDown = (e: PointerEvent) => {
      if (!box.current?.contains(e.target as Node)) onClose();
    };
    window.addEventListener('pointerdown', onDown, true);
    return () => window.removeEventListener('pointerdown', onDown, true);
  }, [view.state, onClose]);

  // The outcome of a send: the blotter shows the order; a refusal is said here and the menu goes.
  useEffect(() => {
    if (view.state === 'accepted') onClose();
    if (view.state === 'rejected' || view.state === 'failed') {
      store.getState().notify({ tone: 'error', title: `Not placed: ${requestText(view.request, instrument)}`, detail: view.message });
      onClose();
    }
  }, [view]);

  const pick = (c: CursorChoice) => {
    if (!quantity.value || !accountId) return;
    submission.submit(cursorDraft(c, price, { instrument, accountId, quantity: quantity.value }), !oneClick);
  };

  if (view.state === 'confirming') {
    return (
      <ConfirmOrderDialog
        summary={requestText(view.request, instrument)}
        where={`${VENUE_NAMES[instrument.venue]} · ${view.request.accountId} · placed from the chart`}
        onConfirm={() => submission.confirm()}
        onBack={() => {
          submission.back();
          onClose();
        }}
      />
    );
  }
  return (
    <div
      ref={box}
      className="cursor-menu"
      role="menu"
      aria-label={`Order at ${priceLabel(price)}`}
      style={{ left: `${Math.round(at.x)}px`, top: `${Math.round(at.y)}px`, transform: `translate(${at.left ? '-100%' : '0'}, ${at.up ? '-100%' : '0'})` }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onClose();
        }
      }}
    >
      {choices.map((c, i) => (
        <button
          key={c.label}
          ref={i === 0 ? first : undefined}
          type="button"
          role="menuitem"
          className={`side-${c.side}`}
          disabled={blocked !== undefined || view.state === 'sending'}
          onClick={() => pick(c)}
        >
          {c.label}
          {quantity.value ? ` · ${quantityText(quantity.value, instrument)}` : ''}
        </button>
      ))}
      {blocked && <p className="cursor-menu-note">{blocked}</p>}
      <button type="button" role="menuitem" onClick={onClose}>
        Close
      </button>
    </div>
  );
}
