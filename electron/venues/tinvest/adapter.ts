/**
 * The T-Invest venue over one gRPC channel. connect() checks the token with GetAccounts
 * (GetSandboxAccounts in sandbox mode) and loads the shares; candles stream through the one
 * MarketDataStream owner, which opens streams only while something is subscribed; orders,
 * the OrderStateStream and the portfolio go through trading (orders.ts).
 */
import type { WireTap } from '../../net/wire-tap.js';
import type { Account, AmendRequest, Candle, CandleKey, Dec, Instrument, Interval, MarketKey, OrderEvidence, OrderRequest, OrderType, Portfolio, TimeInForce, VenueMode } from '../../../common/domain.js';
import { INTERVALS, marketKeyId } from '../../../common/domain.js';
import type { BackoffOptions } from '../../net/backoff.js';
import { VenueError, gatedSink } from '../venue.js';
import type { ConnectionReporter, HistoryRequest, ResolveHint, Venue, VenueHistory, VenueSink } from '../venue.js';
import { TInvestChannel } from './channel.js';
import type { ChannelSettings, GrpcChannel, TlsSetting } from './channel.js';
import { BOOK_DEPTHS, DEADLINE_MS, INSTRUMENT_KIND, DEFAULT_PING_DELAY_MS, HOSTS, INSTRUMENT_ID_TYPE_UID, INSTRUMENT_STATUS_BASE, SERVICES } from './constants.js';
import { toVenueError } from './errors.js';
import { CandleHistory } from './history.js';
import type { BondMsg, BondsResponse, CurrenciesResponse, CurrencyMsg, EtfMsg, EtfsResponse, FutureMsg, FuturesResponse, KindMsg } from './instrument-kinds.js';
import { InstrumentCatalog, toInstrument } from './instruments.js';
import { TInvestMarketFeeds } from './marketdata-feeds.js';
import type { MarketSnapshots } from './marketdata-feeds.js';
import type {
  GetClosePricesRequest,
  GetClosePricesResponse,
  GetLastPricesRequest,
  GetLastPricesResponse,
  GetOrderBookRequest,
  GetOrderBookResponse,
  GetTradingStatusRequest,
  GetTradingStatusResponse,
} from './marketdata-messages.js';
import { MarketDataStream } from './marketdata-stream.js';
import { quotationToDec } from './quotation.js';
import type { OrderChange } from './order-entry.js';
import { TInvestTrading } from './orders.js';
import type { TradingOptions } from './orders.js';
import type {
  GetAccountsRequest,
  GetAccountsResponse,
  GetCandlesRequest,
  GetCandlesResponse,
  InstrumentRequest,
  InstrumentsRequest,
  ShareMsg,
  ShareResponse,
  SharesResponse,
} from './messages.js';
import { method } from './proto.js';
import { TInvestRpc } from './rpc.js';
import { closeSandboxAccount, openSandboxAccount, sandboxAccounts, sandboxPayIn } from './sandbox.js';

export interface TInvestVenueOptions {
  /**
   * host:port, e.g. a local simulator's "127.0.0.1:PORT". Defaults to the venue's host of the
   * mode (HOSTS.sandbox in 'sandbox', HOSTS.live in 'live'); 'demo' needs one.
   */
  endpoint?: string;
  token: string;
  mode: VenueMode;
  /** TLS is the default; false only for loopback; { rootCertsPem } adds CAs to Node's roots. */
  tls?: boolean | TlsSetting;
  appName?: string;
  /** When given, connect() checks the token can see this account. */
  accountId?: string;
  sink: VenueSink;
  /** Stream watchdog interval (default 5000): a PingRequest each interval, dead after three silent ones. */
  pingDelayMs?: number;
  now?: () => number;
  /** Pacing of stream reconnects (jittered exponential). */
  reconnect?: BackoffOptions;
  /** Pacing of gap-fill retries. */
  fillRetry?: BackoffOptions;
  /** Subscriptions per stream before another stream is opened (venue limit 300). */
  maxSubscriptionsPerStream?: number;
  /** Per-service circuit breaker settings. */
  breaker?: { failureThreshold?: number; openMs?: number };
  /** Order entry, OrderStateStream and resolver settings. */
  trading?: TradingOptions;
  /** How long close() lets unary calls in flight (an order being placed) finish; default 3000. */
  closeGraceMs?: number;
  /** Every frame in and out, for the wire inspector and the recorder (net/wire-tap.ts). */
  wire?: WireTap;
  /** How the gRPC channel is opened; default a TInvestChannel (replay serves a recording here). */
  openChannel?: (s: ChannelSettings) => GrpcChannel;
}

