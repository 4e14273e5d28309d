/**
 * The one rule for a venue's overall state, from its lifecycle in the hub and the states of
 * its connections. The hub applies it and reports the result (the `venue` connection event,
 * VenueSummary.state); the renderer shows that result and ranks nothing itself.
 *
 * A venue's state is its connections' health only. A connection that is up but waiting on
 * subscriptions (`subscribing`) is healthy: a key the venue refuses or never confirms is that
 * key's failure, shown on its chart, never the whole venue's.
 */
import type { ConnectionState } from './domain.js';

/** Worst first: the state a live venue shows when its connections disagree. */
const HEALTH_ORDER: readonly ConnectionState[] = ['reconnecting', 'degraded', 'connecting', 'authenticating', 'live'];

/** How one connection counts towards its venue's health; undefined: not at all (an unused idle one). */
function asHealth(s: ConnectionState): ConnectionState | undefined {
  if (s === 'closed') return 'degraded'; // closed under a live venue: something it needs is gone
  if (s === 'subscribing') return 'live'; // up; waiting keys are the keys' business
  if (s === 'idle') return undefined;
  return s;
}

export function venueState(lifecycle: 'idle' | 'connecting' | 'live' | 'closed', connections: Iterable<ConnectionState>): ConnectionState {
  if (lifecycle !== 'live') return lifecycle;
  let worst = HEALTH_ORDER.length - 1;
  for (const s of connections) {
    const h = asHealth(s);
    const rank = h === undefined ? -1 : HEALTH_ORDER.indexOf(h);
    if (rank >= 0 && rank < worst) worst = rank;
  }
  return HEALTH_ORDER[worst] ?? 'live';
}

/**
 * How a state reads to a trader: `bad` when the venue or connection is not delivering
 * (degraded, reconnecting, closed), `busy` on the way up, `ok` when live. The renderer colours
 * and toasts by this; it ranks nothing itself.
 */
export function stateTone(s: ConnectionState): 'ok' | 'busy' | 'bad' {
  if (s === 'live') return 'ok';
  if (s === 'degraded' || s === 'reconnecting' || s === 'closed') return 'bad';
  return 'busy';
}
