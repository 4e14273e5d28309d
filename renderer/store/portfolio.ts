/** Positions and balances per account, asked for with portfolio.get and again after fills. */
import type { Portfolio, VenueId } from '../../common/domain.js';
import type { SliceCreator } from './app-state.js';

export interface AccountPortfolio {
  portfolio?: Portfolio;
  status: 'loading' | 'ready' | 'error';
  error?: string;
}

export interface PortfolioSlice {
  /** Keyed by accountKey. */
  portfolios: Readonly<Record<string, AccountPortfolio>>;
  loadPortfolio(venue: VenueId, accountId: string): Promise<void>;
  /** Asks again shortly: fills come in bursts, one request covers the burst. */
  refreshPortfolioSoon(venue: VenueId, accountId: string): void;
}

export function accountKey(venue: VenueId, accountId: string): string {
  return `${venue}|${accountId}`;
}

/** Fills of one order arrive in bursts; wait this long after the first before asking. */
export const PORTFOLIO_REFRESH_DELAY_MS = 250;

export const createPortfolioSlice: SliceCreator<PortfolioSlice> = (bridge) => (set, get) => {
  const due = new Map<string, ReturnType<typeof setTimeout>>();
  /** The newest request per account wins; an older answer arriving late is dropped. */
  const generation = new Map<string, number>();
  const put = (key: string, value: AccountPortfolio) => set((s) => ({ portfolios: { ...s.portfolios, [key]: value } }));
  return {
    portfolios: {},
    async loadPortfolio(venue, accountId) {
      const key = accountKey(venue, accountId);
      const gen = (generation.get(key) ?? 0) + 1;
      generation.set(key, gen);
      const known = get().portfolios[key];
      put(key, { ...known, status: 'loading' });
      const result = await bridge.invoke('portfolio.get', { venue, accountId });
      if (generation.get(key) !== gen) return;
      if (result.ok) put(key, { portfolio: result.value, status: 'ready' });
      // Keep showing the last good numbers, marked as failed to refresh.
      else put(key, { ...get().portfolios[key], status: 'error', error: `${result.venue?.code ?? result.code}: ${result.message}` });
    },
    refreshPortfolioSoon(venue, accountId) {
      const key = accountKey(venue, accountId);
      if (due.has(key)) return;
      due.set(
        key,
        setTimeout(() => {
          due.delete(key);
          void get().loadPortfolio(venue, accountId);
        }, PORTFOLIO_REFRESH_DELAY_MS),
      );
    },
  };
};