/** The T-Invest venue with what only it offers: ReplaceOrder and the sandbox's own calls. */
export interface TInvestVenue extends Venue {
  placeOrder(req: OrderRequest): Promise<OrderEvidence>;
  cancelOrder(accountId: string, clientOrderId: string, venueOrderId?: string): Promise<OrderEvidence>;
  cancelAll(accountId: string): Promise<number>;
  openOrders(accountId: string): Promise<OrderEvidence[]>;
  resolveOrder(accountId: string, clientOrderId: string, hint: ResolveHint): Promise<OrderEvidence>;
  accountHistory(accountId: string, sinceMs: number): Promise<VenueHistory>;
  portfolio(accountId: string): Promise<Portfolio>;
  /**
   * Cancels an active order and places its replacement under a new client key (§4.6); resolves
   * with the new order's evidence, and reports the old one's cancellation to the sink.
   */
  replaceOrder(accountId: string, clientOrderId: string, change: OrderChange, newClientOrderId: string): Promise<OrderEvidence>;
  amendOrder(req: AmendRequest, venueOrderId: string | undefined): Promise<OrderEvidence>;
  /** Sandbox and demo only. */
  openSandboxAccount(name?: string): Promise<string>;
  sandboxAccounts(): Promise<Account[]>;
  /** Pays roubles into a sandbox account; resolves with its free balance. */
  sandboxPayIn(accountId: string, amount: Dec, currency?: string): Promise<Dec>;
  closeSandboxAccount(accountId: string): Promise<void>;
}

export function endpointOf(opts: Pick<TInvestVenueOptions, 'endpoint' | 'mode'>): string {
  if (opts.endpoint) return opts.endpoint;
  if (opts.mode === 'sandbox') return HOSTS.sandbox;
  if (opts.mode === 'live') return HOSTS.live;
  throw new VenueError('invalid', 'endpoint', 'demo mode needs the endpoint of the local venue');
}

const SUPPORTED: readonly Interval[] = INTERVALS;
/** What close() gives calls in flight: about a PostOrder's own deadline. */
const CLOSE_GRACE_MS = 3_000;
/** Days before a 1-minute history search gives up on an instrument without data. */
const EMPTY_SPANS = 5;

class TInvestAdapter implements TInvestVenue {
  readonly id = 'tinvest' as const;
  readonly mode: VenueMode;
  readonly name: string;
  readonly intervals = SUPPORTED;
  readonly bookDepths: readonly number[] = BOOK_DEPTHS;
  /** PostOrder's limit and market, and StopOrdersService's types (§7); there is no trailing-stop-limit. */
  readonly orderTypes: readonly OrderType[] = ['limit', 'market', 'stop-loss', 'stop-loss-limit', 'take-profit', 'take-profit-limit', 'trailing-stop'];
  /** day, ioc and fok apply to limit orders (PostOrder); gtc and gtd to stop orders. */
  readonly timeInForce: readonly TimeInForce[] = ['day', 'ioc', 'fok', 'gtc', 'gtd'];

  subscribeMarket(key: MarketKey): void {
    if (this.closed) return;
    if (key.venue !== 'tinvest') {
      this.sink.marketFailed(key, new VenueError('invalid', 'wrong-venue', `key of ${key.venue} given to tinvest`).info(this.now()));
      return;
    }
    if (this.feeds) this.feeds.subscribe(key);
    else this.earlyMarket.set(marketKeyId(key), key);
  }

