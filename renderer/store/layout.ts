/** What the chart shows: venue, instrument and interval. */
import type { Instrument, Interval, VenueId } from '../../electron/domain.js';
import type { SliceCreator } from './app-state.js';

export interface ChartLayout {
  venue?: VenueId;
  instrument?: Instrument;
  interval: Interval;
}

export interface LayoutSlice {
  layout: ChartLayout;
  /**
   * Clears the instrument and picks the venue's first one. `auto`: the app chose the venue,
   * not the user, so a venue that lists nothing without a query gives way to the next one.
   */
  selectVenue(venue: VenueId, how?: 'user' | 'auto'): void;
  /**
   * A venue is no use without an instrument: takes the first the venue lists. Called again
   * when the venue goes live, since a venue still connecting may not answer searches yet.
   */
  pickFirstInstrument(): Promise<void>;
  selectInstrument(instrument: Instrument): void;
  selectInterval(interval: Interval): void;
}

export const createLayoutSlice: SliceCreator<LayoutSlice> = () => {
  /** The venue whose first instrument is being looked up, so the lookup is not repeated meanwhile. */
  let picking: VenueId | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  /** Venues the app chose by itself so far; undefined once the user chose one. */
  let autoTried: Set<VenueId> | undefined;
  return (set, get) => ({
    layout: { interval: '1m' },
    selectVenue(venue, how = 'user') {
      if (how === 'auto') (autoTried ??= new Set()).add(venue);
      else autoTried = undefined;
      if (get().layout.venue === venue) return;
      set((s) => ({ layout: { ...s.layout, venue, instrument: undefined } }));
      failures = 0;
      void get().pickFirstInstrument();
    },
    async pickFirstInstrument() {
      clearTimeout(retry);
      retry = undefined;
      const { venue, instrument } = get().layout;
      if (!venue || instrument || picking === venue) return;
      picking = venue;
      let results: Instrument[] | undefined;
      try {
        results = await get().searchInstruments('');
      } finally {
        if (picking === venue) picking = undefined;
      }
      const { layout, instrumentSearch } = get();
      if (layout.venue !== venue || layout.instrument) return;
      if (results) {
        failures = 0;
        const first = results[0];
        if (first) {
          get().selectInstrument(first);
          return;
        }
        // Some venues list nothing for an empty query (T-Invest searches by text only).
        const tried = autoTried;
        const next = tried && (get().venues.find((v) => !tried.has(v.id) && v.state === 'live') ?? get().venues.find((v) => !tried.has(v.id)));
        if (next) get().selectVenue(next.id, 'auto');
      } else if (instrumentSearch.status === 'error') {
        // A venue that is still connecting refuses searches: ask again a little later.
        retry = setTimeout(() => void get().pickFirstInstrument(), Math.min(5000, 500 * 2 ** failures++));
      }
    },
    selectInstrument(instrument) {
      const { layout } = get();
      if (layout.instrument?.venue === instrument.venue && layout.instrument.id === instrument.id) return;
      set({ layout: { ...layout, venue: instrument.venue, instrument } });
    },
    selectInterval(interval) {
      if (get().layout.interval !== interval) set((s) => ({ layout: { ...s.layout, interval } }));
    },
  });
};
