/** Instrument search results for the selected venue. */
import type { Instrument } from '../../electron/domain.js';
import type { SliceCreator } from './app-state.js';

export interface InstrumentSearch {
  query: string;
  results: Instrument[];
  status: 'idle' | 'loading' | 'error';
  error?: string;
}

export interface InstrumentsSlice {
  instrumentSearch: InstrumentSearch;
  /** Resolves with the results, or undefined when the search failed or a newer one overtook it. */
  searchInstruments(query: string): Promise<Instrument[] | undefined>;
}

export const createInstrumentsSlice: SliceCreator<InstrumentsSlice> = (bridge) => {
  let latest = 0;
  return (set, get) => ({
    instrumentSearch: { query: '', results: [], status: 'idle' },
    async searchInstruments(query) {
      const venue = get().layout.venue;
      if (!venue) return undefined;
      const ticket = ++latest;
      set((s) => ({ instrumentSearch: { ...s.instrumentSearch, query, status: 'loading', error: undefined } }));
      const result = await bridge.invoke('instruments.search', { venue, query: query.trim().slice(0, 64), limit: 50 });
      // Answers can overtake each other; only the newest search may write.
      if (ticket !== latest || get().layout.venue !== venue) return undefined;
      if (!result.ok) {
        set({ instrumentSearch: { query, results: [], status: 'error', error: result.message } });
        return undefined;
      }
      set({ instrumentSearch: { query, results: result.value, status: 'idle' } });
      return result.value;
    },
  });
};
