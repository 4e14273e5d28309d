/**
 * The workspace: 1, 2 or 4 charts, each with its own venue, instrument and interval; which
 * one the toolbar and the ticket act on; and the watchlist. Restored from storage at start
 * (see persist.ts); empty charts are filled with a venue's usual first instrument.
 */
import type { Instrument, Interval, VenueId } from '../../common/domain.js';
import type { AppState, SliceCreator } from './app-state.js';
import { instrumentKey } from './instruments.js';
import { venueState } from './venues.js';

export interface ChartSlot {
  venue?: VenueId;
  instrument?: Instrument;
  interval: Interval;
}

export const LAYOUT_SIZES = [1, 2, 4] as const;
export type LayoutSize = (typeof LAYOUT_SIZES)[number];
/** Slots kept even when fewer are shown, so going back from 1 to 4 charts restores them. */
export const CHART_SLOTS = 4;

export interface Workspace {
  size: LayoutSize;
  active: number;
  charts: ChartSlot[];
  watchlist: Instrument[];
}

/**
 * What an empty chart shows first, per venue, by how many charts of that venue come before
 * it. T-Invest lists nothing for an empty query, so it needs a name to look for; the rest of
 * a venue's list is a search away.
 */
export const STARTER_SYMBOLS: Readonly<Record<VenueId, readonly string[]>> = {
  tinvest: ['SBER', 'GAZP', 'LKOH', 'YDEX'],
  kraken: ['BTC/USD', 'ETH/USD', 'SOL/USD', 'DOGE/USD'],
};

export function defaultWorkspace(): Workspace {
  return {
    size: 2,
    active: 0,
    charts: Array.from({ length: CHART_SLOTS }, () => ({ interval: '1m' })),
    watchlist: [],
  };
}

export interface LayoutSlice {
  workspace: Workspace;
  /** Puts a venue on a chart (the active one by default) and its first instrument with it. */
  selectVenue(venue: VenueId, chart?: number): void;
  /** Gives every shown chart without an instrument one, from a live venue; safe to call often. */
  fillCharts(): Promise<void>;
  selectInstrument(instrument: Instrument, chart?: number): void;
  selectInterval(interval: Interval, chart?: number): void;
  setLayoutSize(size: LayoutSize): void;
  activateChart(chart: number): void;
  addToWatchlist(instrument: Instrument): void;
  removeFromWatchlist(instrument: Instrument): void;
  /** A fresher copy of an instrument (steps may have changed) replaces every copy held. */
  replaceInstrument(instrument: Instrument): void;
}

export function activeSlot(s: Pick<AppState, 'workspace'>): ChartSlot {
  return s.workspace.charts[s.workspace.active] ?? { interval: '1m' };
}

export function shownSlots(w: Workspace): ChartSlot[] {
  return w.charts.slice(0, w.size);
}

function sameInstrument(a: Instrument | undefined, b: Instrument): boolean {
  return a !== undefined && a.venue === b.venue && a.id === b.id;
}

