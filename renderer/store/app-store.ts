import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BridgeApi } from '../../electron/contract.js';
import type { AppState } from './app-state.js';
import { createCandlesSlice } from './candles.js';
import { createInstrumentsSlice } from './instruments.js';
import { createLayoutSlice } from './layout.js';
import { createSessionSlice } from './session.js';
import { createVenuesSlice } from './venues.js';

export type { AppState } from './app-state.js';
export type AppStore = StoreApi<AppState>;

/** One vanilla store: React reads it with selectors, the chart and the drain use it directly. */
export function createAppStore(bridge: BridgeApi): AppStore {
  return createStore<AppState>()((...a) => ({
    ...createVenuesSlice(bridge)(...a),
    ...createLayoutSlice(bridge)(...a),
    ...createInstrumentsSlice(bridge)(...a),
    ...createCandlesSlice(bridge)(...a),
    ...createSessionSlice(bridge)(...a),
  }));
}
