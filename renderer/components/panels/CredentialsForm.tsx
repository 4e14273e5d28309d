import { useId, useState, type FormEvent } from 'react';
import type { VenueId } from '../../../common/domain.js';
import { VENUE_NAMES } from '../../order-text.js';
import { useAppState, useServices } from '../../services.js';
import type { StoreCredentialsRequest } from '../../store/credentials.js';

function field(data: FormData, name: string): string {
  const v = data.get(name);
  return typeof v === 'string' ? v.trim() : '';
}

/** The request from the form's fields; the values are read once here and not kept anywhere. */
function requestFrom(venue: VenueId, data: FormData): StoreCredentialsRequest {
  if (venue === 'tinvest') {
    const accountId = field(data, 'accountId');
    const mode = field(data, 'mode') === 'live' ? 'live' : 'sandbox';
    return { venue, credentials: { token: field(data, 'token'), mode, ...(accountId ? { accountId } : {}) } };
  }
  return { venue, credentials: { apiKey: field(data, 'apiKey'), apiSecret: field(data, 'apiSecret'), mode: 'live' } };
}

/**
 * Secrets go to the main side once, through credentials.store, and never come back: the
 * inputs are uncontrolled (no copy in React state) and emptied right after the submit,
 * whatever the answer. Only "stored / not stored" and the backend are shown.
 */
export function CredentialsForm({ venue }: { venue: VenueId }) {
  const { store } = useServices();
  const status = useAppState((s) => s.credentialStatus?.venues.find((v) => v.venue === venue));
  const backend = useAppState((s) => s.credentialStatus?.backend);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const ids = useId();
  const name = VENUE_NAMES[venue];

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const request = requestFrom(venue, new FormData(form));
    form.reset();
    setBusy(true);
    void store
      .getState()
      .storeCredentials(request)
      .then((error) => setMessage(error ? { ok: false, text: `Not stored: ${error}` } : { ok: true, text: 'Stored. Used the next time the venue connects.' }))
      .finally(() => setBusy(false));
  };
  const forget = () => {
    void store
      .getState()
      .deleteCredentials(venue)
      .then((error) => setMessage(error ? { ok: false, text: `Not removed: ${error}` } : { ok: true, text: 'Removed.' }));
  };

  const stored = status?.stored
    ? `Stored${status.mode ? ` (${status.mode})` : ''}${backend ? ` in ${backend}` : ''}`
    : `Not stored${backend ? ` (backend: ${backend})` : ''}`;

  return (
    <form className="credentials" aria-label={`${name} credentials`} onSubmit={onSubmit} autoComplete="off">
      <p role="status" aria-label={`${name} credentials status`} className={status?.stored ? 'ok' : 'muted'}>
        {stored}
        {status?.problem && ` — unusable: ${status.problem.code} (${status.problem.message})`}
      </p>
      {venue === 'tinvest' ? (
        <>
          <label>
            <span>Token</span>
            <input name="token" type="password" aria-label="T-Invest token" required autoComplete="off" spellCheck={false} />
          </label>
          <label>
            <span>Account id (optional)</span>
            <input name="accountId" type="text" aria-label="T-Invest account id" autoComplete="off" spellCheck={false} />
          </label>
          <label>
            <span>Mode</span>
            <select name="mode" aria-label="T-Invest credentials mode" defaultValue="sandbox">
              <option value="sandbox">sandbox</option>
              <option value="live">live</option>
            </select>
          </label>
        </>
      ) : (
        <>
          <label>
            <span>API key</span>
            <input name="apiKey" type="password" aria-label="Kraken API key" required autoComplete="off" spellCheck={false} />
          </label>
          <label>
            <span>API secret</span>
            <input name="apiSecret" type="password" aria-label="Kraken API secret" required autoComplete="off" spellCheck={false} />
          </label>
          <p id={`${ids}-live`} className="field-hint">
            Kraken spot has no sandbox: keys stored here trade live.
          </p>
        </>
      )}
      <div className="form-actions">
        <button type="submit" disabled={busy}>{`Store ${name} credentials`}</button>
        {status?.stored && (
          <button type="button" onClick={forget}>
            {`Forget ${name} credentials`}
          </button>
        )}
      </div>
      {message && (
        <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'field-problem'}>
          {message.text}
        </p>
      )}
    </form>
  );
}
