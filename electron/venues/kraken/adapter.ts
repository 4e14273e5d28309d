/**
 * The Kraken spot venue: composes the raw REST client, the two WS v2 sockets, the feeds,
 * the limiters and order entry behind the `Venue` interface. Only this file (and the
 * modules it wires) knows Kraken; above it everything speaks domain types.
 */
import type { WireTap } from '../../net/wire-tap.js';
import type { Account, AmendRequest, Candle, CandleKey, Dec, MarketKey, Instrument, OrderEvidence, OrderRequest, Portfolio, VenueMode } from '../../../common/domain.js';
import { INTERVALS, INTERVAL_SECONDS, candleKeyId, marketKeyId } from '../../../common/domain.js';
import type { HistoryRequest, ResolveHint, Venue, VenueHistory, VenueSink } from '../venue.js';
import { VenueError, gatedSink, isVenueError } from '../venue.js';
import { INTERVAL_MINUTES, MARKET_BOOK_DEPTHS, OHLC_MAX_ROWS, SPOT_ACCOUNT_ID } from './constants.js';
import type { KrakenTier } from './constants.js';
import { DeadManSwitch } from './dead-man.js';
import { mapKrakenError } from './errors.js';
import { PublicFeeds, checkedRows, ohlcRows } from './feeds.js';
import { MarketStreams } from './market.js';
import type { BookListener } from './feeds.js';
import { counterStatePath, loadCounter, prepareCounterFolder, saveCounter } from './counter-state.js';
import { KrakenLimits } from './limits.js';
import type { WsBalanceEntry, WsExecution } from './messages.js';
import { NonceSource } from './nonce.js';
import { OrderAmends } from './amend.js';
import { KRAKEN_ORDER_TYPES, KRAKEN_TIME_IN_FORCE, OrderEntry, isStaleToken } from './order-entry.js';
import type { OrderEntryOptions } from './order-entry.js';
import { Reconciler } from './reconcile.js';
import { WireOrders } from './wire-orders.js';
import { MalformedFrame, checkBalance, checkExecution, decText, nativeOf, rfc3339Ms } from './parse.js';
import { KrakenRest } from './rest.js';
import type { RestAssetPairs, RestAssets, RestBalance, RestBalanceEx, RestDeadMan, RestOhlc, RestWsToken } from './rest-types.js';
import { SymbolTable } from './symbols.js';
import type { PairMeta } from './symbols.js';
import { KrakenSocket, SocketRequestError } from './ws.js';
import { fetchTrusting, trustedRoots } from './trust.js';
import type { ChannelFrame, SocketFactory } from './ws.js';
import type { RestFetch } from './trust.js';

export interface KrakenVenueOptions {
  /** REST base URL ("https://api.kraken.com" or the simulator's). */
  rest: string;
  /** Public WS v2 URL. */
  ws: string;
  /** Private WS v2 URL. */
  wsAuth: string;
  apiKey?: string;
  apiSecret?: string;
  /** PEM of a root CA to trust besides Node's (a config file's rootCaFile, the demo venue's certificate). */
  rootCertsPem?: string;
  mode: VenueMode;
  sink: VenueSink;
  /** Where the nonce floor is persisted (it must survive restarts). */
  stateDir: string;
  /** Every frame in and out, for the wire inspector and the recorder (net/wire-tap.ts). */
  wire?: WireTap;
  /** How sockets are opened; default `new WebSocket` (replay serves a recorded session here). */
  createSocket?: SocketFactory;
  /** How REST requests go out; default fetch (or one trusting rootCertsPem); replay answers from a recording. */
  fetch?: RestFetch;
  /** Arms cancel_all_orders_after with this timeout (s) while connected; off when absent or 0. */
  deadManSwitchSec?: number;
  /** ms clock for limiters, nonces and timestamps. */
  now?: () => number;
  /** Verification tier of the key: decides both rate counters. Default starter. */
  tier?: KrakenTier;
  /** Socket and reply timing; defaults suit the real venue. */
  timing?: {
    pingEveryMs?: number;
    silenceMs?: number;
    /** A subscribe without ack this long restarts the socket. Default 10 s. */
    ackTimeoutMs?: number;
    replyTimeoutMs?: number;
    /** connect() waits this long for the private socket, then resolves with REST order entry. Default 10 s. */
    privateConnectMs?: number;
    /** How long close() lets orders being placed get their answer; default 3000. */
    closeGraceMs?: number;
  };
}

