/** Venues and the state of each of their connections, from venues.list, batches and diagnostics. */
import type { ConnectionEvent, VenueSummary } from '../../electron/contract.js';
import type { ConnectionDiagnostics, ConnectionState, VenueId, VenueMode } from '../../common/domain.js';
import type { SliceCreator } from './app-state.js';

export interface ConnectionView {
  venue: VenueId;
  connection: string;
  state: ConnectionState;
  /** ms since epoch of the change. */
  at: number;
  reason: string;
}

export interface VenuesSlice {
  venues: VenueSummary[];
  /** Keyed by `venue|connection`. */
  connections: Readonly<Record<string, ConnectionView>>;
  venuesLoaded: boolean;
  /** The latest diagnostics of every connection, as the main side pushes them each second. */
  diagnostics: readonly ConnectionDiagnostics[];
  loadVenues(): Promise<void>;
  /** With a mode other than the running one, the main side switches the venue to it first. */
  connectVenue(venue: VenueId, mode?: VenueMode): Promise<void>;
  disconnectVenue(venue: VenueId): Promise<void>;
  applyDiagnostics(list: readonly ConnectionDiagnostics[]): void;
}

export function connectionKey(venue: VenueId, connection: string): string {
  return `${venue}|${connection}`;
}

/**
 * Folds changes into the map. Diagnostics and batches arrive on separate topics, so an
 * older change never overwrites a newer one.
 */
export function mergeConnections(
  current: Readonly<Record<string, ConnectionView>>,
  changes: readonly ConnectionView[],
): Readonly<Record<string, ConnectionView>> {
  let next: Record<string, ConnectionView> | undefined;
  for (const change of changes) {
    if (change.connection === VENUE_CONNECTION) continue; // the venue's own state, not a connection
    const key = connectionKey(change.venue, change.connection);
    const known = (next ?? current)[key];
    if (known && known.at > change.at) continue;
    if (known && known.at === change.at && known.state === change.state) continue;
    next ??= { ...current };
    next[key] = change;
  }
  return next ?? current;
}

export function fromEvent(e: ConnectionEvent): ConnectionView {
  return { venue: e.venue, connection: e.connection, state: e.state, at: e.at, reason: e.reason };
}

export function fromDiagnostics(d: ConnectionDiagnostics): ConnectionView {
  const last = d.timeline[d.timeline.length - 1];
  return { venue: d.venue, connection: d.connection, state: d.state, at: last?.at ?? 0, reason: last?.reason ?? '' };
}

/** The hub's name for the pseudo-connection under which it reports a venue's overall state. */
export const VENUE_CONNECTION = 'venue';

/**
 * The state to show for a venue: what the hub says (venues.list, snapshots, then its `venue`
 * events in order). The one rule lives in the kernel (common/venue-state.ts), applied by the hub; the renderer
 * ranks nothing itself, so the status bar and the hub can never disagree.
 */
export function venueState(venue: VenueSummary): ConnectionState {
  return venue.state;
}

/** The hub's venue events folded into the summaries; the latest one is the venue's state. */
export function applyVenueEvents(venues: readonly VenueSummary[], events: readonly ConnectionEvent[]): VenueSummary[] | undefined {
  let next: VenueSummary[] | undefined;
  for (const e of events) {
    if (e.connection !== VENUE_CONNECTION) continue;
    const list = next ?? venues;
    const i = list.findIndex((v) => v.id === e.venue);
    const v = list[i];
    if (!v || v.state === e.state) continue;
    next ??= [...venues];
    next[i] = { ...v, state: e.state };
  }
  return next;
}

export function venueConnections(
  venue: VenueId,
  connections: Readonly<Record<string, ConnectionView>>,
): ConnectionView[] {
  return Object.values(connections)
    .filter((c) => c.venue === venue)
    .sort((a, b) => a.connection.localeCompare(b.connection));
}

export const createVenuesSlice: SliceCreator<VenuesSlice> = (bridge) => (set, get) => {
  /** One venues.list at a time: a second caller shares the answer. */
  let listing: Promise<void> | undefined;
  const list = async (): Promise<void> => {
    const result = await bridge.invoke('venues.list', {});
    if (!result.ok) {
      get().report(`Could not list venues: ${result.message}`);
      return;
    }
    set({ venues: result.value, venuesLoaded: true });
    void get().fillCharts();
  };
  const command = async (venue: VenueId, verb: 'connect' | 'disconnect', mode?: VenueMode): Promise<void> => {
    const result =
      verb === 'connect'
        ? await bridge.invoke('venues.connect', mode ? { venue, mode } : { venue })
        : await bridge.invoke('venues.disconnect', { venue });
    if (!result.ok) {
      get().report(`Could not ${verb} ${venue}: ${result.message}`);
      return;
    }
    set((s) => ({ venues: s.venues.map((v) => (v.id === venue ? result.value : v)) }));
  };
  return {
    venues: [],
    connections: {},
    venuesLoaded: false,
    loadVenues() {
      listing ??= list().finally(() => (listing = undefined));
      return listing;
    },
    diagnostics: [],
    connectVenue: (venue, mode) => command(venue, 'connect', mode),
    disconnectVenue: (venue) => command(venue, 'disconnect'),
    applyDiagnostics(list) {
      const connections = mergeConnections(get().connections, list.map(fromDiagnostics));
      set(connections !== get().connections ? { connections, diagnostics: list } : { diagnostics: list });
    },
  };
};
