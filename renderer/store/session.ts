/** The bridge session: link state, orders, notices, and the once-per-frame commit of pushed data. */
import type { ConnectionEvent, Snapshot, SubscriptionFailure } from '../../electron/contract.js';
import type { Candle, Order } from '../../common/domain.js';
import { replaceOrders, resyncOrders } from './orders.js';
import type { LinkState } from '../transport/link.js';
import type { SliceCreator } from './app-state.js';
import { mergeCandles } from './candles.js';
import { applyVenueEvents, fromEvent, mergeConnections } from './venues.js';
import { mergeFailures } from './subscription-failures.js';
import { mergeMarket, type MarketFrame } from './market.js';

/** Everything the frame drain gathered since the last frame, in arrival order. */
export interface Frame {
  /** From a snapshot: replaces venues, orders and failures; its candles travel in `candles`. */
  resync?: Pick<Snapshot, 'venues' | 'orders' | 'subscriptionFailures'>;
  candles: Candle[];
  orders: Order[];
  connections: ConnectionEvent[];
  /** Series keys whose candles came after their failure: they recovered. Applied before `failures`. */
  recovered?: string[];
  /** Keys the venue refused or never confirmed, latest per key. */
  failures?: SubscriptionFailure[];
  /** The trade ledger changed on the main side. */
  ledger?: true;
  /** Books, prints, quotes and their failures; absent when none came. */
  market?: MarketFrame;
}

export interface SessionSlice {
  link: LinkState;
  /** Bumped when the far side starts a new session: views subscribe again and reload history. */
  epoch: number;
  /** Bumped when the main side's trade ledger changed: the History panel reloads trades and P&L. */
  ledgerVersion: number;
  notice?: string;
  setLink(link: LinkState): void;
  newSession(): void;
  report(message: string): void;
  dismissNotice(): void;
  /** The one write per animation frame of pushed data. */
  commitFrame(frame: Frame): void;
}

export const createSessionSlice: SliceCreator<SessionSlice> = () => (set) => ({
  link: 'connecting',
  epoch: 0,
  ledgerVersion: 0,
  notice: undefined,
  setLink(link) {
    set({ link });
  },
  newSession() {
    set((s) => ({ epoch: s.epoch + 1 }));
  },
  report(message) {
    set({ notice: message });
  },
  dismissNotice() {
    set({ notice: undefined });
  },
  commitFrame(frame) {
    set((s) => {
      // The core sends every order change, in order: the later one is the truth, as it comes.
      const base = frame.resync ? resyncOrders(s.orders, frame.resync.orders, s.localRejections) : s.orders;
      const orders = replaceOrders(base, frame.orders);
      const venues = frame.resync ? frame.resync.venues : s.venues;
      return {
        venues: applyVenueEvents(venues, frame.connections) ?? venues,
        venuesLoaded: s.venuesLoaded || frame.resync !== undefined,
        orders,
        lastCandles: mergeCandles(s.lastCandles, frame.candles),
        connections: mergeConnections(s.connections, frame.connections.map(fromEvent)),
        subscriptionFailures: mergeFailures(frame.resync ? {} : s.subscriptionFailures, frame.resync?.subscriptionFailures ?? [], frame.recovered ?? [], frame.failures ?? []),
        ledgerVersion: frame.ledger ? s.ledgerVersion + 1 : s.ledgerVersion,
        ...(frame.market ? mergeMarket(s, frame.market) : {}),
      };
    });
  },
});