/** What the Kraken adapter offers beyond `Venue`. */
export interface KrakenVenue extends Venue {
  placeOrder(req: OrderRequest): Promise<OrderEvidence>;
  amendOrder(req: AmendRequest, venueOrderId: string | undefined): Promise<OrderEvidence>;
  cancelOrder(accountId: string, clientOrderId: string, venueOrderId?: string): Promise<OrderEvidence>;
  openOrders(accountId: string): Promise<OrderEvidence[]>;
  resolveOrder(accountId: string, clientOrderId: string, hint: ResolveHint): Promise<OrderEvidence>;
  accountHistory(accountId: string, sinceMs: number): Promise<VenueHistory>;
  /** Order book of a symbol (v2 symbol, REST id or altname), verified by checksum; returns unsubscribe. */
  subscribeBook(symbol: string, depth: number, listener: BookListener): () => void;
  /** Cancels every open order of the account; resolves with the venue's count. */
  cancelAll(accountId?: string): Promise<number>;
  /** Asset balances (BalanceEx): quantity = balance, blocked = held by open orders. */
  portfolio(accountId: string): Promise<Portfolio>;
  /** Balances by asset, v2 names ("BTC", "USD"): from the balances channel while live, else REST Balance. */
  balances(): Promise<Record<string, Dec>>;
}