  unsubscribeMarket(key: MarketKey): void {
    if (this.feeds) this.feeds.unsubscribe(key);
    else this.earlyMarket.delete(marketKeyId(key));
  }

  private readonly opts: TInvestVenueOptions;
  private readonly now: () => number;
  private readonly sink: VenueSink;
  private readonly api: ConnectionReporter;
  private readonly catalog = new InstrumentCatalog();
  /** Earliest candle of each instrument (UTC s) from Share, to stop history searches. */
  private readonly earliest = new Map<string, { minute?: number; day?: number }>();
  private readonly early = new Map<string, CandleKey>();
  /** Market keys asked for before connect() finished. */
  private readonly earlyMarket = new Map<string, MarketKey>();
  private feeds: TInvestMarketFeeds | undefined;
  private channel: GrpcChannel | undefined;
  private rpc: TInvestRpc | undefined;
  private candles: CandleHistory | undefined;
  private stream: MarketDataStream | undefined;
  private trading: TInvestTrading | undefined;
  private accountList: Account[] = [];
  private connecting: Promise<void> | undefined;
  private closed = false;
  /** True until close() has sent its last event. */
  private emitting = true;

  private readonly methods = {
    getAccounts: method<GetAccountsRequest, GetAccountsResponse>(SERVICES.users, 'GetAccounts'),
    shares: method<InstrumentsRequest, SharesResponse>(SERVICES.instruments, 'Shares'),
    shareBy: method<InstrumentRequest, ShareResponse>(SERVICES.instruments, 'ShareBy'),
    bonds: method<InstrumentsRequest, BondsResponse>(SERVICES.instruments, 'Bonds'),
    etfs: method<InstrumentsRequest, EtfsResponse>(SERVICES.instruments, 'Etfs'),
    futures: method<InstrumentsRequest, FuturesResponse>(SERVICES.instruments, 'Futures'),
    currencies: method<InstrumentsRequest, CurrenciesResponse>(SERVICES.instruments, 'Currencies'),
    getInstrumentBy: method<InstrumentRequest, { instrument: { instrumentKind: number } | null }>(SERVICES.instruments, 'GetInstrumentBy'),
    bondBy: method<InstrumentRequest, { instrument: BondMsg | null }>(SERVICES.instruments, 'BondBy'),
    etfBy: method<InstrumentRequest, { instrument: EtfMsg | null }>(SERVICES.instruments, 'EtfBy'),
    futureBy: method<InstrumentRequest, { instrument: FutureMsg | null }>(SERVICES.instruments, 'FutureBy'),
    currencyBy: method<InstrumentRequest, { instrument: CurrencyMsg | null }>(SERVICES.instruments, 'CurrencyBy'),
    getCandles: method<GetCandlesRequest, GetCandlesResponse>(SERVICES.marketData, 'GetCandles'),
    getOrderBook: method<GetOrderBookRequest, GetOrderBookResponse>(SERVICES.marketData, 'GetOrderBook'),
    getLastPrices: method<GetLastPricesRequest, GetLastPricesResponse>(SERVICES.marketData, 'GetLastPrices'),
    getClosePrices: method<GetClosePricesRequest, GetClosePricesResponse>(SERVICES.marketData, 'GetClosePrices'),
    getTradingStatus: method<GetTradingStatusRequest, GetTradingStatusResponse>(SERVICES.marketData, 'GetTradingStatus'),
  };

