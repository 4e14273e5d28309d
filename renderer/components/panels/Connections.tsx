import { useEffect, useState } from 'react';
import type { VenueSummary } from '../../../electron/contract.js';
import type { VenueId, VenueMode } from '../../../common/domain.js';
import { VENUE_MODES } from '../../../common/domain.js';
import { clockTime, VENUE_NAMES } from '../../order-text.js';
import { useAppState, useServices } from '../../services.js';
import { venueConnections, venueState } from '../../store/venues.js';
import { CredentialsForm } from './CredentialsForm.js';

/** Kraken spot has no sandbox. */

/**
 * "Cancel my open orders when I quit", kept by the app across restarts (off unless turned on).
 * Shows what the app holds: the box changes only once the app has kept the choice.
 */
function CancelOnQuitBox({ venue, name }: { venue: VenueId; name: string }) {
  const { bridge } = useServices();
  const [on, setOn] = useState<boolean | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  useEffect(() => {
    let gone = false;
    void bridge.invoke('quitSettings.get', {}).then((r) => {
      if (gone) return;
      if (r.ok) setOn(r.value.cancelOnQuit[venue]);
      else setProblem(r.message);
    });
    return () => {
      gone = true;
    };
  }, [bridge, venue]);
  const change = (next: boolean): void => {
    setProblem(undefined);
    void bridge.invoke('quitSettings.set', { venue, cancelOnQuit: next }).then((r) => {
      if (r.ok) setOn(r.value.cancelOnQuit[venue]);
      else setProblem(r.message);
    });
  };
  return (
    <p className="cancel-on-quit">
      <label>
        <input type="checkbox" checked={on ?? false} disabled={on === undefined} onChange={(e) => change(e.target.checked)} />
        {` Cancel my open ${name} orders when I quit`}
      </label>
      {problem && (
        <span className="field-problem" role="alert">
          {` Not saved: ${problem}`}
        </span>
      )}
    </p>
  );
}

function VenueRow({ venue }: { venue: VenueSummary }) {
  const { store } = useServices();
  const connections = useAppState((s) => s.connections);
  const state = venueState(venue);
  const own = venueConnections(venue.id, connections);
  const connected = state !== 'idle' && state !== 'closed';
  const [mode, setMode] = useState<VenueMode>(venue.mode);
  // Names stay the same whatever the mode ("T-Invest", not "T-Invest (demo)").
  const name = VENUE_NAMES[venue.id];
  useEffect(() => setMode(venue.mode), [venue.mode]);
  return (
    <section className="venue-row" aria-label={`${name} venue`}>
      <header className="venue-head">
        <h3>{venue.name}</h3>
        <span className={`mode mode-${venue.mode}`} aria-label={`Mode: ${venue.mode}`}>
          {venue.mode}
        </span>
        <span className="venue-state" role="status" aria-label={`${name} state`}>
          {state}
        </span>
        <select aria-label={`${name} connection mode`} value={mode} onChange={(e) => setMode(e.target.value as VenueMode)}>
          {VENUE_MODES[venue.id].map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
        {mode !== venue.mode ? (
          <button type="button" title="Sandbox and live use the stored credentials" onClick={() => void store.getState().connectVenue(venue.id, mode)}>
            {`Switch ${name} to ${mode}`}
          </button>
        ) : connected ? (
          <button type="button" onClick={() => void store.getState().disconnectVenue(venue.id)}>{`Disconnect ${name}`}</button>
        ) : (
          <button type="button" onClick={() => void store.getState().connectVenue(venue.id)}>{`Connect ${name}`}</button>
        )}
      </header>
      <ul className="connection-list" aria-label={`${name} connections`}>
        {own.map((c) => (
          <li key={c.connection}>
            {c.connection}: {c.state}
            {c.reason ? ` (${c.reason})` : ''}
            {c.at > 0 ? ` since ${clockTime(c.at)}` : ''}
          </li>
        ))}
      </ul>
      <p className="muted">Accounts: {venue.accounts.map((a) => a.name || a.id).join(', ') || 'none yet'}</p>
      <CancelOnQuitBox venue={venue.id} name={name} />
      <CredentialsForm venue={venue.id} />
    </section>
  );
}

/** One row per venue: demo, sandbox or live; state; connect, disconnect or switch mode; credentials. */
export function Connections() {
  const { store } = useServices();
  const venues = useAppState((s) => s.venues);
  useEffect(() => {
    void store.getState().loadCredentialStatus();
  }, [store]);
  const error = useAppState((s) => s.credentialsError);
  return (
    <div className="connections">
      {error && (
        <p className="field-problem" role="alert">
          Credential storage: {error}
        </p>
      )}
      {venues.map((v) => (
        <VenueRow key={v.id} venue={v} />
      ))}
    </div>
  );
}
