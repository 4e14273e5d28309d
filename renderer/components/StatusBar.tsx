import { stateTone as tone } from '../../common/venue-state.js';
import { useAppState } from '../services.js';
import { venueConnections, venueState } from '../store/venues.js';

/** One live status per venue, plus the bridge link itself. */
export function StatusBar({ transport }: { transport: 'ipc' | 'websocket' }) {
  const venues = useAppState((s) => s.venues);
  const connections = useAppState((s) => s.connections);
  const link = useAppState((s) => s.link);

  return (
    <footer className="status-bar">
      <span role="status" aria-label="Bridge link" className={`status-item tone-${link === 'open' ? 'ok' : 'bad'}`}>
        Bridge ({transport}): {link}
      </span>
      {venues.map((v) => {
        const state = venueState(v);
        const detail = venueConnections(v.id, connections)
          .map((c) => `${c.connection}: ${c.state}${c.reason ? ` (${c.reason})` : ''}`)
          .join('; ');
        return (
          <span
            key={v.id}
            role="status"
            aria-label={`${v.name} connection`}
            aria-description={detail || undefined}
            title={detail || undefined}
            className={`status-item tone-${tone(state)}`}
          >
            {v.name}: {state}
          </span>
        );
      })}
      <span className="attribution">
        Charts by{' '}
        <a href="https://www.tradingview.com/" target="_blank" rel="noreferrer">
          TradingView
        </a>
      </span>
    </footer>
  );
}
