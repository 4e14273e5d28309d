import { useEffect, useState } from 'react';
import { useAppState, useServices } from '../services.js';

/** What a tab whose token the server refused tells the trader: why, and the way back. */
export const TOKEN_REFUSED_TEXT =
  "This tab's access token is no longer valid — the app was restarted with a new token. Open the address the app printed.";

/**
 * Standing notices about the app itself, above the workspace: the ones the app started with
 * (AppInfo.notices, e.g. demo mode unavailable), asked for again on every new session, and a
 * refused access token. Not dismissable: each stays true until the app or the tab changes.
 */
export function AppNotices() {
  const { bridge } = useServices();
  const link = useAppState((s) => s.link);
  const epoch = useAppState((s) => s.epoch);
  const [notices, setNotices] = useState<readonly string[]>([]);
  useEffect(() => {
    let live = true;
    void bridge.invoke('app.info', {}).then((r) => {
      if (live && r.ok) setNotices(r.value.notices ?? []);
    });
    return () => {
      live = false;
    };
  }, [bridge, epoch]);
  if (link !== 'refused' && notices.length === 0) return null;
  return (
    <section className="app-notices" aria-label="App notices">
      {link === 'refused' && (
        <div className="notice" role="alert">
          {TOKEN_REFUSED_TEXT}
        </div>
      )}
      {notices.map((text) => (
        <div key={text} className="notice" role="status">
          {text}
        </div>
      ))}
    </section>
  );
}
