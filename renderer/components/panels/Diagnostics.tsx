import { useEffect, useState } from 'react';
import type { ConnectionDiagnostics } from '../../../common/domain.js';
import type { LogsInfo } from '../../../electron/contract.js';
import { FrameRate, type LatencyStats } from '../../perf/tick-latency.js';
import { clockTime, VENUE_NAMES } from '../../order-text.js';
import { deadManText, skewText } from '../../diagnostics-text.js';
import { useAppState, useServices } from '../../services.js';
import { useGatewayLink } from '../../store/gateway-link.js';
import { AckLatencyCard } from './AckLatencyCard.js';
import { RecordingCard } from './RecordingCard.js';
import { ms, Row } from './DiagRow.js';
import { GatewayLinkCard } from './GatewayLink.js';

function ConnectionCard({ d, now }: { d: ConnectionDiagnostics; now: number }) {
  const name = `${VENUE_NAMES[d.venue]} ${d.connection}`;
  const e = d.lastError;
  return (
    <article className={`diag-card state-${d.state}`} aria-label={`${name} diagnostics`}>
      <h3>
        {name}: <span className="diag-state">{d.state}</span>
      </h3>
      <dl>
        <Row term="Ping RTT">{ms(d.pingRttMs)}</Row>
        <Row term="Message rate">{`${d.messageRate.toFixed(1)}/s (${d.messages} total)`}</Row>
        <Row term="Last message">{d.lastMessageAt ? `${((now - d.lastMessageAt) / 1000).toFixed(1)} s ago` : '—'}</Row>
        <Row term="Reconnects">{d.reconnects}</Row>
        <Row term="Subscriptions">{`${d.subscriptions.confirmed} confirmed, ${d.subscriptions.pending} pending`}</Row>
        <Row term="Limiters">
          {d.limiters.length === 0
            ? '—'
            : d.limiters
                .map((l) => `${l.name} ${Number.isInteger(l.remaining) ? l.remaining : l.remaining.toFixed(1)}/${l.limit}${l.queued ? `, ${l.queued} queued` : ''}${l.resetInMs !== undefined ? `, resets in ${Math.ceil(l.resetInMs / 1000)} s` : ''}`)
                .join('; ')}
        </Row>
        <Row term="Circuit breakers">
          {d.breakers.length === 0 ? '—' : d.breakers.map((b) => `${b.name} ${b.state}${b.failures ? ` (${b.failures} failures)` : ''}`).join('; ')}
        </Row>
        <Row term="Malformed frames">{d.malformed === 0 ? '0' : `${d.malformed} skipped`}</Row>
        {d.clockSkewMs !== undefined && <Row term="Venue clock">{skewText(d.clockSkewMs)}</Row>}
        {d.deadManSwitch !== undefined && <Row term="Dead man's switch">{deadManText(d.deadManSwitch)}</Row>}
        <Row term="Last error">
          {e ? (
            <span className="diag-error">
              {`${e.kind} ${e.code}: ${e.message}`}
              {e.trackingId ? ` — tracking id ${e.trackingId}` : ''}
              {` at ${clockTime(e.at)}`}
            </span>
          ) : (
            'none'
          )}
        </Row>
      </dl>
      {d.malformedSamples.length > 0 && (
        <details className="malformed-samples">
          <summary>{`Last ${d.malformedSamples.length} malformed frame${d.malformedSamples.length === 1 ? '' : 's'}`}</summary>
          <ol aria-label={`${name} malformed frames`}>
            {d.malformedSamples
              .slice()
              .reverse()
              .map((m, i) => (
                <li key={`${m.at}-${i}`}>
                  <time>{clockTime(m.at)}</time> {m.detail}
                  {m.frame !== undefined && <pre className="frame-sample">{m.frame}</pre>}
                </li>
              ))}
          </ol>
        </details>
      )}
      {/* Newest first: the current state's cause is in view without scrolling. */}
      <ol className="timeline" aria-label={`${name} timeline`}>
        {d.timeline
          .map((t, i) => (
            <li key={`${t.at}-${i}`}>
              <time>{clockTime(t.at)}</time> {t.state}
              {t.reason ? <span className="muted"> — {t.reason}</span> : null}
            </li>
          ))
          .reverse()}
      </ol>
    </article>
  );
}

