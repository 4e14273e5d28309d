/**
 * The local T-Invest venue: a gRPC server on proto/ that speaks the real wire contract
 * (auth metadata, error details and trailers, rate-limit headers, stream pings) over the
 * shared seeded market. Used by demo mode (sim/cli.ts) and by tests, including third-party
 * clients, so everything observable follows the venue notes rather than our adapter.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Metadata, Server, ServerCredentials, status } from '@grpc/grpc-js';
import type {
  ServerDuplexStream,
  ServerUnaryCall,
  ServerWritableStream,
  UntypedHandleCall,
  UntypedServiceImplementation,
  sendUnaryData,
} from '@grpc/grpc-js';
import { Market } from '../market.js';
import { getCandles } from './candles.js';
import {
  InstrumentBook,
  defaultInstruments,
  instrumentMessage,
  instrumentShortMessage,
  marketSpecs,
  shareMessage,
} from './instruments.js';
import type { SimInstrument } from './instruments.js';
import { STREAM_GROUPS, UnaryLimiter, fullMethodName, unaryGroups } from './limits.js';
import { MarketDataSession } from './market-stream.js';
import type { MarketDataRequestIn, MarketDataResponseOut, MarketDataServerSideRequestIn, StreamHost, StreamSubscriptions } from './market-stream.js';
import { contractServices, loadContract } from './proto.js';
import { makeLocalCertificate } from './tls.js';
import {
  AccessLevel,
  AccountStatus,
  AccountType,
  InstrumentIdType,
  InstrumentStatus,
  InstrumentType,
  VenueError,
  msOfTimestamp,
  statusOf,
  timestampOfMs,
  trackingId,
} from './wire.js';
import type { VenueErrorCode } from './wire.js';

export type { SimInstrument } from './instruments.js';
export type { StreamSubscriptions } from './market-stream.js';

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
}

/** Codes `failNext` can inject: venue codes, or a bare transport status. */
export type TInvestFaultCode = VenueErrorCode | 'UNAVAILABLE';

export interface TInvestFaults {
  /** Ends every open market-data stream: UNAVAILABLE "GOAWAY received", CANCELLED (RST_STREAM), or RESOURCE_EXHAUSTED 80005. Returns how many. */
  dropStreams(kind: 'UNAVAILABLE' | 'CANCELLED' | '80005'): number;
  /** While on, open streams send nothing (no data, no pings) and stay open. */
  stallStreams(on: boolean): void;
  readonly stalled: boolean;
  /** Added before every unary reply. */
  delayMs: number;
  /** The next `times` calls of `method` ("GetCandles" or "MarketDataService/GetCandles") fail with `code`. */
  failNext(method: string, code: TInvestFaultCode, times?: number): void;
}

/** The venue's own record, for tests to assert against. */
export interface TInvestStats {
  /** Calls of a method ("GetCandles" or "Service/Method"), rejected ones included. */
  calls(method: string): number;
  readonly callsByMethod: ReadonlyMap<string, number>;
  readonly streamsOpened: number;
  readonly streamsOpen: number;
  /** Requests received on market-data streams (bidi requests and server-side stream opens). */
  readonly streamRequests: number;
  /** Messages written on streams by kind: candle, ping, subscription, trade, last_price, trading_status, empty. */
  readonly sent: ReadonlyMap<string, number>;
  /** Every open market-data stream with its subscriptions. */
  activeSubscriptions(): StreamSubscriptions[];
}

export interface TInvestSim {
  /** "127.0.0.1:PORT". */
  endpoint: string;
  token: string;
  /** The main brokerage account. */
  accountId: string;
  /** Present in TLS mode: the PEM to trust. */
  tls?: { caPem: string };
  market: Market;
  instruments: SimInstrument[];
  faults: TInvestFaults;
  stats: TInvestStats;
  close(): Promise<void>;
}

interface SimAccount {
  id: string;
  type: number;
  name: string;
  status: number;
  openedMs: number;
}

/** A 10-digit account id, stable for a seed (production ids look like this). */
function accountIdFor(seed: number, n: number): string {
  const h = createHash('sha256').update(`switchboard-sim:account:${seed}:${n}`).digest();
  return `20${String(h.readUInt32BE(0) % 100_000_000).padStart(8, '0')}`;
}

