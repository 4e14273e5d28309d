/**
 * The workspace's keyboard shortcuts: one table for the handler, the help dialog, the
 * `aria-keyshortcuts` of the controls and the README. Keys are matched by physical key
 * (`code`), so they work the same on a Russian or any other layout; Alt and Ctrl+Shift
 * chords never collide with typing in a field.
 */

export type ShortcutId = 'focus-ticket' | 'buy' | 'sell' | 'cancel-focused' | 'chart-order' | 'drag-line' | 'panic' | 'help';

export interface Shortcut {
  id: ShortcutId;
  /** As printed for people. */
  keys: string;
  /** As `aria-keyshortcuts` wants it. */
  aria: string;
  does: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { id: 'focus-ticket', keys: 'F2', aria: 'F2', does: 'Focus the order ticket (its quantity field)' },
  { id: 'buy', keys: 'Alt+B', aria: 'Alt+B', does: 'Send the ticket as a buy (asks to confirm unless one-click is on)' },
  { id: 'sell', keys: 'Alt+S', aria: 'Alt+S', does: 'Send the ticket as a sell (asks to confirm unless one-click is on)' },
  { id: 'cancel-focused', keys: 'Delete', aria: 'Delete', does: 'Cancel the focused order in the open orders list' },
  {
    id: 'chart-order',
    keys: 'Right-click on a chart',
    aria: '',
    does: "Order at the cursor's price with the ticket's size: a limit on the near side of the last price, a stop on the far side",
  },
  {
    id: 'drag-line',
    keys: 'Drag an order line (or ↑/↓ on its handle, Enter)',
    aria: '',
    does: 'Amend its price or trigger, snapped to the tick; Escape while dragging puts it back; × on the line cancels',
  },
  {
    id: 'panic',
    keys: 'Ctrl+Shift+X',
    aria: 'Control+Shift+X',
    does: 'Cancel every open order on every connected venue (asks once)',
  },
  { id: 'help', keys: '?', aria: 'Shift+Slash', does: 'Show these shortcuts' },
];

export function shortcut(id: ShortcutId): Shortcut {
  return SHORTCUTS.find((s) => s.id === id)!;
}

export interface KeyLike {
  code: string;
  key: string;
  altKey: boolean;
  ctrlKey: boolean;
  shiftKey: boolean;
  metaKey: boolean;
  /** True when the key goes to a text field (typing a `?` there is typing). */
  inTextField: boolean;
}

/** The global shortcut a key press is, if any. Delete is handled by the focused order row itself. */
export function matchShortcut(e: KeyLike): ShortcutId | undefined {
  const only = (alt: boolean, ctrl: boolean, shift: boolean) =>
    e.altKey === alt && e.ctrlKey === ctrl && e.shiftKey === shift && !e.metaKey;
  if (e.code === 'F2' && only(false, false, false)) return 'focus-ticket';
  if (e.code === 'KeyB' && only(true, false, false)) return 'buy';
  if (e.code === 'KeyS' && only(true, false, false)) return 'sell';
  if (e.code === 'KeyX' && only(false, true, true)) return 'panic';
  if (e.key === '?' && !e.inTextField && !e.altKey && !e.ctrlKey && !e.metaKey) return 'help';
  return undefined;
}