/**
 * Tick-to-screen latency and frame rate of this window's charts, sampled each second: from the
 * venue frame's arrival in the main process, and from the candle's arrival in this window (the
 * difference is the bridge hop).
 */
function RenderStats() {
  const { latency } = useServices();
  const [stats, setStats] = useState<{ latency: LatencyStats; here: LatencyStats; fps: number }>({ latency: { count: 0 }, here: { count: 0 }, fps: 0 });
  useEffect(() => {
    const rate = new FrameRate();
    let raf = requestAnimationFrame(function loop(t) {
      rate.frame(t);
      raf = requestAnimationFrame(loop);
    });
    const timer = setInterval(() => setStats({ latency: latency?.stats() ?? { count: 0 }, here: latency?.windowStats() ?? { count: 0 }, fps: rate.fps() }), 1000);
    return () => {
      cancelAnimationFrame(raf);
      clearInterval(timer);
    };
  }, [latency]);
  const l = stats.latency;
  return (
    <article className="diag-card" aria-label="Chart rendering diagnostics">
      <h3>Charts</h3>
      <dl>
        <Row term="Tick-to-screen p50">{ms(l.p50)}</Row>
        <Row term="Tick-to-screen p99">{ms(l.p99)}</Row>
        <Row term="Tick-to-screen max">{ms(l.max)}</Row>
        <Row term="In this window p50">{ms(stats.here.p50)}</Row>
        <Row term="In this window p99">{ms(stats.here.p99)}</Row>
        <Row term="Samples">{l.count}</Row>
        <Row term="Frame rate">{`${stats.fps.toFixed(0)} fps`}</Row>
      </dl>
      <p className="muted">
        Tick-to-screen: venue frame in main → drawn, from the arrival in the app's main process of the frame that
        carried a candle to the end of the frame in which its chart drew it, over the last {l.count} drawn ticks. In
        this window: from the candle's arrival here, without the bridge hop.
      </p>
    </article>
  );
}

/**
 * Where the log a trader can send us is. The desktop app opens its folder on request; a
 * browser tab can't reach the file system, so it shows the path to copy.
 */
function LogsCard() {
  const { bridge } = useServices();
  const [logs, setLogs] = useState<LogsInfo | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void bridge.invoke('app.info', {}).then((r) => {
      if (live && r.ok) setLogs(r.value.logs);
    });
    return () => {
      live = false;
    };
  }, [bridge]);
  if (!logs) return null;
  const open = () => {
    setProblem(undefined);
    void bridge.invoke('app.openLogs', {}).then((r) => setProblem(r.ok ? undefined : r.message));
  };
  return (
    <article className="diag-card" aria-label="Logs">
      <h3>Logs</h3>
      <dl>
        <Row term="Log file">
          <code className="log-path">{logs.file}</code>
        </Row>
      </dl>
      {logs.canOpen && (
        <button type="button" onClick={open}>
          Open logs folder
        </button>
      )}
      {problem !== undefined && <p className="diag-error">{problem}</p>}
      <p className="muted">Send us this file (and its older siblings, switchboard.1.log …) when something went wrong; secrets are masked in it.</p>
    </article>
  );
}

/**
 * Per connection: the state timeline, ping, message rate, reconnects, subscriptions, limits,
 * breakers, last error, malformed frames (the last few, as received, redacted on the main
 * side), the venue clock's skew when its timestamps tell it, and a venue-side dead man's switch.
 * In a console attached to a gateway, its link comes first, and the connections are the
 * gateway's (the console forwards them), so they say so.
 */
export function Diagnostics() {
  const diagnostics = useAppState((s) => s.diagnostics);
  const link = useGatewayLink();
  const now = Date.now();
  const sorted = [...diagnostics].sort((a, b) => a.venue.localeCompare(b.venue) || a.connection.localeCompare(b.connection));
  return (
    <div className="diagnostics">
      <RenderStats />
      <AckLatencyCard />
      <LogsCard />
      <RecordingCard />
      {link && (
        <>
          <GatewayLinkCard link={link} now={now} />
          <h3 className="diag-heading">Venue connections — at the gateway</h3>
        </>
      )}
      {sorted.length === 0 && <p className="muted empty">No diagnostics yet.</p>}
      {sorted.map((d) => (
        <ConnectionCard key={`${d.venue}|${d.connection}`} d={d} now={now} />
      ))}
    </div>
  );
}
