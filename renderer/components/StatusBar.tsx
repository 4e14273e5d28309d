import { useEffect, useState } from 'react';
import { stateTone as tone } from '../../common/venue-state.js';
import { useAppState, useServices } from '../services.js';
import { useGatewayLink } from '../store/gateway-link.js';
import { venueConnections, venueState } from '../store/venues.js';

/** The gateway's servers when this app is a console attached to one (app.info), else undefined. */
function useGatewayServers(): string[] | undefined {
  const { bridge } = useServices();
  const [servers, setServers] = useState<string[] | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void bridge.invoke('app.info', {}).then((r) => {
      if (live && r.ok && r.value.gateway) setServers(r.value.gateway.servers);
    });
    return () => {
      live = false;
    };
  }, [bridge]);
  return servers;
}

/** "via gateway: live", in a console only: its venues are the gateway's, through this link. */
function GatewayStatus({ servers }: { servers: string[] }) {
  const link = useGatewayLink();
  const state = link?.state ?? 'connecting';
  const where = servers.join(', ');
  return (
    <span role="status" aria-label="Gateway link" aria-description={where || undefined} title={where || undefined} className={`status-item tone-${tone(state)}`}>
      via gateway: {state}
    </span>
  );
}

/** One live status per venue, plus the bridge link itself, and the gateway link in a console. */
export function StatusBar({ transport }: { transport: 'ipc' | 'websocket' }) {
  const venues = useAppState((s) => s.venues);
  const connections = useAppState((s) => s.connections);
  const link = useAppState((s) => s.link);
  const gateway = useGatewayServers();

  return (
    <footer className="status-bar">
      <span role="status" aria-label="Bridge link" className={`status-item tone-${link === 'open' ? 'ok' : 'bad'}`}>
        Bridge ({transport}): {link}
      </span>
      {gateway && <GatewayStatus servers={gateway} />}
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
