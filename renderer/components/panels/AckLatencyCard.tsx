import { useEffect, useState } from 'react';
import type { AckSummary } from '../../../electron/contract.js';
import { VENUE_NAMES } from '../../order-text.js';
import { useServices } from '../../services.js';

const KIND_ORDER = { place: 0, amend: 1, cancel: 2 } as const;
const REFRESH_MS = 2_000;

function ms(v: number): string {
  return v < 10 ? `${v.toFixed(1)} ms` : v < 10_000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`;
}

/**
 * How long the venues take to answer our orders: per venue, request kind and order type, the
 * median and 99th percentile from hand-over to the venue's first answer (main-side journal,
 * estimated from its buckets), with refusals and lost answers counted.
 */
export function AckLatencyCard() {
  const { bridge } = useServices();
  const [rows, setRows] = useState<AckSummary[]>([]);
  useEffect(() => {
    let live = true;
    const load = (): void => {
      void bridge.invoke('orders.ackLatency', {}).then((r) => {
        if (live && r.ok) setRows(r.value);
      });
    };
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [bridge]);
  const sorted = [...rows].sort((a, b) => a.venue.localeCompare(b.venue) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.orderType.localeCompare(b.orderType));
  return (
    <article className="diag-card" aria-label="Order acknowledgement latency">
      <h3>Order acknowledgements</h3>
      {sorted.length === 0 ? (
        <p className="muted">No order, amend or cancel sent yet.</p>
      ) : (
        <table className="ack-latency">
          <thead>
            <tr>
              <th scope="col">Venue</th>
              <th scope="col">Request</th>
              <th scope="col">Order type</th>
              <th scope="col">p50</th>
              <th scope="col">p99</th>
              <th scope="col">Count</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((r) => (
              <tr key={`${r.venue}|${r.kind}|${r.orderType}`}>
                <td>{VENUE_NAMES[r.venue]}</td>
                <td>{r.kind}</td>
                <td>{r.orderType}</td>
                <td>{ms(r.p50Ms)}</td>
                <td>{ms(r.p99Ms)}</td>
                <td>
                  {r.count}
                  {r.rejected > 0 ? `, ${r.rejected} refused` : ''}
                  {r.lost > 0 ? `, ${r.lost} unanswered` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted">From handing the request to the venue’s adapter to the venue’s first answer: its reply, its refusal, or its stream’s word on the order.</p>
    </article>
  );
}
