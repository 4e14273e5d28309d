/** What the chrome shows: which dock tab, open dialogs, the one-click switch, and ticket commands from the keyboard. */
import type { Dec, Side } from '../../common/domain.js';
import type { SliceCreator } from './app-state.js';

export const DOCK_TABS = ['open-orders', 'history', 'fills', 'positions', 'ledger', 'connections', 'diagnostics', 'inspector'] as const;
export type DockTab = (typeof DOCK_TABS)[number];

export type TicketCommand = 'focus' | 'buy' | 'sell';

/** A limit order for the ticket from a click elsewhere (a ladder level); `send` when one-click trading is on. */
export interface TicketPreset {
  side: Side;
  price: Dec;
  send: boolean;
  /** Tells two equal presets apart. */
  n: number;
}

export interface UiSlice {
  dockTab: DockTab;
  /** Orders go out without the confirmation step; shown on the ticket while on. Never persisted. */
  oneClick: boolean;
  panicOpen: boolean;
  helpOpen: boolean;
  /** The last command for the ticket; `n` tells two equal commands apart. */
  ticketCommand?: { kind: TicketCommand; n: number };
  /** The ticket's quantity as typed and its account: orders placed from the chart use them. */
  ticketQuantity: string;
  ticketAccountId?: string;
  ticketPreset?: TicketPreset;
  showDockTab(tab: DockTab): void;
  setOneClick(on: boolean): void;
  setPanicOpen(open: boolean): void;
  setHelpOpen(open: boolean): void;
  commandTicket(kind: TicketCommand): void;
  setTicketSize(quantity: string, accountId: string | undefined): void;
  presetTicket(preset: Omit<TicketPreset, 'n'>): void;
}

export const createUiSlice: SliceCreator<UiSlice> = () => (set, get) => ({
  dockTab: 'open-orders',
  oneClick: false,
  panicOpen: false,
  helpOpen: false,
  ticketCommand: undefined,
  ticketQuantity: '',
  ticketPreset: undefined,
  showDockTab: (dockTab) => set({ dockTab }),
  setOneClick: (oneClick) => set({ oneClick }),
  setPanicOpen: (panicOpen) => set({ panicOpen }),
  setHelpOpen: (helpOpen) => set({ helpOpen }),
  commandTicket: (kind) => set({ ticketCommand: { kind, n: (get().ticketCommand?.n ?? 0) + 1 } }),
  setTicketSize: (ticketQuantity, ticketAccountId) => set({ ticketQuantity, ticketAccountId }),
  presetTicket: (preset) => set({ ticketPreset: { ...preset, n: (get().ticketPreset?.n ?? 0) + 1 } }),
});