export function createKrakenVenue(opts: KrakenVenueOptions): KrakenVenue {
  const now = opts.now ?? Date.now;
  let open = true;
  const sink = gatedSink(opts.sink, () => open);
  const restReporter = sink.connection('rest');
  const pubReporter = sink.connection('ws-public');
  const privReporter = sink.connection('ws-private');
  const hasKeys = Boolean(opts.apiKey && opts.apiSecret);

  // The venue's REST counter outlives us: kept in the state folder per key (counter-state.ts).
  const counterPath = hasKeys ? counterStatePath(opts.stateDir, opts.apiKey!) : undefined;
  let savedCounter = -1;
  const limits = new KrakenLimits({
    tier: opts.tier ?? 'starter',
    now,
    onChange: (h) => {
      restReporter.limiters(h.filter((l) => l.name === 'rest'));
      privReporter.limiters(h.filter((l) => l.name !== 'rest'));
      if (counterPath === undefined) return;
      const value = limits.rest.committed();
      // Written when it moved by a call's worth; decay alone needs no write (the reader decays).
      if (Math.abs(value - savedCounter) < 0.5) return;
      savedCounter = value;
      try {
        saveCounter(counterPath, { value, at: now() });
      } catch (err) {
        restReporter.error(new VenueError('internal', 'state-file', `could not keep the REST counter: ${err instanceof Error ? err.message : String(err)}`).info(now()));
      }
    },
  });
  if (counterPath !== undefined) {
    prepareCounterFolder(counterPath);
    const before = loadCounter(counterPath);
    if (before) limits.rest.seed(before.value, before.at);
  }
  const nonce = hasKeys ? new NonceSource({ stateDir: opts.stateDir, apiKey: opts.apiKey!, now }) : undefined;
  const ca = opts.rootCertsPem !== undefined ? trustedRoots(opts.rootCertsPem) : undefined;
  const rest = new KrakenRest({
    ...(opts.fetch ? { fetch: opts.fetch } : opts.rootCertsPem !== undefined ? { fetch: fetchTrusting(opts.rootCertsPem) } : {}),
    baseUrl: opts.rest.replace(/\/+$/, ''),
    apiKey: opts.apiKey,
    apiSecret: opts.apiSecret,
    nonce,
    limits,
    reporter: restReporter,
    now,
    ...(opts.wire ? { wire: opts.wire } : {}),
  });
  const symbols = new SymbolTable();
  const wire = new WireOrders();
  const timing = opts.timing ?? {};

  // ---- public socket: candles and books
  const publicSocket = new KrakenSocket({
    url: opts.ws,
    ...(opts.wire ? { wire: { tap: opts.wire, connection: 'public' } } : {}),
    ...(opts.createSocket ? { createSocket: opts.createSocket } : {}),
    ...(ca ? { ca } : {}),
    reporter: pubReporter,
    // Candles and books first: they are the hot path.
    onFrame: (f) => {
      if (f.channel === 'ohlc' || f.channel === 'book' || !market.onFrame(f)) feeds.onFrame(f);
    },
    onConfirmed: () => feeds.onConfirmed(),
    onDown: (reason) => feeds.onDown(reason),
    onSubscribeError: (key, err) => {
      feeds.onSubscribeError(key, err);
      market.onSubscribeError(key, err);
    },
    ...(timing.pingEveryMs !== undefined ? { pingEveryMs: timing.pingEveryMs } : {}),
    ...(timing.silenceMs !== undefined ? { silenceMs: timing.silenceMs } : {}),
    ...(timing.ackTimeoutMs !== undefined ? { ackTimeoutMs: timing.ackTimeoutMs } : {}),
  });
  const fetchOhlc = async (pairId: string, minutes: number, since?: number): Promise<RestOhlc> => {
    const params: Record<string, string> = { pair: pairId, interval: String(minutes) };
    if (since !== undefined && since > 0) params.since = String(since);
    return rest.publicGet<RestOhlc>('OHLC', params);
  };
  const feeds: PublicFeeds = new PublicFeeds({
    venue: 'kraken',
    socket: publicSocket,
    sink,
    reporter: pubReporter,
    restReporter,
    now,
    skewMs: () => publicSocket.clockSkewMs,
    ohlc: async (pairId, minutes, since) => ohlcRows(await fetchOhlc(pairId, minutes, since), pairId),
  });
  const market = new MarketStreams({ socket: publicSocket, sink, reporter: pubReporter, now });
  let publicStarted = false;
  const ensurePublic = (): void => {
    // Kraken closes a socket with no subscriptions, so the public one opens with the first.
    if (!connected || publicStarted) return;
    publicStarted = true;
    publicSocket.start().catch(() => undefined);
  };

  // ---- private socket: executions, balances, order entry
  let token: string | undefined;
  let tokenFresh = false;
  let executionsSnapshot: { done: boolean; wake: (() => void) | undefined } = { done: false, wake: undefined };
  const balanceCache = new Map<string, Dec>();
  const reconciler = new Reconciler({
    symbols,
    rest,
    wire,
    sink,
    reporter: privReporter,
    now,
    streamLive: () => privateSocket?.isLive === true,
  });
  // Placing and amending share the pairs, limiters, wire ids and the private socket.
  const trading: OrderEntryOptions = {
    symbols,
    limits,
    rest,
    wire,
    reconciler,
    socket: () => (privateSocket?.isLive ? privateSocket : undefined),
    token: () => token,
    reporter: privReporter,
    now,
    ...(timing.replyTimeoutMs !== undefined ? { replyTimeoutMs: timing.replyTimeoutMs } : {}),
  };
  const entry = new OrderEntry(trading);
  const amends = new OrderAmends(trading);
  const fetchToken = async (): Promise<string> => {
    const r = await rest.privatePost<RestWsToken>('GetWebSocketsToken', {});
    if (typeof r?.token !== 'string' || r.token === '') {
      restReporter.malformed('GetWebSocketsToken: no token in the answer', JSON.stringify(r));
      throw new VenueError('unavailable', 'bad-token-answer', 'Kraken GetWebSocketsToken answered without a token');
    }
    return r.token;
  };
  /** An execution we could not read: order state may have moved without us; degraded until REST says where it stands. */
  const resyncOrders = (reason: string): void => {
    const socket = privateSocket;
    if (!socket) return;
    socket.degrade(reason);
    reconciler.reconcile().then(
      () => socket.restore('orders reconciled'),
      (e: unknown) => {
        if (isVenueError(e)) privReporter.error(e.info(now()));
        socket.recycle('reconcile after a bad execution failed');
      },
    );
  };
  const onPrivateFrame = (f: ChannelFrame): void => {
    if (f.channel === 'executions') {
      if (!Array.isArray(f.data)) {
        resyncOrders('unreadable executions frame');
        throw new MalformedFrame('executions data is not an array');
      }
      // The whole frame is checked before any entry is applied.
      let data: WsExecution[];
      const native = nativeOf(f).data as unknown[];
      try {
        data = (f.data as unknown[]).map((e, i) => checkExecution(e, native[i]));
      } catch (e) {
        resyncOrders('unreadable execution');
        throw e;
      }
      for (const e of data) reconciler.applyExecution(e);
      if (f.type === 'snapshot') {
        executionsSnapshot.done = true;
        executionsSnapshot.wake?.();
      }
    } else if (f.channel === 'balances') {
      if (!Array.isArray(f.data)) throw new MalformedFrame('balances data is not an array');
      const native = nativeOf(f).data as unknown[];
      const data: WsBalanceEntry[] = (f.data as unknown[]).map((b, i) => checkBalance(b, native[i]));
      for (const b of data) if (b.balance !== undefined) balanceCache.set(b.asset, decText(b.balance));
    } else throw new MalformedFrame('frame of a channel the private socket never subscribed');
  };
  const privateSocket: KrakenSocket | undefined = hasKeys
    ? new KrakenSocket({
        url: opts.wsAuth,
        ...(opts.wire ? { wire: { tap: opts.wire, connection: 'private' } } : {}),
        ...(opts.createSocket ? { createSocket: opts.createSocket } : {}),
        ...(ca ? { ca } : {}),
        reporter: privReporter,
        onFrame: onPrivateFrame,
        onOpen: async () => {
          executionsSnapshot = { done: false, wake: undefined };
          // A token is good for 15 min until used; a fresh one per connection is simplest and safe.
          if (!tokenFresh || token === undefined) token = await fetchToken();
          tokenFresh = false;
        },
        authParams: () => (token !== undefined ? { token } : {}),
        onSubscribeError: (_key, err) => {
          if (/token|session/i.test(err.code)) privateSocket?.recycle(`subscription refused: ${err.code}`);
        },
        onConfirmed: async () => {
          // Reconcile before reporting live: the snapshot first, then REST for what it cannot say.
          if (!executionsSnapshot.done) {
            await new Promise<void>((resolve) => {
              const t = setTimeout(resolve, 3_000);
              executionsSnapshot.wake = () => {
                clearTimeout(t);
                resolve();
              };
            });
          }
          await reconciler.reconcile();
          deadMan?.start();
        },
        onDown: () => {
          deadMan?.stop();
          reconciler.refreshWhileDown();
        },
        ...(timing.pingEveryMs !== undefined ? { pingEveryMs: timing.pingEveryMs } : {}),
        ...(timing.silenceMs !== undefined ? { silenceMs: timing.silenceMs } : {}),
        ...(timing.ackTimeoutMs !== undefined ? { ackTimeoutMs: timing.ackTimeoutMs } : {}),
      })
    : undefined;
  privateSocket?.subscribe({ channel: 'executions', params: { snap_orders: true, snap_trades: true, order_status: true } });
  privateSocket?.subscribe({ channel: 'balances', params: { snapshot: true } });

  /** The venue's trigger time ("0" or nothing when disarmed); an unreadable one is counted and only costs the panel its clock. */
  const triggerAt = (v: unknown): number | undefined => {
    if (v === undefined || v === '0') return undefined;
    try {
      return rfc3339Ms(v as string);
    } catch (e) {
      if (!(e instanceof MalformedFrame)) throw e;
      privReporter.malformed(`cancel_all_orders_after: triggerTime ${e.message}`, JSON.stringify(v));
      return undefined;
    }
  };
  const deadMan =
    // 0 is off; any other value the switch itself checks (a bad one refuses to build).
    hasKeys && opts.deadManSwitchSec !== undefined && opts.deadManSwitchSec !== 0
      ? new DeadManSwitch({
          timeoutSec: opts.deadManSwitchSec,
          send: async (timeout) => {
            if (privateSocket?.isLive && token) {
              const r = await privateSocket.request('cancel_all_orders_after', { timeout, token });
              if (r.success !== true && isStaleToken(r.error)) privateSocket.recycle(`token refused: ${r.error ?? ''}`);
              if (r.success !== true) throw mapKrakenError(r.error ?? 'cancel_all_orders_after failed', now());
              return triggerAt(r.result?.triggerTime);
            }
            const r = await rest.privatePost<RestDeadMan>('CancelAllOrdersAfter', { timeout: String(timeout) }, { mutating: true });
            return triggerAt(r?.triggerTime);
          },
          onError: (e) => {
            if (isVenueError(e)) privReporter.error(e.info(now()));
            else if (e instanceof SocketRequestError) privReporter.error({ kind: 'unavailable', code: 'dead-man', message: e.message, at: now() });
          },
          onState: (st) => privReporter.deadManSwitch?.(st),
        })
      : undefined;
  let connected = false;
  let connecting: Promise<void> | undefined;
  const early = new Map<string, CandleKey>();
  const earlyMarket = new Map<string, MarketKey>();

  const meta = (idOrSymbol: string): PairMeta => {
    const m = symbols.find(idOrSymbol);
    if (!m) throw new VenueError('invalid', 'EQuery:Unknown asset pair', `unknown Kraken instrument ${idOrSymbol}`);
    return m;
  };
  const ensureSymbols = async (): Promise<void> => {
    if (symbols.size > 0) return;
    // Asset names only make instruments readable: without them the pairs still load.
    const [pairs, assets] = await Promise.all([
      rest.publicGet<RestAssetPairs>('AssetPairs'),
      rest.publicGet<RestAssets>('Assets').catch((e: unknown) => {
        if (isVenueError(e)) restReporter.error(e.info(now()));
        return undefined;
      }),
    ]);
    symbols.load(pairs, (detail, frame) => restReporter.malformed(detail, frame), assets);
  };
  const needKeys = (): void => {
    if (!hasKeys) throw new VenueError('auth', 'no-credentials', 'Kraken order entry needs an API key and secret');
  };
  const spot = (accountId: string): void => {
    if (accountId !== SPOT_ACCOUNT_ID) throw new VenueError('invalid', 'unknown-account', `unknown Kraken account ${accountId}`);
  };

  const venue: KrakenVenue = {
    id: 'kraken',
    mode: opts.mode,
    name: 'Kraken',
    intervals: INTERVALS,
    bookDepths: MARKET_BOOK_DEPTHS,
    orderTypes: KRAKEN_ORDER_TYPES,
    timeInForce: KRAKEN_TIME_IN_FORCE,

    subscribeMarket(key: MarketKey): void {
      if (symbols.size === 0) {
        earlyMarket.set(marketKeyId(key), key);
        return;
      }
      const m = symbols.find(key.instrumentId);
      if (!m) {
        sink.marketFailed(key, { kind: 'invalid', code: 'EQuery:Unknown asset pair', message: `cannot subscribe ${key.instrumentId}: unknown Kraken pair`, at: now() });
        return;
      }
      if (key.stream === 'book') {
        if (key.depth === undefined || !MARKET_BOOK_DEPTHS.includes(key.depth)) {
          sink.marketFailed(key, { kind: 'invalid', code: 'EGeneral:Invalid arguments:depth', message: `Kraken books come at depths ${MARKET_BOOK_DEPTHS.join(', ')}`, at: now() });
          return;
        }
        feeds.holdBook(key, m);
      } else if (key.stream === 'trades') market.subscribeTrades(key, m);
      else market.subscribeQuote(key, m);
      ensurePublic();
    },

    unsubscribeMarket(key: MarketKey): void {
      earlyMarket.delete(marketKeyId(key));
      const m = symbols.find(key.instrumentId);
      if (!m) return;
      if (key.stream === 'book') feeds.releaseBook(key, m);
      else if (key.stream === 'trades') market.unsubscribeTrades(m);
      else market.unsubscribeQuote(m);
    },

    connect(): Promise<void> {
      connecting ??= (async () => {
        restReporter.state('connecting', 'loading pairs');
        // The panel shows the switch from here on (not from construction: the hub's reporters
        // only know their venue once it is added): waiting to arm, or off.
        if (hasKeys) privReporter.deadManSwitch?.(deadMan?.state ?? { armed: false, timeoutSec: 0 });
        await ensureSymbols();
        connected = true;
        for (const k of early.values()) venue.subscribeCandles(k);
        early.clear();
        for (const k of earlyMarket.values()) venue.subscribeMarket(k);
        earlyMarket.clear();
        if (feeds.hasSubscriptions || market.hasSubscriptions) ensurePublic();
        if (privateSocket) {
          // One token call up front turns a bad key into a clear auth error instead of a retry loop.
          token = await fetchToken();
          tokenFresh = true;
          // Order entry falls back to REST, so a private socket that is slow to come up need not block.
          let timer: NodeJS.Timeout | undefined;
          const live = privateSocket.start();
          live.catch(() => undefined);
          await Promise.race([
            live,
            new Promise<void>((resolve) => (timer = setTimeout(resolve, timing.privateConnectMs ?? 10_000))),
          ]).finally(() => clearTimeout(timer));
        }
      })().catch((e: unknown) => {
        connecting = undefined;
        throw isVenueError(e) ? e : new VenueError('internal', 'connect', (e as Error).message, { cause: e });
      });
      return connecting;
    },

    async close(): Promise<void> {
      if (!open) return;
      if (deadMan?.armed) await deadMan.disarm().catch(() => undefined);
      deadMan?.stop();
      // Market data first; orders being placed then get a bounded grace to be answered over
      // the private socket (no new one is let out), which closes last.
      entry.close();
      reconciler.close();
      await publicSocket.close();
      await entry.settled(timing.closeGraceMs ?? 3_000);
      await privateSocket?.close();
      open = false;
      limits.close();
      rest.close();
    },

    async accounts(): Promise<Account[]> {
      return [{ venue: 'kraken', id: SPOT_ACCOUNT_ID, name: 'Kraken spot' }];
    },

    async searchInstruments(query: string, limit: number): Promise<Instrument[]> {
      await ensureSymbols();
      return symbols.search(query, limit);
    },

    async instrument(id: string): Promise<Instrument> {
      await ensureSymbols();
      return meta(id).instrument;
    },

    async history(req: HistoryRequest): Promise<Candle[]> {
      await ensureSymbols();
      const m = meta(req.instrumentId);
      const span = INTERVAL_SECONDS[req.interval];
      // Kraken keeps only the latest 720 candles; older history is not available at all.
      const since = req.from !== undefined ? req.from - 1 : undefined;
      const rows = ohlcRows(await fetchOhlc(m.id, INTERVAL_MINUTES[req.interval], since), m.id);
      const key: CandleKey = { venue: 'kraken', instrumentId: m.id, interval: req.interval };
      const out: Candle[] = [];
      let lastTime = -Infinity;
      for (const cc of checkedRows(rows.slice(-OHLC_MAX_ROWS), key, restReporter, now(), publicSocket.clockSkewMs)) {
        const c = cc.candle;
        if (c.time % span !== 0 || c.time <= lastTime) continue;
        if (req.from !== undefined && c.time < req.from) continue;
        if (req.before !== undefined && c.time >= req.before) continue;
        out.push(c);
        lastTime = c.time;
      }
      return req.limit > 0 ? out.slice(-req.limit) : out;
    },

    subscribeCandles(key: CandleKey): void {
      if (symbols.size === 0) {
        // Before connect: kept, and subscribed once the pairs are known.
        early.set(candleKeyId(key), key);
        return;
      }
      const m = symbols.find(key.instrumentId);
      if (!m) {
        // Kraken would refuse it ("Currency pair not supported"): say so for this key, at once.
        sink.subscriptionFailed(key, { kind: 'invalid', code: 'EQuery:Unknown asset pair', message: `cannot subscribe ${key.instrumentId}: unknown Kraken pair`, at: now() });
        return;
      }
      feeds.subscribeCandles({ ...key, instrumentId: m.id }, m);
      ensurePublic();
    },

    unsubscribeCandles(key: CandleKey): void {
      early.delete(candleKeyId(key));
      const m = symbols.find(key.instrumentId);
      if (m) feeds.unsubscribeCandles(key, m);
    },

    async placeOrder(req: OrderRequest): Promise<OrderEvidence> {
      needKeys();
      await ensureSymbols();
      return entry.placeOrder(req);
    },

    async amendOrder(req: AmendRequest, venueOrderId: string | undefined): Promise<OrderEvidence> {
      needKeys();
      await ensureSymbols();
      return amends.amend(req, venueOrderId);
    },

    async cancelOrder(accountId: string, clientOrderId: string, venueOrderId?: string): Promise<OrderEvidence> {
      needKeys();
      spot(accountId);
      await ensureSymbols();
      return entry.cancelOrder(clientOrderId, venueOrderId);
    },

    async openOrders(accountId: string): Promise<OrderEvidence[]> {
      spot(accountId);
      if (!hasKeys) return [];
      await ensureSymbols();
      return reconciler.openOrders();
    },

    async resolveOrder(accountId: string, clientOrderId: string, hint: ResolveHint): Promise<OrderEvidence> {
      needKeys();
      spot(accountId);
      await ensureSymbols();
      return reconciler.resolveOrder(clientOrderId, hint);
    },

    async accountHistory(accountId: string, sinceMs: number): Promise<VenueHistory> {
      needKeys();
      spot(accountId);
      await ensureSymbols();
      return reconciler.accountHistory(sinceMs);
    },

    subscribeBook(symbol: string, depth: number, listener: BookListener): () => void {
      const m = meta(symbol);
      const off = feeds.subscribeBook(m, depth, listener);
      ensurePublic();
      return off;
    },

    async cancelAll(accountId = SPOT_ACCOUNT_ID): Promise<number> {
      needKeys();
      spot(accountId);
      return entry.cancelAll();
    },

    async balances(): Promise<Record<string, Dec>> {
      needKeys();
      // While the private socket is live its balances channel is current and costs no REST call.
      if (privateSocket?.isLive && balanceCache.size > 0) return Object.fromEntries(balanceCache);
      await ensureSymbols();
      const res = await rest.privatePost<RestBalance>('Balance', {});
      const names = assetNames(symbols);
      const out: Record<string, Dec> = {};
      for (const [asset, text] of Object.entries(res)) {
        try {
          out[names.get(asset) ?? asset] = decText(text);
        } catch (e) {
          if (!(e instanceof MalformedFrame)) throw e;
          restReporter.malformed(`Balance: ${e.message}`, JSON.stringify({ [asset]: text }));
        }
      }
      return out;
    },

    async portfolio(accountId: string): Promise<Portfolio> {
      needKeys();
      spot(accountId);
      await ensureSymbols();
      const res = await rest.privatePost<RestBalanceEx>('BalanceEx', {});
      const names = assetNames(symbols);
      const positions: Portfolio['positions'] = [];
      for (const [asset, b] of Object.entries(res)) {
        try {
          if (typeof b !== 'object' || b === null) throw new MalformedFrame('BalanceEx entry is not an object');
          positions.push({ venue: 'kraken', accountId, asset: names.get(asset) ?? asset, quantity: decText(b.balance), blocked: decText(b.hold_trade ?? '0') });
        } catch (e) {
          if (!(e instanceof MalformedFrame)) throw e;
          restReporter.malformed(`BalanceEx: ${e.message}`, JSON.stringify({ [asset]: b }));
        }
      }
      return { venue: 'kraken', accountId, positions, at: now() };
    },
  };
  return venue;
}

/** REST asset ids (XXBT, ZUSD) → v2 names (BTC, USD), learnt from the pairs' two spellings. */
function assetNames(symbols: SymbolTable): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of symbols.all()) {
    const [b, q] = p.symbol.split('/');
    const base = p.instrument.codes.base;
    const quote = p.instrument.codes.quote;
    if (b && base) m.set(base, b);
    if (q && quote) m.set(quote, q);
  }
  return m;
}