export function createLayoutSlice(initial: Workspace = defaultWorkspace()): SliceCreator<LayoutSlice> {
  return () => (set, get) => {
    /** Charts being filled now, so an overlapping call does not search twice. */
    const filling = new Set<number>();
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;

    const setSlot = (chart: number, patch: (slot: ChartSlot) => ChartSlot) =>
      set((s) => ({
        workspace: { ...s.workspace, charts: s.workspace.charts.map((c, i) => (i === chart ? patch(c) : c)) },
      }));

    /** The instrument an empty chart starts with: a starter symbol of its venue, else its first listed. */
    const starter = async (chart: number, venue: VenueId): Promise<Instrument | undefined | 'failed'> => {
      const charts = get().workspace.charts;
      const before = charts.slice(0, chart).filter((c) => c.venue === venue).length;
      const symbol = STARTER_SYMBOLS[venue][before % STARTER_SYMBOLS[venue].length] ?? '';
      const taken = new Set(charts.flatMap((c) => (c.instrument ? [instrumentKey(c.instrument)] : [])));
      for (const query of symbol ? [symbol, ''] : ['']) {
        const result = await get().searchVenue(venue, query);
        if (!result.ok) return 'failed';
        const list = result.value;
        const pick = list.find((i) => i.symbol === query) ?? list.find((i) => !taken.has(instrumentKey(i))) ?? list[0];
        if (pick) return pick;
      }
      return undefined;
    };

    const fillOne = async (chart: number): Promise<boolean> => {
      const { workspace, venues } = get();
      const slot = workspace.charts[chart];
      if (!slot || slot.instrument || filling.has(chart)) return true;
      let venue = slot.venue;
      if (venue && !venues.some((v) => v.id === venue)) venue = undefined; // gone since the layout was saved
      if (!venue) {
        // Spread the charts over the venues: T-Invest and Kraken side by side.
        const pick = venues[chart % Math.max(1, venues.length)];
        if (!pick) return true;
        venue = pick.id;
        setSlot(chart, (c) => ({ ...c, venue }));
      }
      const summary = venues.find((v) => v.id === venue);
      if (!summary || venueState(summary) !== 'live') return true; // asked again when it is live
      filling.add(chart);
      let picked: Instrument | undefined | 'failed';
      try {
        picked = await starter(chart, venue);
      } finally {
        filling.delete(chart);
      }
      const now = get().workspace.charts[chart];
      if (!now || now.venue !== venue || now.instrument) return true;
      if (picked === 'failed') return false;
      if (picked) {
        get().selectInstrument(picked, chart);
        get().addToWatchlist(picked);
      }
      return true;
    };

    return {
      workspace: initial,
      selectVenue(venue, chart = get().workspace.active) {
        const slot = get().workspace.charts[chart];
        if (!slot || (slot.venue === venue && slot.instrument)) return;
        setSlot(chart, (c) => ({ ...c, venue, instrument: undefined }));
        failures = 0;
        void get().fillCharts();
      },
      async fillCharts() {
        clearTimeout(retry);
        retry = undefined;
        const { size } = get().workspace;
        const done = await Promise.all(Array.from({ length: size }, (_, i) => fillOne(i)));
        if (done.every(Boolean)) {
          failures = 0;
          return;
        }
        // A venue still coming up refuses searches: ask again a little later.
        retry = setTimeout(() => void get().fillCharts(), Math.min(5000, 500 * 2 ** failures++));
      },
      selectInstrument(instrument, chart = get().workspace.active) {
        get().rememberInstruments([instrument]);
        const slot = get().workspace.charts[chart];
        if (!slot || sameInstrument(slot.instrument, instrument)) return;
        setSlot(chart, (c) => ({ ...c, venue: instrument.venue, instrument }));
      },
      selectInterval(interval, chart = get().workspace.active) {
        if (get().workspace.charts[chart]?.interval !== interval) setSlot(chart, (c) => ({ ...c, interval }));
      },
      setLayoutSize(size) {
        if (get().workspace.size === size) return;
        set((s) => ({ workspace: { ...s.workspace, size, active: s.workspace.active < size ? s.workspace.active : 0 } }));
        void get().fillCharts();
      },
      activateChart(chart) {
        if (chart >= 0 && chart < get().workspace.size && chart !== get().workspace.active) {
          set((s) => ({ workspace: { ...s.workspace, active: chart } }));
        }
      },
      addToWatchlist(instrument) {
        get().rememberInstruments([instrument]);
        if (get().workspace.watchlist.some((i) => sameInstrument(i, instrument))) return;
        set((s) => ({ workspace: { ...s.workspace, watchlist: [...s.workspace.watchlist, instrument] } }));
      },
      removeFromWatchlist(instrument) {
        set((s) => ({
          workspace: { ...s.workspace, watchlist: s.workspace.watchlist.filter((i) => !sameInstrument(i, instrument)) },
        }));
      },
      replaceInstrument(instrument) {
        get().rememberInstruments([instrument]);
        const w = get().workspace;
        const held = w.charts.some((c) => sameInstrument(c.instrument, instrument)) || w.watchlist.some((i) => sameInstrument(i, instrument));
        if (!held) return;
        set({
          workspace: {
            ...w,
            charts: w.charts.map((c) => (sameInstrument(c.instrument, instrument) ? { ...c, instrument } : c)),
            watchlist: w.watchlist.map((i) => (sameInstrument(i, instrument) ? instrument : i)),
          },
        });
      },
    };
  };
}
