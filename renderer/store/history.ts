/**
 * The persisted history as the core keeps it: every order the journal holds, the executed
 * trades, and P&L per position. Asked for when the History panel opens and again after
 * order updates (the panel debounces); one load at a time, a request during one runs once
 * after it, so the last answer is always the newest.
 */
import type { Order, PositionPnl, TradeRecord } from '../../common/domain.js';
import type { MethodResults, Result } from '../../electron/contract.js';
import type { SliceCreator } from './app-state.js';

export type HistoryExport = MethodResults['history.exportCsv'];

export interface HistoryData {
  /** Newest first. */
  orders: Order[];
  /** Newest first. */
  trades: TradeRecord[];
  pnl: PositionPnl[];
  /** When this was fetched (local clock). */
  at: number;
}

export interface HistoryState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  /** The last good answer; kept while a refresh runs or after one failed. */
  data?: HistoryData;
  error?: string;
}

export interface HistorySlice {
  history: HistoryState;
  loadHistory(): Promise<void>;
  /** The CSV text of the core's orders or trades, for the caller to save. */
  exportHistory(what: 'orders' | 'trades'): Promise<Result<HistoryExport>>;
}

/** Trades asked for at most; the contract allows up to 10,000. */
export const HISTORY_TRADES_LIMIT = 1000;

function failureText(r: { ok: false; code: string; message: string; venue?: { code: string } }): string {
  return `${r.venue?.code ?? r.code}: ${r.message}`;
}

export const createHistorySlice: SliceCreator<HistorySlice> = (bridge) => (set, get) => {
  let running: Promise<void> | undefined;
  let again = false;

  const fetchOnce = async (): Promise<void> => {
    set((s) => ({ history: { ...s.history, status: 'loading' } }));
    const [orders, trades, pnl] = await Promise.all([
      bridge.invoke('orders.list', {}),
      bridge.invoke('trades.list', { limit: HISTORY_TRADES_LIMIT }),
      bridge.invoke('positions.pnl', {}),
    ]);
    if (orders.ok && trades.ok && pnl.ok) {
      set({ history: { status: 'ready', data: { orders: orders.value, trades: trades.value, pnl: pnl.value, at: Date.now() } } });
      return;
    }
    const failed = [orders, trades, pnl].flatMap((r) => (r.ok ? [] : [failureText(r)]));
    set((s) => ({ history: { ...s.history, status: 'error', error: failed.join('; ') } }));
  };

  return {
    history: { status: 'idle' },
    loadHistory() {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          do {
            again = false;
            await fetchOnce();
          } while (again);
        } finally {
          running = undefined;
        }
      })();
      return running;
    },
    async exportHistory(what) {
      const result = await bridge.invoke('history.exportCsv', { what });
      if (!result.ok) get().notify({ tone: 'error', title: `Could not export ${what}`, detail: failureText(result) });
      return result;
    },
  };
};
