/**
 * A console's link to its gateway, above the venue connections it forwards: whether the link
 * is up, how far the order stream is applied, what market data crossed it. Shown only where the
 * bridge answers `gateway.link` with a status; an app with a core of its own has no link.
 */
import type { StateChange } from '../../../common/domain.js';
import type { GatewayLinkStatus } from '../../../electron/contract.js';
import { durationText, marketDataText, orderEventsText, replayText } from '../../diagnostics-text.js';
import { clockTime, dateTime } from '../../order-text.js';
import { ms, Row } from './DiagRow.js';

const HEADING_ID = 'gateway-link-heading';

/**
 * The timeline newest first, whichever way the link lists it (the contract does not say; the
 * hub's connections list theirs oldest first): by time, and on a tie the entry in the current
 * state is the newest.
 */
export function newestFirst(link: GatewayLinkStatus): StateChange[] {
  const t = link.timeline;
  const first = t[0];
  const last = t[t.length - 1];
  if (!first || !last || first === last) return [...t];
  const oldestFirst = first.at !== last.at ? first.at < last.at : last.state === link.state && first.state !== link.state;
  return oldestFirst ? [...t].reverse() : [...t];
}

export function GatewayLinkCard({ link, now }: { link: GatewayLinkStatus; now: number }) {
  const timeline = newestFirst(link);
  const since = timeline[0]?.at;
  return (
    <section className={`diag-card gateway-link state-${link.state}`} aria-labelledby={HEADING_ID}>
      <h3 id={HEADING_ID}>
        Gateway link: <span className="diag-state">{link.state}</span>
      </h3>
      <dl>
        <Row term="Since">{since === undefined ? '—' : `${clockTime(since)} (${durationText(now - since)})`}</Row>
        <Row term="RTT">{ms(link.rttMs)}</Row>
        <Row term="Gateway">
          {link.gatewayId === undefined
            ? 'not heard from yet'
            : `${link.gatewayId}${link.gatewayStartedAt === undefined ? '' : `, started ${dateTime(link.gatewayStartedAt)}`}`}
        </Row>
        <Row term="NATS">{`${link.servers.join(', ') || '—'}${link.user === undefined ? '' : ` as ${link.user}`}`}</Row>
        <Row term="Order stream">{replayText(link.replaySeq, link.streamSeq)}</Row>
        <Row term="Order events">{orderEventsText(link.orderEvents, link.duplicateOrderEvents)}</Row>
        <Row term="Market data">{marketDataText(link.marketMessages, link.gaps, link.snapshots)}</Row>
        <Row term="Malformed messages">{link.malformed === 0 ? '0' : `${link.malformed} skipped`}</Row>
        <Row term="Reconnects">{link.reconnects}</Row>
        <Row term="Leased keys">{link.leasedKeys}</Row>
        <Row term="Last error">{link.lastError === undefined ? 'none' : <span className="diag-error">{link.lastError}</span>}</Row>
      </dl>
      <ol className="timeline" aria-label="Gateway link timeline">
        {timeline.map((t, i) => (
          <li key={`${t.at}-${i}`}>
            <time>{clockTime(t.at)}</time> {t.state}
            {t.reason ? <span className="muted"> — {t.reason}</span> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
