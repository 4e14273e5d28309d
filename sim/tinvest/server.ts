/**
 * The local T-Invest venue: a gRPC server on proto/ that speaks the real wire contract
 * (auth metadata, error details and trailers, rate-limit headers, stream pings) over the
 * shared seeded market: market data, orders with idempotency keys, order streams,
 * portfolio and positions, sandbox accounts. Used by demo mode (sim/cli.ts) and by tests,
 * including third-party clients, so everything observable follows the venue notes rather
 * than our adapter.
 */
import { randomBytes } from 'node:crypto';
import { Metadata, Server, ServerCredentials, status } from '@grpc/grpc-js';
import type { ServerUnaryCall, ServerWritableStream, UntypedHandleCall, UntypedServiceImplementation, sendUnaryData } from '@grpc/grpc-js';
import { formatScaled, parseScaled } from '../../common/decimal.js';
import { Market } from '../market.js';
import { AccountBook } from './accounts.js';
import { FaultPlan, lostReplyError } from './faults.js';
import type { FaultTiming, LostReplyShape, TInvestFaultCode } from './faults.js';
import { InstrumentBook, defaultInstruments, marketSpecs } from './instruments.js';
import type { SimInstrument } from './instruments.js';
import { instrumentsService } from './instruments-service.js';
import { UnaryLimiter, streamGroups, unaryGroups, unknownLimitKeys } from './limits.js';
import type { LimitOverrides } from './limits.js';
import { marketDataService } from './marketdata-service.js';
import type { StreamSubscriptions } from './market-stream.js';
import { orderStreamService } from './order-stream-service.js';
import type { OrderStreamInfo } from './order-streams.js';
import { stopOrderMethods } from './stop-orders.js';
import { OperationsLedger, operationRecord } from './operations.js';
import type { SimOperationRecord } from './operations.js';
import { OrderEngine, orderRecord } from './orders.js';
import type { SimOrderRecord } from './orders.js';
import { contractServices, loadContract } from './proto.js';
import type { OpenStream, SimContext, SimService } from './service-host.js';
import { makeLocalCertificate } from '../tls.js';
import { ORDER_COMMANDS, tradingMethods } from './trading-api.js';
import type { CallContext, UnaryImpl } from './trading-api.js';
import { usersService } from './users-service.js';
import { NANO_SCALE, VenueError, statusOf, trackingId } from './wire.js';

export type { SimInstrument } from './instruments.js';
export type { StreamSubscriptions } from './market-stream.js';
export type { OrderStreamInfo } from './order-streams.js';
export type { SimOrderRecord } from './orders.js';
export type { SimOperationRecord } from './operations.js';
export type { FaultTiming, LostReplyShape, TInvestFaultCode } from './faults.js';
export type { LimitOverrides } from './limits.js';

export interface TInvestSimOptions {
  /** 0 (default) = any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Seed of the market made when `market` is not given; default 1. */
  seed?: number;
  /** A market to serve (the caller starts and stops it); symbols are tickers. */
  market?: Market;
  /** Serve TLS with a fresh self-signed certificate for 127.0.0.1/localhost. */
  tls?: boolean;
  /** The one valid token; random when not given. */
  token?: string;
  /** Close streams left without subscriptions after this long with 80004; default 120000, 0 = never. */
  emptyStreamCloseMs?: number;
  /** Synthetic shares SIM001… (reference data only, no prices) to reach the 300-subscription limit. */
  extraShares?: number;
  /** ms clock; pass the market's own when it runs on a test clock. Default Date.now. */
  now?: () => number;
  /**
   * Budgets instead of the venue's table (§4.1-§4.2): per minute for a unary group
   * ("OrdersService", "PostOrder", "MarketDataService", …), open streams for a stream group
   * ("OrderStateStream", "TradesStream", "MarketDataStream"). GetUserTariff reports them.
   */
  limits?: LimitOverrides;
  /** Rouble cash each brokerage account starts with, decimal text; default "1000000". Sandbox accounts start at 0. */
  cash?: string;
  /** Commission as a fraction of each trade's value, decimal text; default "0.0005" (the sandbox's 0.05 %). */
  commission?: string;
  /** How long a `hang` lost reply is held before the venue itself gives up (UNAVAILABLE); default 60000. */
  lostReplyHangMs?: number;
}

