/**
 * What each bridge method does, over the hub. Requests arrive here already validated; the
 * client context carries what belongs to one client (its subscriptions, its push sequence).
 */
import type { CandleKey } from '../domain.js';
import type { MethodName, MethodResults, ParsedRequest, Snapshot } from '../contract.js';
import { CONTRACT_VERSION } from '../contract.js';
import type { Hub } from '../core/hub.js';

export type Transport = 'ipc' | 'websocket';

export interface ClientContext {
  readonly hub: Hub;
  readonly transport: Transport;
  readonly version: string;
  /** Takes a hub reference for the key on this client's behalf; returns the new subscription's id. */
  subscribe(key: CandleKey): string;
  /** Releases one of this client's subscriptions; HubError 'not-found' when it isn't one. */
  unsubscribe(subscriptionId: string): void;
  snapshot(): Snapshot;
}

export type Handlers = {
  [M in MethodName]: (req: ParsedRequest<M>, ctx: ClientContext) => Promise<MethodResults[M]> | MethodResults[M];
};

export const handlers: Handlers = {
  'app.info': (_req, ctx) => ({ version: ctx.version, transport: ctx.transport, contract: CONTRACT_VERSION }),
  'venues.list': (_req, ctx) => ctx.hub.summaries(),
  'venues.connect': (req, ctx) => ctx.hub.connect(req.venue),
  'venues.disconnect': (req, ctx) => ctx.hub.disconnect(req.venue),
  'instruments.search': (req, ctx) => ctx.hub.searchInstruments(req.venue, req.query, req.limit),
  'candles.history': (req, ctx) => {
    const { venue, instrumentId, interval, before, limit } = req;
    return ctx.hub.history(before === undefined ? { venue, instrumentId, interval, limit } : { venue, instrumentId, interval, limit, before });
  },
  'candles.subscribe': (req, ctx) => ({
    subscriptionId: ctx.subscribe({ venue: req.venue, instrumentId: req.instrumentId, interval: req.interval }),
  }),
  'candles.unsubscribe': (req, ctx) => {
    ctx.unsubscribe(req.subscriptionId);
    return null;
  },
  'session.snapshot': (_req, ctx) => ctx.snapshot(),
  'diagnostics.get': (_req, ctx) => ctx.hub.diagnostics.snapshot(),
};
