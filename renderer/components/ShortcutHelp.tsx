import { useEffect, useId, useRef } from 'react';
import { SHORTCUTS, shortcut } from '../keyboard.js';
import { useAppState, useServices } from '../services.js';

const SUMMARY = SHORTCUTS.map((s) => `${s.keys}: ${s.does}`).join('\n');

/** The toolbar's help button; its tooltip lists the keys too. */
export function ShortcutButton() {
  const { store } = useServices();
  return (
    <button
      type="button"
      aria-keyshortcuts={shortcut('help').aria}
      title={SUMMARY}
      onClick={() => store.getState().setHelpOpen(true)}
    >
      Keyboard shortcuts
    </button>
  );
}

export function ShortcutHelp() {
  const { store } = useServices();
  const open = useAppState((s) => s.helpOpen);
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  const close = () => store.getState().setHelpOpen(false);
  return (
    <dialog
      ref={ref}
      className="help"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        close();
      }}
    >
      <h2 id={titleId}>Keyboard shortcuts</h2>
      <table aria-label="Shortcuts">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.id}>
              <th scope="row">
                <kbd>{s.keys}</kbd>
              </th>
              <td>{s.does}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="dialog-actions">
        <button type="button" onClick={close}>
          Close
        </button>
      </div>
    </dialog>
  );
}