export interface TInvestFaults {
  /**
   * Ends open streams: UNAVAILABLE "GOAWAY received", CANCELLED (RST_STREAM), or
   * RESOURCE_EXHAUSTED 80005. `which`: market-data streams, order streams, or all (default).
   * Returns how many.
   */
  dropStreams(kind: 'UNAVAILABLE' | 'CANCELLED' | '80005', which?: 'all' | 'market' | 'orders'): number;
  /** While on, every open stream (market data and orders) sends nothing (no data, no pings) and stays open. */
  stallStreams(on: boolean): void;
  readonly stalled: boolean;
  /** Added before every unary reply. */
  delayMs: number;
  /**
   * The next `times` calls of `method` ("PostOrder" or "OrdersService/PostOrder") fail with
   * `code`: `before` they run (default; nothing happens), or `after` they ran (an order is
   * placed, the client only sees the error — a lost outcome).
   */
  failNext(method: string, code: TInvestFaultCode, times?: number, when?: FaultTiming): void;
  /** The next `times` calls of `method` execute, then their reply is lost in the given shape (default `hang`). */
  loseNextReply(method: string, times?: number, shape?: LostReplyShape): void;
  /** Probability (0..1) that an executed order command (post, cancel, replace, async post) loses its reply. */
  loseReplyRate: number;
  /** The shape of replies lost by `loseReplyRate`; `mix` (default) picks one at random, seeded. */
  loseReplyShape: LostReplyShape | 'mix';
}

/** What an account holds, as the venue's record shows it: cash in roubles as decimal text, securities in pieces. */
export interface SimBalances {
  /** All cash, blocked included. */
  cash: string;
  blockedCash: string;
  securities: { ticker: string; instrumentUid: string; pieces: bigint; blocked: bigint }[];
}

/** The venue's own record, for tests to assert against. */
export interface TInvestStats {
  /** Calls of a method ("GetCandles" or "Service/Method"), rejected ones included. */
  calls(method: string): number;
  readonly callsByMethod: ReadonlyMap<string, number>;
  /** Market-data streams; order streams are counted apart (orderStreamsOpened/orderStreamsOpen). */
  readonly streamsOpened: number;
  readonly streamsOpen: number;
  /** Requests received on market-data streams (bidi requests and server-side stream opens). */
  readonly streamRequests: number;
  /**
   * Messages written on streams by kind: candle, ping, subscription, trade, last_price,
   * trading_status, empty (market data); order_subscription, order_state, order_trades (orders).
   */
  readonly sent: ReadonlyMap<string, number>;
  /** Every open market-data stream with its subscriptions. */
  activeSubscriptions(): StreamSubscriptions[];
  readonly orderStreamsOpened: number;
  readonly orderStreamsOpen: number;
  /** Every open OrderStateStream and TradesStream. */
  orderStreams(): OrderStreamInfo[];
  /** Error replies sent, by venue code ("80002") or, for transport failures, status name ("UNAVAILABLE"). */
  readonly errorsSent: ReadonlyMap<string, number>;
  /** RESOURCE_EXHAUSTED 80002 replies sent: a client that respects the limits never sees one. */
  readonly rateLimited: number;
  /** Calls that executed but whose reply was lost on purpose (loseNextReply, loseReplyRate, failNext … 'after'). */
  readonly lostReplies: number;
  /** Every order ever placed, by exchange id. */
  readonly orders: ReadonlyMap<string, SimOrderRecord>;
  /** The orders of one account, oldest first. */
  ordersOf(accountId: string): SimOrderRecord[];
  /** How many orders were placed under a client key on an account: the venue's promise is at most 1. */
  placements(accountId: string, key: string): number;
  /** The largest number of orders any (account, key) placed; 1 whenever idempotency held. */
  maxPlacementsPerKey(): number;
  /** What an account holds now. */
  balances(accountId: string): SimBalances;
  /** The operations history of one account, oldest first. */
  operationsOf(accountId: string): SimOperationRecord[];
}

