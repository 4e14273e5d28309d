/**
 * What the trader wants done with a venue's open orders when the app quits. The core reads
 * it at shutdown and the bridge shows and changes it; where it is kept (a file in the data
 * folder) is the composition root's business, so the core holds only this interface and an
 * in-memory default.
 */
import type { VenueId } from '../../common/domain.js';
import { VENUE_IDS } from '../../common/domain.js';

/** Per venue: cancel its open orders on quit (every venue present, off unless chosen). */
export type CancelOnQuit = Record<VenueId, boolean>;

export interface QuitSettingsStore {
  get(): CancelOnQuit;
  /** Resolves once the choice is kept (written, where the store writes). */
  set(venue: VenueId, cancelOnQuit: boolean): Promise<CancelOnQuit>;
}

export function noneCancelOnQuit(): CancelOnQuit {
  return Object.fromEntries(VENUE_IDS.map((id) => [id, false])) as CancelOnQuit;
}

/** Kept for this run only: the hub's default, and the app's when it has no data folder. */
export function memoryQuitSettings(initial: Partial<CancelOnQuit> = {}): QuitSettingsStore {
  const state: CancelOnQuit = { ...noneCancelOnQuit(), ...initial };
  return {
    get: () => ({ ...state }),
    set: (venue, on) => {
      state[venue] = on;
      return Promise.resolve({ ...state });
    },
  };
}
