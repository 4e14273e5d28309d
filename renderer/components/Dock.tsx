import { useId, useRef, type KeyboardEvent } from 'react';
import { useAppState, useServices } from '../services.js';
import { isOpen } from '../store/orders.js';
import { DOCK_TABS, type DockTab } from '../store/ui.js';
import { Fills, OpenOrders, OrderHistory } from './panels/Blotter.js';
import { Connections } from './panels/Connections.js';
import { Diagnostics } from './panels/Diagnostics.js';
import { Inspector } from './inspector/Inspector.js';
import { History } from './panels/History.js';
import { Positions } from './panels/Positions.js';

const TAB_NAMES: Readonly<Record<DockTab, string>> = {
  'open-orders': 'Open orders',
  history: 'Order history',
  fills: 'Fills',
  positions: 'Positions',
  ledger: 'History',
  connections: 'Connections',
  diagnostics: 'Diagnostics',
  inspector: 'Inspector',
};

function Panel({ tab }: { tab: DockTab }) {
  switch (tab) {
    case 'open-orders':
      return <OpenOrders />;
    case 'history':
      return <OrderHistory />;
    case 'fills':
      return <Fills />;
    case 'positions':
      return <Positions />;
    case 'ledger':
      return <History />;
    case 'connections':
      return <Connections />;
    case 'diagnostics':
      return <Diagnostics />;
    case 'inspector':
      return <Inspector />;
  }
}

/** The bottom dock: blotter, positions, the persisted history with P&L, connections and diagnostics as tabs (ARIA tabs pattern). */
export function Dock() {
  const { store } = useServices();
  const current = useAppState((s) => s.dockTab);
  const openCount = useAppState((s) => Object.values(s.orders).filter(isOpen).length);
  const ids = useId();
  const tabs = useRef(new Map<DockTab, HTMLButtonElement>());

  const choose = (tab: DockTab) => {
    store.getState().showDockTab(tab);
    tabs.current.get(tab)?.focus();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = DOCK_TABS.indexOf(current);
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    let next: DockTab | undefined;
    if (step !== undefined) next = DOCK_TABS[(i + step + DOCK_TABS.length) % DOCK_TABS.length];
    else if (e.key === 'Home') next = DOCK_TABS[0];
    else if (e.key === 'End') next = DOCK_TABS[DOCK_TABS.length - 1];
    if (!next) return;
    e.preventDefault();
    choose(next);
  };

  return (
    <section className="dock" aria-label="Trading panels">
      <div className="dock-tabs" role="tablist" aria-label="Panels" onKeyDown={onKeyDown}>
        {DOCK_TABS.map((tab) => (
          <button
            key={tab}
            ref={(el) => {
              if (el) tabs.current.set(tab, el);
              else tabs.current.delete(tab);
            }}
            id={`${ids}-${tab}-tab`}
            type="button"
            role="tab"
            aria-selected={tab === current}
            aria-controls={`${ids}-${tab}-panel`}
            tabIndex={tab === current ? 0 : -1}
            onClick={() => choose(tab)}
          >
            {TAB_NAMES[tab]}
            {tab === 'open-orders' && openCount > 0 ? <span className="badge">{openCount}</span> : null}
          </button>
        ))}
      </div>
      <div className="dock-panel" role="tabpanel" id={`${ids}-${current}-panel`} aria-labelledby={`${ids}-${current}-tab`}>
        <Panel tab={current} />
      </div>
    </section>
  );
}