export interface TInvestSim {
  /** "127.0.0.1:PORT". */
  endpoint: string;
  token: string;
  /** The main brokerage account. */
  accountId: string;
  /** Every brokerage account (the main one first); sandbox accounts are opened over the wire. */
  accountIds: string[];
  /** Present in TLS mode: the PEM to trust. */
  tls?: { caPem: string };
  market: Market;
  instruments: SimInstrument[];
  faults: TInvestFaults;
  stats: TInvestStats;
  /**
   * Sets an instrument's SecurityTradingStatus (number, see common.proto), found by ticker,
   * uid or figi, as an exchange session change would: info subscribers hear at once, and
   * GetTradingStatus answers with it.
   */
  setTradingStatus(instrument: string, status: number): void;
  close(): Promise<void>;
}

/** A scaled decimal option ("1000000", "0.0005") as nanos; throws on junk. */
function nanosOption(text: string, name: string): bigint {
  const { int, scale } = parseScaled(text);
  if (scale > NANO_SCALE || int < 0n) throw new Error(`${name} must be a non-negative decimal with at most 9 places: ${text}`);
  return int * 10n ** BigInt(NANO_SCALE - scale);
}

/** How long close() lets calls finish before cutting them. */
const SHUTDOWN_GRACE_MS = 250;

