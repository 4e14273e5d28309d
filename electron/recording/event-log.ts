/**
 * The domain events of a session, in order: what an adapter told its VenueSink (candles,
 * books, trades, quotes, order evidence, refused subscriptions, connection states, errors,
 * malformed frames) and what each app command returned. Live and replay each keep one; equal
 * logs are the replay's proof.
 *
 * Fields that are the replayer's own are left out as the events are logged (docs/recording.md):
 * `receivedAt` (arrival stamps), the `at` of order evidence and errors and the `createdAt` of
 * order terms (the local clock where the venue gives no time: T-Invest's PostOrder answer
 * carries none, so the adapter stamps the send), and the digits of connection-state reasons ("next try in 412 ms":
 * jittered backoff). Pings, clock skew, message counts and limiter headroom are timings, not
 * events, and are not logged.
 */
import type { ConnectionReporter, VenueSink } from '../venues/venue.js';

export interface DomainEvent {
  /** candle | book | trades | quote | order | subscriptionFailed | marketFailed | state | error | malformed | result */
  type: string;
  /** The connection, for state/error/malformed; the command, for result. */
  on?: string;
  data: unknown;
}

const OWN_FIELDS = new Set(['receivedAt']);

/** A copy without the replayer's own fields (see above). */
function stripped(v: unknown, dropAt: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => stripped(x, dropAt));
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (OWN_FIELDS.has(k) || (dropAt && (k === 'at' || k === 'createdAt'))) continue;
    out[k] = stripped(x, dropAt);
  }
  return out;
}

export class EventLog implements VenueSink {
  readonly events: DomainEvent[] = [];

  private push(type: string, data: unknown, on?: string, dropAt = false): void {
    this.events.push({ type, ...(on !== undefined ? { on } : {}), data: stripped(data, dropAt) });
  }

  candle(c: Parameters<VenueSink['candle']>[0]): void {
    this.push('candle', c);
  }
  order(ev: Parameters<VenueSink['order']>[0]): void {
    this.push('order', ev, undefined, true);
  }
  subscriptionFailed(key: Parameters<VenueSink['subscriptionFailed']>[0], err: Parameters<VenueSink['subscriptionFailed']>[1]): void {
    this.push('subscriptionFailed', { key, err }, undefined, true);
  }
  book(b: Parameters<VenueSink['book']>[0]): void {
    this.push('book', b);
  }
  trades(t: Parameters<VenueSink['trades']>[0]): void {
    this.push('trades', t);
  }
  quote(q: Parameters<VenueSink['quote']>[0]): void {
    this.push('quote', q);
  }
  marketFailed(key: Parameters<VenueSink['marketFailed']>[0], err: Parameters<VenueSink['marketFailed']>[1]): void {
    this.push('marketFailed', { key, err }, undefined, true);
  }

  /** What a command returned (or how it failed), told by the driver. */
  result(command: string, outcome: unknown): void {
    this.push('result', outcome, command, true);
  }

  connection(name: string): ConnectionReporter {
    let last: string | undefined;
    return {
      state: (state, reason) => {
        if (state === last) return;
        last = state;
        this.push('state', { state, reason: reason.replace(/\d+/g, '#') }, name);
      },
      error: (err) => this.push('error', err, name, true),
      malformed: (detail) => this.push('malformed', detail, name),
      message: () => undefined,
      reconnect: () => undefined,
      clockSkew: () => undefined,
      pingRtt: () => undefined,
      subscriptions: () => undefined,
      limiters: () => undefined,
      breakers: () => undefined,
    };
  }

  /** Events of some types only (the test compares by kind). */
  only(...types: string[]): DomainEvent[] {
    return this.events.filter((e) => types.includes(e.type));
  }
}
