import { useEffect, useState } from 'react';
import type { RecordingStatus } from '../../../electron/contract.js';
import { clockTime } from '../../order-text.js';
import { useServices } from '../../services.js';

function size(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.ceil(bytes / 1e3)} kB`;
}

/**
 * Session recording (docs/recording.md): every frame of every venue connection to a file in the
 * data folder, for `npm run replay`. Shows what the app says it is doing, refreshed while it records.
 */
export function RecordingCard() {
  const { bridge } = useServices();
  const [status, setStatus] = useState<RecordingStatus | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const recording = status?.recording === true;
  useEffect(() => {
    let live = true;
    const read = (): void => {
      void bridge.invoke('recording.status', {}).then((r) => {
        if (!live) return;
        if (r.ok && r.value) setStatus(r.value);
        else if (!r.ok) setProblem(r.message);
      });
    };
    read();
    // The file sizes grow while recording: a slow refresh, only then.
    const timer = recording ? setInterval(read, 2_000) : undefined;
    return () => {
      live = false;
      if (timer) clearInterval(timer);
    };
  }, [bridge, recording]);
  if (!status) return problem ? <p className="diag-error">{problem}</p> : null;
  const toggle = (): void => {
    setProblem(undefined);
    setBusy(true);
    void bridge.invoke(recording ? 'recording.stop' : 'recording.start', {}).then((r) => {
      setBusy(false);
      if (r.ok && r.value) setStatus(r.value);
      else if (!r.ok) setProblem(r.message);
    });
  };
  return (
    <article className="diag-card" aria-label="Session recording">
      <h3>Session recording: {recording ? 'on' : 'off'}</h3>
      {status.startedAt !== undefined && (
        <dl>
          <dt>{recording ? 'Recording since' : 'Last recording'}</dt>
          <dd>{clockTime(status.startedAt)}</dd>
          {status.files.map((f) => (
            <div key={f.file}>
              <dt>{f.venue}</dt>
              <dd>
                <code className="log-path">{f.file}</code> {`${f.events} frames, ${size(f.bytes)}`}
              </dd>
            </div>
          ))}
        </dl>
      )}
      <button type="button" onClick={toggle} disabled={busy}>
        {recording ? 'Stop recording' : 'Record venue sessions'}
      </button>
      {problem !== undefined && <p className="diag-error">{problem}</p>}
      <p className="muted">Every frame in and out of each venue, with secrets masked, to replay offline with npm run replay.</p>
    </article>
  );
}
