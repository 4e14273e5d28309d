import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BridgeApi } from '../../electron/contract.js';
import type { AppState } from './app-state.js';
import { createCandlesSlice } from './candles.js';
import { createCredentialsSlice } from './credentials.js';
import { createHistorySlice } from './history.js';
import { createInstrumentsSlice } from './instruments.js';
import { createLayoutSlice, type Workspace } from './layout.js';
import { createMarketSlice } from './market.js';
import { createOrdersSlice } from './orders.js';
import { createPortfolioSlice } from './portfolio.js';
import { createPrefsSlice, type Prefs } from './prefs.js';
import { createSessionSlice } from './session.js';
import { createToastsSlice } from './toasts.js';
import { createUiSlice } from './ui.js';
import { createVenuesSlice } from './venues.js';

export type { AppState } from './app-state.js';
export type AppStore = StoreApi<AppState>;

export interface StoreOptions {
  /** The workspace restored from storage; the default layout otherwise. */
  workspace?: Workspace;
  /** The preferences restored from storage; the defaults otherwise. */
  prefs?: Prefs;
}

/** One vanilla store: React reads it with selectors, the chart and the drain use it directly. */
export function createAppStore(bridge: BridgeApi, options: StoreOptions = {}): AppStore {
  return createStore<AppState>()((...a) => ({
    ...createVenuesSlice(bridge)(...a),
    ...createLayoutSlice(options.workspace)(bridge)(...a),
    ...createInstrumentsSlice(bridge)(...a),
    ...createCandlesSlice(bridge)(...a),
    ...createMarketSlice(bridge)(...a),
    ...createSessionSlice(bridge)(...a),
    ...createOrdersSlice(bridge)(...a),
    ...createHistorySlice(bridge)(...a),
    ...createPortfolioSlice(bridge)(...a),
    ...createCredentialsSlice(bridge)(...a),
    ...createToastsSlice(bridge)(...a),
    ...createUiSlice(bridge)(...a),
    ...createPrefsSlice(options.prefs)(bridge)(...a),
  }));
}
