import { useEffect } from 'react';
import { AppNotices } from './components/AppNotices.js';
import { AlertFeed } from './components/alerts/AlertFeed.js';
import { AlertsButton } from './components/alerts/AlertsPanel.js';
import { ChartGrid } from './components/ChartPanel.js';
import { Dock } from './components/Dock.js';
import { InstrumentPicker } from './components/InstrumentPicker.js';
import { DepthLadder } from './components/ladder/DepthLadder.js';
import { LayoutPicker } from './components/LayoutPicker.js';
import { Notice } from './components/Notice.js';
import { PanicButton, PanicDialog } from './components/PanicDialog.js';
import { SettingsButton } from './components/Settings.js';
import { ShortcutButton, ShortcutHelp } from './components/ShortcutHelp.js';
import { StatusBar } from './components/StatusBar.js';
import { OrderTicket } from './components/ticket/OrderTicket.js';
import { TimeframePicker } from './components/TimeframePicker.js';
import { Toasts } from './components/Toasts.js';
import { TradeTape } from './components/TradeTape.js';
import { VenuePicker } from './components/VenuePicker.js';
import { Watchlist } from './components/Watchlist.js';
import { matchShortcut } from './keyboard.js';
import { useServices } from './services.js';

/** Whether keys typed at this element are text (inputs that take characters, textareas, editable content). */
function isTextField(el: Element | null): boolean {
  if (!el) return false;
  if (el instanceof HTMLTextAreaElement) return true;
  if (el instanceof HTMLInputElement) return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color'].includes(el.type);
  return el instanceof HTMLElement && el.isContentEditable;
}

/** The global keys (see keyboard.ts); a modal dialog open keeps them to itself. */
function useShortcuts(): void {
  const { store } = useServices();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (document.querySelector('dialog[open]')) return;
      const id = matchShortcut({
        code: e.code,
        key: e.key,
        altKey: e.altKey,
        ctrlKey: e.ctrlKey,
        shiftKey: e.shiftKey,
        metaKey: e.metaKey,
        inTextField: isTextField(document.activeElement),
      });
      if (!id) return;
      e.preventDefault();
      const s = store.getState();
      if (id === 'focus-ticket') s.commandTicket('focus');
      else if (id === 'buy' || id === 'sell') s.commandTicket(id);
      else if (id === 'panic') s.setPanicOpen(true);
      else if (id === 'help') s.setHelpOpen(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
}

/** The workspace: toolbar on top, watchlist | charts | depth and trades | ticket, the dock below, connection states at the bottom. */
export function App({ transport }: { transport: 'ipc' | 'websocket' }) {
  useShortcuts();
  return (
    <div className="app">
      <header className="top-bar">
        <h1 className="brand">Switchboard</h1>
        <nav className="controls" aria-label="Chart controls">
          <VenuePicker />
          <InstrumentPicker />
          <TimeframePicker />
          <LayoutPicker />
        </nav>
        <div className="top-actions">
          <AlertsButton transport={transport} />
          <SettingsButton />
          <ShortcutButton />
          <PanicButton />
        </div>
      </header>
      <AppNotices />
      <Notice />
      <main className="workspace">
        <Watchlist />
        <ChartGrid />
        <aside className="market-panels" aria-label="Market depth and trades">
          <DepthLadder />
          <TradeTape />
        </aside>
        <OrderTicket />
      </main>
      <Dock />
      <StatusBar transport={transport} />
      <Toasts />
      <AlertFeed transport={transport} />
      <PanicDialog />
      <ShortcutHelp />
    </div>
  );
}
