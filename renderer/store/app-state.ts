/** The whole renderer state: the union of the slices, each in its own file. */
import type { StateCreator } from 'zustand/vanilla';
import type { BridgeApi } from '../../electron/contract.js';
import type { CandlesSlice } from './candles.js';
import type { CredentialsSlice } from './credentials.js';
import type { HistorySlice } from './history.js';
import type { InstrumentsSlice } from './instruments.js';
import type { LayoutSlice } from './layout.js';
import type { MarketSlice } from './market.js';
import type { OrdersSlice } from './orders.js';
import type { PortfolioSlice } from './portfolio.js';
import type { PrefsSlice } from './prefs.js';
import type { SessionSlice } from './session.js';
import type { ToastsSlice } from './toasts.js';
import type { UiSlice } from './ui.js';
import type { VenuesSlice } from './venues.js';

export type AppState = VenuesSlice &
  LayoutSlice &
  InstrumentsSlice &
  CandlesSlice &
  MarketSlice &
  SessionSlice &
  OrdersSlice &
  HistorySlice &
  PortfolioSlice &
  CredentialsSlice &
  ToastsSlice &
  UiSlice &
  PrefsSlice;

/** A slice gets the bridge for its commands and sees the whole state. */
export type SliceCreator<S> = (bridge: BridgeApi) => StateCreator<AppState, [], [], S>;
