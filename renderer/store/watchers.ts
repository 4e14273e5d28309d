/**
 * Reactions to what the store learns: toasts for fills, rejections, lost outcomes and
 * disconnects; positions asked for again after fills; and when a venue comes (back) live,
 * its accounts, orders, positions and the charts' instruments are fetched again.
 */
import type { ConnectionState, Order, VenueId } from '../../common/domain.js';
import { fillText, orderSummary, reasonText, VENUE_NAMES } from '../order-text.js';
import type { AppState } from './app-state.js';
import type { AppStore } from './app-store.js';
import { instrumentKeyOf } from './instruments.js';
import { orderKey } from './orders.js';
import { accountKey } from './portfolio.js';
import { venueConnections, venueState } from './venues.js';
import { stateTone } from '../../common/venue-state.js';

/** Orders updated this long before the window opened still get their toasts (clocks of one machine). */
const TOAST_SLACK_MS = 5000;

/** Not delivering: the kernel's reading of a state, the same one the status bar colours by. */
const isDown = (s: ConnectionState): boolean => stateTone(s) === 'bad';

function instrumentOf(s: AppState, o: Order) {
  return s.instruments[instrumentKeyOf(o.venue, o.instrumentId)];
}

/** What changed about one order, told as toasts; true when it filled (positions changed). */
function orderNews(s: AppState, o: Order, before: Order | undefined, tell: boolean): boolean {
  const instrument = instrumentOf(s, o);
  const key = orderKey(o);
  const seen = new Set(before?.fills.map((f) => f.tradeId));
  const fresh = o.fills.filter((f) => !seen.has(f.tradeId));
  const filled = fresh.length > 0 || (before !== undefined && before.filledQuantity !== o.filledQuantity);
  if (tell) {
    for (const f of fresh) {
      s.notify({ tone: 'fill', title: `Filled on ${VENUE_NAMES[o.venue]}`, detail: fillText(o, f, instrument), key: `fill|${o.venue}|${f.tradeId}` });
    }
    if (fresh.length === 0 && filled) {
      s.notify({
        tone: 'fill',
        title: `Filled on ${VENUE_NAMES[o.venue]}`,
        detail: `${orderSummary(o, instrument)}: ${o.filledQuantity} filled`,
        key: `fill|${key}|${o.filledQuantity}`,
      });
    }
    if (o.status !== before?.status) {
      // The outcome is known now: the sticky "unknown" notice has done its job.
      if (before?.status === 'unknown') s.dismissToasts(`unknown|${key}|`);
      if (o.status === 'rejected') {
        s.notify({
          tone: 'error',
          title: `Rejected by ${VENUE_NAMES[o.venue]}`,
          detail: `${orderSummary(o, instrument)} — ${reasonText(o) ?? 'no reason given'}`,
          key: `rejected|${key}`,
        });
      } else if (o.status === 'unknown') {
        s.notify({
          tone: 'warning',
          title: `Outcome unknown on ${VENUE_NAMES[o.venue]}`,
          detail: `${orderSummary(o, instrument)}: the answer was lost; the order may be working.`,
          key: `unknown|${key}|${o.updatedAt}`,
          sticky: true,
        });
      } else if (o.status === 'expired') {
        s.notify({ tone: 'info', title: `Expired on ${VENUE_NAMES[o.venue]}`, detail: orderSummary(o, instrument), key: `expired|${key}` });
      }
    }
  }
  return filled;
}

function whenLive(store: AppStore, venue: VenueId): void {
  const s = store.getState();
  void s.loadVenues().then(() => {
    const now = store.getState();
    for (const a of now.venues.find((v) => v.id === venue)?.accounts ?? []) void now.loadPortfolio(a.venue, a.id);
  });
  void s.loadOrders();
  void s.fillCharts();
  const held = [...s.workspace.charts.flatMap((c) => (c.instrument ? [c.instrument] : [])), ...s.workspace.watchlist];
  const unique = new Map(held.filter((i) => i.venue === venue).map((i) => [`${i.venue}|${i.id}`, i]));
  for (const i of unique.values()) void s.refreshInstrument(i);
}

export function watchSession(store: AppStore, startedAt: number = Date.now()): () => void {
  const states = new Map<VenueId, ConnectionState>();
  const wasLive = new Set<VenueId>();

  const offOrders = store.subscribe((s, prev) => {
    if (s.orders === prev.orders) return;
    for (const [key, o] of Object.entries(s.orders)) {
      const before = prev.orders[key];
      if (o === before) continue;
      const filled = orderNews(s, o, before, o.updatedAt >= startedAt - TOAST_SLACK_MS);
      if (filled) s.refreshPortfolioSoon(o.venue, o.accountId);
      else if (before === undefined && o.filledQuantity !== '0' && !s.portfolios[accountKey(o.venue, o.accountId)]) {
        s.refreshPortfolioSoon(o.venue, o.accountId);
      }
    }
  });

  const offVenues = store.subscribe((s, prev) => {
    if (s.venues === prev.venues && s.connections === prev.connections) return;
    for (const v of s.venues) {
      const state = venueState(v);
      const before = states.get(v.id);
      if (state === before) continue;
      states.set(v.id, state);
      const name = VENUE_NAMES[v.id];
      if (state === 'live') {
        if (wasLive.has(v.id) && before !== undefined) s.notify({ tone: 'info', title: `${name} is live again` });
        wasLive.add(v.id);
        whenLive(store, v.id);
      } else if (isDown(state) && before !== undefined && !isDown(before)) {
        const worst = venueConnections(v.id, s.connections).find((c) => c.state === state);
        s.notify({
          tone: 'warning',
          title: `${name} ${state === 'closed' ? 'disconnected' : state}`,
          ...(worst ? { detail: `${worst.connection}${worst.reason ? `: ${worst.reason}` : ''}` } : {}),
        });
      }
    }
  });

  return () => {
    offOrders();
    offVenues();
  };
}
