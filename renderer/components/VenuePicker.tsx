import type { VenueSummary } from '../../electron/contract.js';
import type { VenueId } from '../../common/domain.js';
import { useAppState, useServices } from '../services.js';
import { activeSlot } from '../store/layout.js';
import { venueState } from '../store/venues.js';

/** The name, and the mode unless the name already says it ("T-Invest (demo)"). */
export function venueLabel(v: VenueSummary): string {
  return v.name.toLowerCase().includes(v.mode) ? v.name : `${v.name} (${v.mode})`;
}

/** Which venue the active chart draws from, and a way to connect it when it is not connected. */
export function VenuePicker() {
  const { store } = useServices();
  const venues = useAppState((s) => s.venues);
  const current = useAppState((s) => activeSlot(s).venue);
  const summary = venues.find((v) => v.id === current);
  const state = summary ? venueState(summary) : undefined;

  return (
    <div className="venue-picker">
      <select
        aria-label="Venue"
        value={current ?? ''}
        disabled={venues.length === 0}
        onChange={(e) => store.getState().selectVenue(e.target.value as VenueId)}
      >
        {(venues.length === 0 || !current) && <option value="">{venues.length === 0 ? 'Loading venues…' : 'Choose a venue'}</option>}
        {venues.map((v) => (
          <option key={v.id} value={v.id}>
            {venueLabel(v)}
          </option>
        ))}
      </select>
      {summary && (state === 'idle' || state === 'closed') && (
        <button type="button" onClick={() => void store.getState().connectVenue(summary.id)}>
          Connect {summary.name}
        </button>
      )}
    </div>
  );
}
