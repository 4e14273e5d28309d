import { useEffect, useId, useRef, useState } from 'react';
import type { BridgeFailure, CancelAllResult } from '../../electron/contract.js';
import { cancelAllHeadline, cancelAllLines } from '../cancel-report.js';
import { shortcut } from '../keyboard.js';
import { VENUE_NAMES } from '../order-text.js';
import { useAppState, useServices } from '../services.js';
import { isOpen } from '../store/orders.js';

/** The panic button of the toolbar; Ctrl+Shift+X opens the same confirmation. */
export function PanicButton() {
  const { store } = useServices();
  const keys = shortcut('panic');
  return (
    <button
      type="button"
      className="panic"
      aria-keyshortcuts={keys.aria}
      title={`${keys.does} (${keys.keys})`}
      onClick={() => store.getState().setPanicOpen(true)}
    >
      Cancel all orders
    </button>
  );
}

/**
 * One confirmation, then orders.cancelAll with no venue: every open order on every connected
 * venue. The dialog then stays open with the report — per venue and account what was
 * cancelled and what was not, with why — until the trader closes it.
 */
export function PanicDialog() {
  const { store } = useServices();
  const open = useAppState((s) => s.panicOpen);
  const orders = useAppState((s) => s.orders);
  const ref = useRef<HTMLDialogElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<CancelAllResult | BridgeFailure | undefined>(undefined);
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      // The one confirmation: Enter cancels everything, Escape keeps the orders.
      confirmRef.current?.focus();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);

  const byVenue = new Map<string, number>();
  for (const o of Object.values(orders)) if (isOpen(o)) byVenue.set(VENUE_NAMES[o.venue], (byVenue.get(VENUE_NAMES[o.venue]) ?? 0) + 1);
  const counts = [...byVenue].map(([v, n]) => `${n} on ${v}`).join(', ');

  const close = () => {
    setReport(undefined);
    store.getState().setPanicOpen(false);
  };
  const confirm = () => {
    setBusy(true);
    void store
      .getState()
      .cancelAll()
      .then((r) => setReport(r.ok ? r.value : r))
      .finally(() => setBusy(false));
  };
  useEffect(() => {
    if (report) closeRef.current?.focus();
  }, [report]);

  return (
    <dialog
      ref={ref}
      className="confirm panic-dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        close();
      }}
    >
      {open && report && (
        <>
          <h2 id={titleId}>{'ok' in report ? 'Cancel all failed' : cancelAllHeadline(report)}</h2>
          {'ok' in report ? (
            <p role="alert">{`${report.code}: ${report.message}`}</p>
          ) : (
            <ul className="cancel-report" aria-label="What was cancelled">
              {cancelAllLines(report).map((line, i) => (
                <li key={i} className={line.ok ? 'report-ok' : 'report-failed'} role={line.ok ? undefined : 'alert'}>
                  {line.text}
                </li>
              ))}
              {report.venues.length === 0 && <li>No venue is connected: nothing was sent.</li>}
            </ul>
          )}
          <div className="dialog-actions">
            <button ref={closeRef} type="button" onClick={close}>
              Close
            </button>
          </div>
        </>
      )}
      {open && !report && (
        <>
          <h2 id={titleId}>Cancel every open order?</h2>
          <p>
            Every open order on every connected venue is cancelled
            {counts ? ` (${counts} known here)` : ''}. Orders of other apps on the same accounts are cancelled too.
          </p>
          <div className="dialog-actions">
            <button type="button" onClick={close} disabled={busy}>
              Keep orders
            </button>
            <button ref={confirmRef} type="button" className="danger" onClick={confirm} disabled={busy}>
              {busy ? 'Cancelling…' : 'Cancel all orders on every venue'}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