export async function startTInvestSim(opts: TInvestSimOptions = {}): Promise<TInvestSim> {
  // The contract and the budgets first: a bad override fails before anything starts.
  const services = contractServices(loadContract());
  const allMethods: string[] = [];
  const unaryMethods: string[] = [];
  for (const [svc, def] of services) {
    for (const [name, m] of Object.entries(def)) {
      const key = `${svc}/${name}`;
      allMethods.push(key);
      if (!m.requestStream && !m.responseStream) unaryMethods.push(key);
    }
  }
  const limitOverrides = opts.limits ?? {};
  const groups = unaryGroups(unaryMethods, limitOverrides);
  const streamLimits = streamGroups(limitOverrides);
  const unknownLimits = unknownLimitKeys(limitOverrides, groups, streamLimits);
  if (unknownLimits.length > 0) throw new Error(`limits: no such budget: ${unknownLimits.join(', ')}`);
  const limiter = new UnaryLimiter(groups);
  const host = opts.host ?? '127.0.0.1';
  const seed = opts.seed ?? 1;
  const token = opts.token ?? `t.sim-${randomBytes(24).toString('base64url')}`;
  const instruments = defaultInstruments(opts.extraShares ?? 0);
  const book = new InstrumentBook(instruments);
  const ownsMarket = opts.market === undefined;
  const market = opts.market ?? new Market({ seed, symbols: marketSpecs(instruments) });
  const symbols = new Set(market.symbols());
  // Instruments the given market does not trade keep their reference data but have no prices.
  for (const i of instruments) if (i.marketSymbol !== undefined && !symbols.has(i.marketSymbol)) i.marketSymbol = undefined;

  const now = opts.now ?? Date.now;
  const accounts = new AccountBook(seed, nanosOption(opts.cash ?? '1000000', 'cash'));
  const brokerageIds = accounts.brokerage().map((a) => a.id);
  const mainAccount = brokerageIds[0] ?? '';
  const commission = parseScaled(opts.commission ?? '0.0005');
  if (commission.int < 0n) throw new Error(`commission must not be negative: ${opts.commission ?? ''}`);
  const engine = new OrderEngine({ market, now, seed, commission: { num: commission.int, den: 10n ** BigInt(commission.scale) } });
  // The operations history follows every order event from the start, whoever placed the order.
  const operations = new OperationsLedger(seed);
  const offOperations = engine.onEvent((e) => operations.onOrderEvent(e));

  // ---- the venue's record and faults ----
  const calls = new Map<string, number>();
  const sent = new Map<string, number>();
  const errorsSent = new Map<string, number>();
  /** Calls whose reply is being held back (lost-reply `hang`): ended at close. */
  const held = new Set<() => void>();
  let lostReplies = 0;
  let stalled = false;
  const plan = new FaultPlan(seed);
  const lostReplyHangMs = opts.lostReplyHangMs ?? 60_000;

  /** "GetCandles" → "MarketDataService/GetCandles". */
  function methodKey(method: string): string {
    if (method.includes('/')) return method.replace(/^\/?[\w.]*\.(?=\w+Service\/)/, '');
    return allMethods.find((k) => k.endsWith(`/${method}`)) ?? method;
  }

  function errorReply(err: VenueError, headers?: Metadata): ReturnType<typeof statusOf> {
    const label = err.code || (status[err.status] ?? String(err.status));
    errorsSent.set(label, (errorsSent.get(label) ?? 0) + 1);
    return statusOf(err, headers);
  }

  function authorize(md: Metadata): void {
    const [value] = md.get('authorization');
    const m = typeof value === 'string' ? /^bearer\s+(.+)$/i.exec(value.trim()) : null;
    if (!m || m[1] !== token) throw VenueError.of('40003');
  }

  function asVenueError(e: unknown): VenueError {
    if (e instanceof VenueError) return e;
    process.stderr.write(`tinvest sim: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return VenueError.of('70001');
  }

  function count(key: string): void {
    calls.set(key, (calls.get(key) ?? 0) + 1);
  }

  /** Every stream open now, whichever module serves it. */
  function openStreams(): OpenStream[] {
    return modules.flatMap((m) => (m.openStreams ? [...m.openStreams()] : []));
  }

  function openStreamsOf(streams: readonly string[]): number {
    return openStreams().filter((s) => streams.includes(s.key)).length;
  }

  const ctx: SimContext = {
    market,
    instrumentList: instruments,
    instruments: book,
    accounts,
    engine,
    operations,
    seed,
    now,
    unaryLimits: groups,
    streamLimits,
    openStreamsOf,
    stalled: () => stalled,
    emptyStreamCloseMs: opts.emptyStreamCloseMs ?? 120_000,
    onSent(kind) {
      sent.set(kind, (sent.get(kind) ?? 0) + 1);
    },
    count,
    authorize,
    admitStream(key, md) {
      authorize(md);
      const fault = plan.takeFailure(key);
      if (fault) throw fault.error;
      const group = streamLimits.find((g) => g.streams.includes(key));
      if (group && openStreamsOf(group.streams) >= group.limit) throw VenueError.of('80001');
    },
    errorReply,
    asVenueError,
  };

  // ---- the services: each module serves its methods by "Service/Method" ----
  const marketData = marketDataService(ctx);
  const orderStreams = orderStreamService(ctx);
  const modules: SimService[] = [
    usersService(ctx),
    instrumentsService(ctx),
    marketData,
    { unary: tradingMethods(ctx) },
    { unary: stopOrderMethods(ctx) },
    orderStreams,
  ];
  const unary: Record<string, UnaryImpl> = Object.assign({}, ...modules.map((m) => m.unary ?? {})) as Record<string, UnaryImpl>;
  const streamImpls: Record<string, UntypedHandleCall> = Object.assign({}, ...modules.map((m) => m.streams ?? {})) as Record<
    string,
    UntypedHandleCall
  >;

  const faults: TInvestFaults = {
    delayMs: 0,
    get stalled() {
      return stalled;
    },
    stallStreams(on) {
      stalled = on;
    },
    dropStreams(kind, which = 'all') {
      const err =
        kind === 'UNAVAILABLE'
          ? VenueError.transport(status.UNAVAILABLE, 'GOAWAY received')
          : kind === 'CANCELLED'
            ? VenueError.transport(status.CANCELLED, 'Received RST_STREAM with error code 8')
            : VenueError.of('80005');
      const isMarket = (s: OpenStream): boolean => s.key.startsWith('MarketDataStreamService/');
      const open = openStreams().filter((s) => which === 'all' || (which === 'market') === isMarket(s));
      for (const s of open) s.end(err);
      return open.length;
    },
    failNext(method, code, times = 1, when = 'before') {
      plan.failNext(methodKey(method), code, times, when);
    },
    loseNextReply(method, times = 1, shape = 'hang') {
      plan.loseNext(methodKey(method), times, shape);
    },
    get loseReplyRate() {
      return plan.loseReplyRate;
    },
    set loseReplyRate(p: number) {
      plan.loseReplyRate = Math.min(1, Math.max(0, p));
    },
    get loseReplyShape() {
      return plan.loseReplyShape;
    },
    set loseReplyShape(shape: LostReplyShape | 'mix') {
      plan.loseReplyShape = shape;
    },
  };

  /** A lost reply of the `hang` shape: nothing goes back until the client gives up or the venue's upstream times out. */
  function holdReply(call: ServerUnaryCall<Record<string, unknown>, object>, callback: sendUnaryData<object>, headers: Metadata): void {
    let done = false;
    const end = (details: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      held.delete(closeNow);
      callback(errorReply(VenueError.transport(status.UNAVAILABLE, details), headers));
    };
    const closeNow = (): void => end('server is shutting down');
    const timer = setTimeout(() => end('upstream request timeout'), lostReplyHangMs);
    timer.unref();
    held.add(closeNow);
    call.on('cancelled', () => {
      done = true;
      clearTimeout(timer);
      held.delete(closeNow);
    });
  }

  function unaryHandler(key: string, impl: UnaryImpl | undefined): UntypedHandleCall {
    return (call: ServerUnaryCall<Record<string, unknown>, object>, callback: sendUnaryData<object>) => {
      count(key);
      const callCtx: CallContext = { trackingId: trackingId() };
      const headers = new Metadata();
      headers.set('x-tracking-id', callCtx.trackingId);
      void (async () => {
        try {
          authorize(call.metadata);
          const rate = limiter.take(key, now());
          for (const [h, v] of Object.entries(rate.headers)) headers.set(h, v);
          if (!rate.allowed) throw VenueError.of('80002');
          const fault = plan.takeFailure(key);
          if (faults.delayMs > 0) await new Promise((r) => setTimeout(r, faults.delayMs));
          if (fault?.when === 'before') throw fault.error;
          if (!impl) throw VenueError.of('12001');
          const res = await impl(call.request, callCtx);
          // From here on the call has executed: whatever goes wrong now loses its outcome.
          if (fault) {
            lostReplies += 1;
            throw fault.error;
          }
          const lost = plan.takeLoss(key, ORDER_COMMANDS.has(key));
          if (lost !== undefined) {
            lostReplies += 1;
            if (lost === 'hang') return holdReply(call, callback, headers);
            throw lostReplyError(lost);
          }
          call.sendMetadata(headers);
          callback(null, res);
        } catch (e) {
          // Errors are trailers-only responses: every header goes into the trailers.
          callback(errorReply(asVenueError(e), headers));
        }
      })();
    };
  }

  /** Streams the simulator does not serve yet: authenticated, then UNIMPLEMENTED 12001. */
  function unimplementedStream(key: string): UntypedHandleCall {
    return (call: ServerWritableStream<unknown, unknown>) => {
      count(key);
      let err: VenueError;
      try {
        authorize(call.metadata);
        err = VenueError.of('12001');
      } catch (e) {
        err = asVenueError(e);
      }
      call.emit('error', errorReply(err));
    };
  }

  const server = new Server({ 'grpc.max_send_message_length': 100 * 1024 * 1024 });
  for (const [svc, def] of services) {
    const impl: UntypedServiceImplementation = {};
    for (const [name, m] of Object.entries(def)) {
      const key = `${svc}/${name}`;
      const streaming = m.requestStream || m.responseStream;
      impl[name] = streaming ? (streamImpls[key] ?? unimplementedStream(key)) : unaryHandler(key, unary[key]);
    }
    server.addService(def, impl);
  }

  let tlsInfo: { caPem: string } | undefined;
  let creds = ServerCredentials.createInsecure();
  if (opts.tls) {
    const cert = await makeLocalCertificate();
    creds = ServerCredentials.createSsl(null, [{ private_key: Buffer.from(cert.keyPem), cert_chain: Buffer.from(cert.certPem) }], false);
    tlsInfo = { caPem: cert.certPem };
  }
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${host}:${opts.port ?? 0}`, creds, (err, p) => (err ? reject(err) : resolve(p)));
    });
  } catch (e) {
    for (const m of modules) m.stop?.();
    offOperations();
    throw e;
  }

  // Market trades fill resting orders (after the streams heard of them, as they subscribed first).
  const offFills = market.onTrade((t) => engine.onTrade(t, (id) => accounts.find(id)));
  if (ownsMarket) market.start();

  const stats: TInvestStats = {
    calls: (method) => calls.get(methodKey(method)) ?? 0,
    callsByMethod: calls,
    get streamsOpened() {
      return marketData.streamsOpened;
    },
    get streamsOpen() {
      return marketData.streamsOpen;
    },
    get streamRequests() {
      return marketData.streamRequests;
    },
    sent,
    activeSubscriptions: () => marketData.activeSubscriptions(),
    get orderStreamsOpened() {
      return orderStreams.streamsOpened;
    },
    get orderStreamsOpen() {
      return orderStreams.streamsOpen;
    },
    orderStreams: () => orderStreams.info(),
    errorsSent,
    get rateLimited() {
      return errorsSent.get('80002') ?? 0;
    },
    get lostReplies() {
      return lostReplies;
    },
    get orders() {
      return new Map(engine.all().map((o) => [o.orderId, orderRecord(o)]));
    },
    ordersOf: (accountId) =>
      engine
        .all()
        .filter((o) => o.accountId === accountId)
        .map(orderRecord),
    placements: (accountId, key) => engine.placements.get(`${accountId}\n${key}`) ?? 0,
    operationsOf: (accountId) => operations.of(accountId).map(operationRecord),
    maxPlacementsPerKey: () => Math.max(0, ...engine.placements.values()),
    balances(accountId) {
      const a = accounts.find(accountId);
      if (!a) throw new Error(`no account ${accountId}`);
      return {
        cash: formatScaled(a.cash, NANO_SCALE),
        blockedCash: formatScaled(a.blockedCash, NANO_SCALE),
        securities: [...a.holdings].map(([uid, h]) => ({ ticker: book.byUidId(uid)?.ticker ?? uid, instrumentUid: uid, pieces: h.pieces, blocked: h.blocked })),
      };
    },
  };

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing ??= (async () => {
      offFills();
      offOperations();
      if (ownsMarket) market.stop();
      // Like a venue going away: open streams and held calls end with UNAVAILABLE, then the listener closes.
      const bye = VenueError.transport(status.UNAVAILABLE, 'server is shutting down');
      for (const s of openStreams()) s.end(bye);
      for (const m of modules) m.stop?.();
      for (const end of [...held]) end();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, SHUTDOWN_GRACE_MS);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    })();
    return closing;
  }

  return {
    endpoint: `${host}:${port}`,
    token,
    accountId: mainAccount,
    accountIds: brokerageIds,
    ...(tlsInfo ? { tls: tlsInfo } : {}),
    market,
    instruments,
    faults,
    stats,
    setTradingStatus(id, st) {
      const i = book.resolve(id) ?? instruments.find((x) => x.ticker === id);
      if (!i) throw new Error(`no instrument ${id}`);
      i.tradingStatus = st;
      marketData.tradingStatusChanged(i);
    },
    close,
  };
}
