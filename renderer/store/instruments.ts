/**
 * Instruments the renderer has seen (from searches, the layout, instruments.get), so the
 * blotter and positions can name an order's instrument; and searches, one venue or all.
 */
import type { Result } from '../../electron/contract.js';
import type { Instrument, VenueId } from '../../common/domain.js';
import type { SliceCreator } from './app-state.js';
import { venueState } from './venues.js';

export interface EverywhereResult {
  results: Instrument[];
  /** Venues whose search failed, with why. */
  failures: { venue: VenueId; message: string }[];
}

export interface InstrumentsSlice {
  /** Keyed by instrumentKey. */
  instruments: Readonly<Record<string, Instrument>>;
  rememberInstruments(list: readonly Instrument[]): void;
  searchVenue(venue: VenueId, query: string, limit?: number): Promise<Result<Instrument[]>>;
  /** Searches every live venue at once; results in venue order. */
  searchEverywhere(query: string): Promise<EverywhereResult>;
  /** Looks an unknown instrument up once (instruments.get) so it can be named. */
  ensureInstrument(venue: VenueId, instrumentId: string): void;
  /** Fetches the venue's current view of an instrument and replaces every copy held. */
  refreshInstrument(instrument: Instrument): Promise<void>;
}

/** An instrument that could not be looked up is asked for again after this long. */
const RETRY_LOOKUP_MS = 30_000;

export function instrumentKey(i: { venue: VenueId; id: string }): string {
  return `${i.venue}|${i.id}`;
}

export function instrumentKeyOf(venue: VenueId, instrumentId: string): string {
  return `${venue}|${instrumentId}`;
}

export const createInstrumentsSlice: SliceCreator<InstrumentsSlice> = (bridge) => (set, get) => {
  const asked = new Set<string>();
  return {
    instruments: {},
    rememberInstruments(list) {
      const known = get().instruments;
      let next: Record<string, Instrument> | undefined;
      for (const i of list) {
        const key = instrumentKey(i);
        if (known[key] === i) continue;
        next ??= { ...known };
        next[key] = i;
      }
      if (next) set({ instruments: next });
    },
    async searchVenue(venue, query, limit = 50) {
      const result = await bridge.invoke('instruments.search', { venue, query: query.trim().slice(0, 64), limit });
      if (result.ok) get().rememberInstruments(result.value);
      return result;
    },
    async searchEverywhere(query) {
      const { venues } = get();
      const live = venues.filter((v) => venueState(v) === 'live');
      const answers = await Promise.all(live.map(async (v) => ({ venue: v.id, result: await get().searchVenue(v.id, query, 25) })));
      const out: EverywhereResult = { results: [], failures: [] };
      for (const { venue, result } of answers) {
        if (result.ok) out.results.push(...result.value);
        else out.failures.push({ venue, message: result.message });
      }
      return out;
    },
    ensureInstrument(venue, instrumentId) {
      const key = instrumentKeyOf(venue, instrumentId);
      if (get().instruments[key] || asked.has(key)) return;
      asked.add(key);
      void bridge.invoke('instruments.get', { venue, instrumentId }).then((r) => {
        if (r.ok) get().rememberInstruments([r.value]);
        else setTimeout(() => asked.delete(key), RETRY_LOOKUP_MS); // not ready yet, or unknown: ask again later
      });
    },
    async refreshInstrument(instrument) {
      const r = await bridge.invoke('instruments.get', { venue: instrument.venue, instrumentId: instrument.id });
      if (r.ok) get().replaceInstrument(r.value);
    },
  };
};