  constructor(opts: TInvestVenueOptions) {
    this.opts = opts;
    this.mode = opts.mode;
    this.name = opts.mode === 'live' ? 'T-Invest' : opts.mode === 'sandbox' ? 'T-Invest (sandbox)' : 'T-Invest (demo)';
    this.now = opts.now ?? Date.now;
    this.sink = gatedSink(opts.sink, () => this.emitting);
    this.api = this.sink.connection('api');
  }

  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new VenueError('unavailable', 'closed', 'venue closed'));
    this.connecting ??= this.doConnect().catch((e: unknown) => {
      this.connecting = undefined;
      throw e;
    });
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    let channel: GrpcChannel;
    try {
      const endpoint = endpointOf(this.opts);
      this.api.state('connecting', endpoint);
      const settings: ChannelSettings = { ...this.opts, endpoint, wire: this.opts.wire };
      channel = this.opts.openChannel ? this.opts.openChannel(settings) : new TInvestChannel(settings);
    } catch (e) {
      throw this.failConnect(toVenueError(e));
    }
    const rpc = new TInvestRpc({
      channel,
      now: this.now,
      onHealth: () => this.reportHealth(),
      reporter: this.api,
      ...(this.opts.breaker ? { breaker: this.opts.breaker } : {}),
    });
    this.channel = channel;
    this.rpc = rpc;
    this.candles = new CandleHistory(rpc, this.methods.getCandles, (detail, frame) => this.api.malformed(detail, frame), this.now);
    try {
      this.api.state('authenticating', this.mode === 'sandbox' ? 'GetSandboxAccounts' : 'GetAccounts');
      this.accountList = await this.listAccounts(rpc);
      if (this.opts.accountId && !this.accountList.some((a) => a.id === this.opts.accountId)) {
        throw new VenueError('invalid', '50004', `account ${this.opts.accountId} is not visible to this token`);
      }
      this.api.state('subscribing', 'loading shares');
      const shares = await rpc.call(this.methods.shares, { instrumentStatus: INSTRUMENT_STATUS_BASE }, { deadlineMs: DEADLINE_MS.Shares });
      // Each unreadable share is counted with its message and left out; the rest load.
      this.catalog.load(shares.instruments, (why, share) => this.api.malformed(`Shares: ${why}`, JSON.stringify(share)));
      for (const s of shares.instruments) this.noteEarliest(s);
    } catch (e) {
      throw this.failConnect(toVenueError(e));
    }
    await this.loadOtherKinds(rpc);
    if (this.closed) throw new VenueError('unavailable', 'closed', 'venue closed while connecting');
    this.stream = new MarketDataStream({
      channel,
      sink: this.sink,
      fetchCandles: (key, from, to) => this.candlesOrThrow().range(key, from, to),
      figiOf: (uid) => this.catalog.figiOf(uid),
      now: this.now,
      pingDelayMs: this.opts.pingDelayMs ?? DEFAULT_PING_DELAY_MS,
      ...(this.opts.reconnect ? { backoff: this.opts.reconnect } : {}),
      ...(this.opts.fillRetry ? { fillRetry: this.opts.fillRetry } : {}),
      ...(this.opts.maxSubscriptionsPerStream ? { maxPerStream: this.opts.maxSubscriptionsPerStream } : {}),
    });
    this.trading = new TInvestTrading({
      channel,
      rpc,
      sink: this.sink,
      now: this.now,
      instrument: (id) => this.instrument(id),
      ...(this.opts.trading ?? {}),
    });
    // The account this session trades is followed from the start, so its orders are reconciled.
    if (this.opts.accountId) this.trading.watch(this.opts.accountId);
    this.feeds = new TInvestMarketFeeds({
      stream: this.stream,
      snapshots: this.snapshots(rpc),
      sink: this.sink,
      reporter: this.sink.connection('marketdata'),
      now: this.now,
    });
    for (const key of this.early.values()) this.stream.subscribe(key);
    this.early.clear();
    for (const key of this.earlyMarket.values()) this.feeds.subscribe(key);
    this.earlyMarket.clear();
    this.api.state('live', `${this.accountList.length} account(s), ${this.catalog.size} instrument(s)`);
    this.reportHealth();
  }

  /**
   * Bonds, ETFs, futures and currencies (§9). Shares are what connect() needs; a list the venue
   * does not give is reported and left out, and the rest load.
   */
  private async loadOtherKinds(rpc: TInvestRpc): Promise<void> {
    const req = { instrumentStatus: INSTRUMENT_STATUS_BASE };
    const o = { deadlineMs: DEADLINE_MS.Shares };
    const lists = await Promise.allSettled([
      rpc.call(this.methods.bonds, req, o).then((r) => r.instruments.map((msg): KindMsg => ({ kind: 'bond', msg }))),
      rpc.call(this.methods.etfs, req, o).then((r) => r.instruments.map((msg): KindMsg => ({ kind: 'etf', msg }))),
      rpc.call(this.methods.futures, req, o).then((r) => r.instruments.map((msg): KindMsg => ({ kind: 'future', msg }))),
      rpc.call(this.methods.currencies, req, o).then((r) => r.instruments.map((msg): KindMsg => ({ kind: 'currency', msg }))),
    ]);
    for (const l of lists) {
      if (l.status === 'rejected') {
        this.api.error(toVenueError(l.reason).info(this.now()));
        continue;
      }
      this.catalog.loadKinds(l.value, (why, k) => this.api.malformed(`${k.kind}: ${why}`, JSON.stringify(k.msg)));
      for (const k of l.value) this.noteEarliest(k.msg);
    }
  }

  /** The unary snapshots that prime a new book or quote (§8.2). */
  private snapshots(rpc: TInvestRpc): MarketSnapshots {
    const o = { deadlineMs: DEADLINE_MS.MarketSnapshot };
    const ms = (ts: { seconds: string | number; nanos: number } | null | undefined): number =>
      ts ? Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6) : 0;
    return {
      orderBook: (uid, depth) => rpc.call(this.methods.getOrderBook, { instrumentId: uid, depth }, o),
      lastPrice: async (uid) => {
        const res = await rpc.call(this.methods.getLastPrices, { instrumentId: [uid] }, o);
        const p = res.lastPrices.find((x) => x.instrumentUid === uid);
        return p?.price ? { price: quotationToDec(p.price), timeMs: ms(p.time) } : undefined;
      },
      closePrice: async (uid) => {
        const res = await rpc.call(this.methods.getClosePrices, { instruments: [{ instrumentId: uid }] }, o);
        const p = res.closePrices.find((x) => x.instrumentUid === uid);
        return p?.price ? quotationToDec(p.price) : undefined;
      },
      tradingStatus: (uid) => rpc.call(this.methods.getTradingStatus, { instrumentId: uid }, o),
    };
  }

  private failConnect(err: VenueError): VenueError {
    this.api.error(err.info(this.now()));
    this.api.state('closed', `connect failed: ${err.code} ${err.message}`);
    void this.rpc?.close();
    this.channel?.close();
    this.rpc = undefined;
    this.channel = undefined;
    this.candles = undefined;
    return err;
  }

  /**
   * Market data first; then the unary calls in flight (an order being placed) get a bounded
   * grace to be answered, with no new call let out; the order streams close last, so the
   * answers' updates still arrive meanwhile.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.early.clear();
    this.earlyMarket.clear();
    this.feeds?.close();
    await this.stream?.close();
    // Before trading exists only connect()'s reads run: those are cut now, rather than at their deadline.
    await this.rpc?.close(this.trading ? (this.opts.closeGraceMs ?? CLOSE_GRACE_MS) : 0);
    this.trading?.close();
    await this.connecting?.catch(() => undefined);
    this.channel?.close();
    if (this.channel) this.api.state('closed', 'closed by the app');
    this.emitting = false;
  }

  async accounts(): Promise<Account[]> {
    this.accountList = await this.listAccounts(this.rpcOrThrow());
    return this.accountList;
  }

  /** The sandbox host lists its own accounts through SandboxService (§2.8). */
  private async listAccounts(rpc: TInvestRpc): Promise<Account[]> {
    if (this.mode === 'sandbox') return sandboxAccounts(rpc);
    const acc = await rpc.call(this.methods.getAccounts, {}, { deadlineMs: DEADLINE_MS.GetAccounts });
    return acc.accounts.map((a) => ({ venue: 'tinvest', id: a.id, name: a.name }));
  }

  async placeOrder(req: OrderRequest): Promise<OrderEvidence> {
    return this.tradingOrThrow().placeOrder(req);
  }

  async cancelOrder(accountId: string, clientOrderId: string, venueOrderId?: string): Promise<OrderEvidence> {
    return this.tradingOrThrow().cancelOrder(accountId, clientOrderId, venueOrderId);
  }

  async replaceOrder(accountId: string, clientOrderId: string, change: OrderChange, newClientOrderId: string): Promise<OrderEvidence> {
    return this.tradingOrThrow().replaceOrder(accountId, clientOrderId, change, newClientOrderId);
  }

  async amendOrder(req: AmendRequest, venueOrderId: string | undefined): Promise<OrderEvidence> {
    if (req.venue !== 'tinvest') throw new VenueError('invalid', 'wrong-venue', `amend for ${req.venue} given to tinvest`);
    return this.tradingOrThrow().amendOrder(req, venueOrderId);
  }

  async resolveOrder(accountId: string, clientOrderId: string, hint: ResolveHint): Promise<OrderEvidence> {
    return this.tradingOrThrow().resolveOrder(accountId, clientOrderId, hint);
  }

  async accountHistory(accountId: string, sinceMs: number): Promise<VenueHistory> {
    return this.tradingOrThrow().accountHistory(accountId, sinceMs);
  }

  async cancelAll(accountId: string): Promise<number> {
    return this.tradingOrThrow().cancelAll(accountId);
  }

  async openOrders(accountId: string): Promise<OrderEvidence[]> {
    return this.tradingOrThrow().openOrders(accountId);
  }

  async portfolio(accountId: string): Promise<Portfolio> {
    return this.tradingOrThrow().portfolio(accountId);
  }

  async openSandboxAccount(name?: string): Promise<string> {
    const id = await openSandboxAccount(this.sandboxRpc(), name);
    if (this.mode === 'sandbox' && !this.accountList.some((a) => a.id === id)) this.accountList.push({ venue: 'tinvest', id, name: name ?? id });
    return id;
  }

  async sandboxAccounts(): Promise<Account[]> {
    return sandboxAccounts(this.sandboxRpc());
  }

  async sandboxPayIn(accountId: string, amount: Dec, currency = 'rub'): Promise<Dec> {
    return sandboxPayIn(this.sandboxRpc(), accountId, amount, currency);
  }

  async closeSandboxAccount(accountId: string): Promise<void> {
    return closeSandboxAccount(this.sandboxRpc(), accountId);
  }

  private sandboxRpc(): TInvestRpc {
    if (this.mode === 'live') throw new VenueError('invalid', 'not-sandbox', 'sandbox accounts exist only on the sandbox host');
    return this.rpcOrThrow();
  }

  private tradingOrThrow(): TInvestTrading {
    if (!this.trading || this.closed) throw new VenueError('unavailable', 'not-connected', 'T-Invest is not connected');
    return this.trading;
  }

  async searchInstruments(query: string, limit: number): Promise<Instrument[]> {
    this.rpcOrThrow();
    return this.catalog.search(query, limit);
  }

  async instrument(id: string): Promise<Instrument> {
    const known = this.catalog.get(id);
    if (known) return known;
    const rpc = this.rpcOrThrow();
    const o = { deadlineMs: DEADLINE_MS.ShareBy };
    const req = { idType: INSTRUMENT_ID_TYPE_UID, id };
    const found = await this.lookup(rpc, req, o);
    if (!found) throw new VenueError('invalid', '50002', `instrument ${id} not found`);
    let inst: Instrument;
    try {
      inst = toInstrument(found);
    } catch (e) {
      throw new VenueError('invalid', 'bad-instrument', e instanceof Error ? e.message : String(e));
    }
    this.catalog.add(inst);
    this.noteEarliest(found.msg);
    return inst;
  }

  /**
   * An instrument not in the catalog: a share first (the common case); otherwise
   * GetInstrumentBy names its kind and that kind's lookup gives its full message.
   */
  private async lookup(rpc: TInvestRpc, req: InstrumentRequest, o: { deadlineMs: number }): Promise<KindMsg | undefined> {
    try {
      const res = await rpc.call(this.methods.shareBy, req, o);
      if (res.instrument) return { kind: 'share', msg: res.instrument };
    } catch (e) {
      if (!(e instanceof VenueError) || e.code !== '50002') throw e;
    }
    const generic = await rpc.call(this.methods.getInstrumentBy, req, o);
    switch (generic.instrument?.instrumentKind) {
      case INSTRUMENT_KIND.bond: {
        const r = await rpc.call(this.methods.bondBy, req, o);
        return r.instrument ? { kind: 'bond', msg: r.instrument } : undefined;
      }
      case INSTRUMENT_KIND.etf: {
        const r = await rpc.call(this.methods.etfBy, req, o);
        return r.instrument ? { kind: 'etf', msg: r.instrument } : undefined;
      }
      case INSTRUMENT_KIND.futures: {
        const r = await rpc.call(this.methods.futureBy, req, o);
        return r.instrument ? { kind: 'future', msg: r.instrument } : undefined;
      }
      case INSTRUMENT_KIND.currency: {
        const r = await rpc.call(this.methods.currencyBy, req, o);
        return r.instrument ? { kind: 'currency', msg: r.instrument } : undefined;
      }
      default:
        return undefined;
    }
  }

  async history(req: HistoryRequest): Promise<Candle[]> {
    this.checkKey(req);
    const e = this.earliest.get(req.instrumentId);
    const earliestSec = req.interval === '1d' ? e?.day : e?.minute;
    return this.candlesOrThrow().load(req, Math.floor(this.now() / 1000), { earliestSec, maxEmptySpans: EMPTY_SPANS });
  }

  subscribeCandles(key: CandleKey): void {
    if (this.closed) return;
    this.checkKey(key);
    if (this.stream) this.stream.subscribe(key);
    else this.early.set(`${key.instrumentId}|${key.interval}`, key);
  }

  unsubscribeCandles(key: CandleKey): void {
    if (this.stream) this.stream.unsubscribe(key);
    else this.early.delete(`${key.instrumentId}|${key.interval}`);
  }

  private checkKey(key: CandleKey): void {
    if (key.venue !== 'tinvest') throw new VenueError('invalid', 'wrong-venue', `key of ${key.venue} given to tinvest`);
    if (!SUPPORTED.includes(key.interval)) throw new VenueError('invalid', 'interval', `interval ${key.interval} not offered`);
  }

  private noteEarliest(s: ShareMsg): void {
    const minute = s.first_1minCandleDate ? Number(s.first_1minCandleDate.seconds) : undefined;
    const day = s.first_1dayCandleDate ? Number(s.first_1dayCandleDate.seconds) : undefined;
    if (!s.uid || (!minute && !day)) return;
    this.earliest.set(s.uid, { ...(minute ? { minute } : {}), ...(day ? { day } : {}) });
  }

  private rpcOrThrow(): TInvestRpc {
    if (!this.rpc) throw new VenueError('unavailable', 'not-connected', 'T-Invest is not connected');
    return this.rpc;
  }

  private candlesOrThrow(): CandleHistory {
    if (!this.candles) throw new VenueError('unavailable', 'not-connected', 'T-Invest is not connected');
    return this.candles;
  }

  private reportHealth(): void {
    if (!this.rpc) return;
    this.api.limiters(this.rpc.limiters());
    this.api.breakers(this.rpc.breakers());
  }
}

export function createTInvestVenue(opts: TInvestVenueOptions): TInvestVenue {
  return new TInvestAdapter(opts);
}