type UnaryImpl = (req: Record<string, unknown>) => object | Promise<object>;

// ---- request shapes (proto-loader with keepCase, longs String, enums Number, defaults) ----
interface InstrumentRequestIn {
  id_type?: number;
  class_code?: string;
  id?: string;
}
interface InstrumentsRequestIn {
  instrument_status?: number;
}
interface FindInstrumentRequestIn {
  query?: string;
  instrument_kind?: number;
  api_trade_available_flag?: boolean;
}
interface GetCandlesRequestIn {
  figi?: string;
  from?: { seconds?: string; nanos?: number } | null;
  to?: { seconds?: string; nanos?: number } | null;
  interval?: number;
  instrument_id?: string;
  candle_source_type?: number;
  limit?: number;
}
interface GetAccountsRequestIn {
  status?: number;
}

/** How long close() lets calls finish before cutting them. */
const SHUTDOWN_GRACE_MS = 250;

export async function startTInvestSim(opts: TInvestSimOptions = {}): Promise<TInvestSim> {
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
  const accounts: SimAccount[] = [
    { id: accountIdFor(seed, 0), type: AccountType.TINKOFF, name: 'Брокерский счёт', status: AccountStatus.OPEN, openedMs: Date.UTC(2021, 3, 12) },
    { id: accountIdFor(seed, 1), type: AccountType.TINKOFF_IIS, name: 'ИИС', status: AccountStatus.OPEN, openedMs: Date.UTC(2022, 8, 1) },
  ];
  const mainAccount = accounts[0]?.id ?? '';

  // ---- the venue's record and faults ----
  const calls = new Map<string, number>();
  const sent = new Map<string, number>();
  const sessions = new Set<MarketDataSession>();
  let streamsOpened = 0;
  let streamRequests = 0;
  let stalled = false;
  const pendingFaults = new Map<string, { code: TInvestFaultCode; left: number }>();

  const faults: TInvestFaults = {
    delayMs: 0,
    get stalled() {
      return stalled;
    },
    stallStreams(on) {
      stalled = on;
    },
    dropStreams(kind) {
      const err =
        kind === 'UNAVAILABLE'
          ? VenueError.transport(status.UNAVAILABLE, 'GOAWAY received')
          : kind === 'CANCELLED'
            ? VenueError.transport(status.CANCELLED, 'Received RST_STREAM with error code 8')
            : VenueError.of('80005');
      const open = [...sessions];
      for (const s of open) s.end(err);
      return open.length;
    },
    failNext(method, code, times = 1) {
      pendingFaults.set(methodKey(method), { code, left: times });
    },
  };

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
  const groups = unaryGroups(unaryMethods);
  const limiter = new UnaryLimiter(groups);

  /** "GetCandles" → "MarketDataService/GetCandles". */
  function methodKey(method: string): string {
    if (method.includes('/')) return method.replace(/^\/?[\w.]*\.(?=\w+Service\/)/, '');
    return allMethods.find((k) => k.endsWith(`/${method}`)) ?? method;
  }

  function takeFault(key: string): VenueError | undefined {
    const f = pendingFaults.get(key);
    if (!f) return undefined;
    f.left -= 1;
    if (f.left <= 0) pendingFaults.delete(key);
    return f.code === 'UNAVAILABLE' ? VenueError.transport(status.UNAVAILABLE, 'upstream connect error or disconnect/reset before headers') : VenueError.of(f.code);
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

  // ---- unary methods ----

  function findBy(req: InstrumentRequestIn): SimInstrument {
    const id = req.id ?? '';
    let found: SimInstrument | undefined;
    switch (req.id_type) {
      case InstrumentIdType.FIGI:
        found = book.byFigiId(id);
        break;
      case InstrumentIdType.UID:
        found = book.byUidId(id);
        break;
      case InstrumentIdType.POSITION_UID:
        found = book.byPositionUidId(id);
        break;
      case InstrumentIdType.TICKER:
        if (!req.class_code) throw VenueError.of('30013');
        found = book.byTicker(id, req.class_code);
        break;
      default:
        found = undefined;
    }
    if (!found) throw VenueError.of('50002');
    return found;
  }

  const unary: Record<string, UnaryImpl> = {
    'UsersService/GetAccounts': (raw) => {
      const req = raw as GetAccountsRequestIn;
      const want = req.status ?? AccountStatus.UNSPECIFIED;
      const list = want === AccountStatus.UNSPECIFIED || want === AccountStatus.ALL ? accounts : accounts.filter((a) => a.status === want);
      return {
        accounts: list.map((a) => ({
          id: a.id,
          type: a.type,
          name: a.name,
          status: a.status,
          opened_date: timestampOfMs(a.openedMs),
          access_level: AccessLevel.FULL_ACCESS,
        })),
      };
    },
    'UsersService/GetUserTariff': () => ({
      unary_limits: groups.map((g) => ({ limit_per_minute: g.limitPerMinute, methods: g.methods.map(fullMethodName) })),
      stream_limits: STREAM_GROUPS.map((g) => ({
        limit: g.limit,
        streams: g.streams.map(fullMethodName),
        open: [...sessions].filter((s) => g.streams.includes(`MarketDataStreamService/${s.method}`)).length,
      })),
    }),
    'InstrumentsService/Shares': (raw) => {
      const req = raw as InstrumentsRequestIn;
      const all = req.instrument_status === InstrumentStatus.ALL;
      return { instruments: instruments.filter((i) => all || i.apiTradeAvailable).map(shareMessage) };
    },
    'InstrumentsService/ShareBy': (raw) => ({ instrument: shareMessage(findBy(raw as InstrumentRequestIn)) }),
    'InstrumentsService/GetInstrumentBy': (raw) => ({ instrument: instrumentMessage(findBy(raw as InstrumentRequestIn)) }),
    'InstrumentsService/FindInstrument': (raw) => {
      const req = raw as FindInstrumentRequestIn;
      const query = (req.query ?? '').trim();
      if (!query) throw VenueError.of('30087');
      let found = book.find(query);
      if (req.instrument_kind !== undefined && req.instrument_kind !== 0 && req.instrument_kind !== InstrumentType.SHARE) found = [];
      if (req.api_trade_available_flag !== undefined) found = found.filter((i) => i.apiTradeAvailable === req.api_trade_available_flag);
      return { instruments: found.map(instrumentShortMessage) };
    },
    'MarketDataService/GetCandles': (raw) => {
      const req = raw as GetCandlesRequestIn;
      const idText = req.instrument_id || req.figi;
      if (!idText) throw VenueError.of('30093');
      const instrument = book.resolve(idText);
      if (!instrument) throw VenueError.of('50002');
      const candles = getCandles(
        market,
        {
          instrument,
          interval: req.interval ?? 0,
          fromMs: msOfTimestamp(req.from),
          toMs: msOfTimestamp(req.to),
          limit: req.limit ?? undefined,
          candleSourceGiven: req.candle_source_type !== undefined && req.candle_source_type !== null,
        },
        now(),
      );
      return { candles };
    },
  };

  function count(key: string): void {
    calls.set(key, (calls.get(key) ?? 0) + 1);
  }

  function unaryHandler(key: string, impl: UnaryImpl | undefined): UntypedHandleCall {
    return (call: ServerUnaryCall<Record<string, unknown>, object>, callback: sendUnaryData<object>) => {
      count(key);
      const headers = new Metadata();
      headers.set('x-tracking-id', trackingId());
      void (async () => {
        try {
          authorize(call.metadata);
          const rate = limiter.take(key, now());
          for (const [h, v] of Object.entries(rate.headers)) headers.set(h, v);
          if (!rate.allowed) throw VenueError.of('80002');
          const fault = takeFault(key);
          if (faults.delayMs > 0) await new Promise((r) => setTimeout(r, faults.delayMs));
          if (fault) throw fault;
          if (!impl) throw VenueError.of('12001');
          const res = await impl(call.request);
          call.sendMetadata(headers);
          callback(null, res);
        } catch (e) {
          // Errors are trailers-only responses: every header goes into the trailers.
          callback(statusOf(asVenueError(e), headers));
        }
      })();
    };
  }

  // ---- streams ----

  const streamHost: StreamHost = {
    market,
    instruments: book,
    now,
    stalled: () => stalled,
    emptyStreamCloseMs: opts.emptyStreamCloseMs ?? 120_000,
    onSent(kind) {
      sent.set(kind, (sent.get(kind) ?? 0) + 1);
    },
  };

  /** Auth, stream limit and injected faults at open; throws the venue error to end the call with. */
  function admitStream(key: string, md: Metadata): void {
    authorize(md);
    const fault = takeFault(key);
    if (fault) throw fault;
    const group = STREAM_GROUPS.find((g) => g.streams.includes(key));
    if (group && key.startsWith('MarketDataStreamService/')) {
      const open = [...sessions].filter((s) => group.streams.includes(`MarketDataStreamService/${s.method}`)).length;
      if (open >= group.limit) throw VenueError.of('80001');
    }
  }

  function openSession(
    method: StreamSubscriptions['method'],
    call: ServerWritableStream<unknown, MarketDataResponseOut> | ServerDuplexStream<unknown, MarketDataResponseOut>,
  ): MarketDataSession {
    const session = new MarketDataSession(
      streamHost,
      method,
      (msg) => {
        call.write(msg);
      },
      (err) => {
        sessions.delete(session);
        if (err) call.emit('error', statusOf(err));
        else call.end();
      },
    );
    sessions.add(session);
    streamsOpened += 1;
    call.on('cancelled', () => {
      session.dispose();
      sessions.delete(session);
    });
    return session;
  }

  const streamImpls: Record<string, UntypedHandleCall> = {
    'MarketDataStreamService/MarketDataStream': (call: ServerDuplexStream<MarketDataRequestIn, MarketDataResponseOut>) => {
      const key = 'MarketDataStreamService/MarketDataStream';
      count(key);
      try {
        admitStream(key, call.metadata);
      } catch (e) {
        call.emit('error', statusOf(asVenueError(e)));
        return;
      }
      const session = openSession('MarketDataStream', call);
      call.on('data', (req: MarketDataRequestIn) => {
        streamRequests += 1;
        session.handle(req);
      });
      // The client half-closed: the venue completes the call with OK.
      call.on('end', () => session.end());
    },
    'MarketDataStreamService/MarketDataServerSideStream': (call: ServerWritableStream<MarketDataServerSideRequestIn, MarketDataResponseOut>) => {
      const key = 'MarketDataStreamService/MarketDataServerSideStream';
      count(key);
      try {
        admitStream(key, call.metadata);
      } catch (e) {
        call.emit('error', statusOf(asVenueError(e)));
        return;
      }
      const session = openSession('MarketDataServerSideStream', call);
      streamRequests += 1;
      session.handleServerSide(call.request);
    },
  };

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
      call.emit('error', statusOf(err));
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
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${opts.port ?? 0}`, creds, (err, p) => (err ? reject(err) : resolve(p)));
  });

  // Market trades drive every open stream; a short tick flushes throttled candles.
  const offTrade = market.onTrade((t) => {
    for (const s of sessions) s.onTrade(t);
  });
  const tick = setInterval(() => {
    for (const s of sessions) s.tick();
  }, 50);
  tick.unref();
  if (ownsMarket) market.start();

  const stats: TInvestStats = {
    calls: (method) => calls.get(methodKey(method)) ?? 0,
    callsByMethod: calls,
    get streamsOpened() {
      return streamsOpened;
    },
    get streamsOpen() {
      return sessions.size;
    },
    get streamRequests() {
      return streamRequests;
    },
    sent,
    activeSubscriptions: () => [...sessions].map((s) => s.snapshot()),
  };

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing ??= (async () => {
      offTrade();
      clearInterval(tick);
      if (ownsMarket) market.stop();
      // Like a venue going away: open streams end with UNAVAILABLE, then the listener closes.
      for (const s of [...sessions]) s.end(VenueError.transport(status.UNAVAILABLE, 'server is shutting down'));
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
    ...(tlsInfo ? { tls: tlsInfo } : {}),
    market,
    instruments,
    faults,
    stats,
    close,
  };
}
