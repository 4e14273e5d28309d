import { useEffect, useId, useRef } from 'react';

export interface ConfirmOrderProps {
  summary: string;
  where: string;
  notional?: string | undefined;
  onConfirm(): void;
  onBack(): void;
}

/**
 * The confirmation step: a modal dialog with the order in words. Enter sends (the send
 * button has focus), Escape goes back. Switched off by one-click trading.
 */
export function ConfirmOrderDialog({ summary, where, notional, onConfirm, onBack }: ConfirmOrderProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const send = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    // showModal focuses the first button (Back); Enter is meant to send.
    send.current?.focus();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onBack();
      }}
    >
      <h2 id={titleId}>Confirm order</h2>
      <p className="confirm-summary">{summary}</p>
      <p className="muted">{where}</p>
      {notional && <p>Notional: {notional}</p>}
      <div className="dialog-actions">
        <button type="button" onClick={onBack}>
          Back
        </button>
        <button ref={send} type="button" className="primary" onClick={onConfirm}>
          Send order
        </button>
      </div>
    </dialog>
  );
}
