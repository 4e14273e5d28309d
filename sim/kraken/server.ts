/**
 * The local Kraken spot venue: one HTTP server for REST (/0/public, /0/private) and
 * WebSocket v2 (/v2, public and private alike), over the shared seeded market.
 */
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseScaled } from '../../common/decimal.js';
import { Market, prng } from '../market.js';
import { KeyRing, TokenBook, demoCredentials } from './auth.js';
import { DEFAULT_BALANCES } from './accounts.js';
import { Exchange } from './exchange.js';
import { FaultState } from './faults.js';
import type { KrakenFaults, LostReplyKind } from './faults.js';
import { IdMaker } from './ids.js';
import { ASSETS, PAIRS, PairDirectory, krakenMarketSymbols } from './pairs.js';
import { RateLimits, TIER_LIMITS } from './rate-limits.js';
import type { KrakenLimits, KrakenTier } from './rate-limits.js';
import type { KrakenRecord } from './record.js';
import { createRestHandler } from './rest.js';
import { createWsServer } from './ws.js';
import { rescale } from './wire.js';
import { makeLocalCertificate } from '../tls.js';

export interface KrakenSimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Seeds the market (when none is given), ids and the synthetic book. Default 1. */
  seed?: number;
  /** A market to trade on; it must list the pairs' v2 symbols (see krakenMarketSymbols). The caller starts it. */
  market?: Market;
  /** Default: a demo key derived from the seed. */
  apiKey?: string;
  /** base64 of 64 bytes. Default: derived from the seed. */
  apiSecret?: string;
  /** Nonce window of the key, in the client's nonce units. Default 0 (strictly increasing). */
  nonceWindow?: number;
  /** Starting balances by asset id or name ("ZUSD" or "USD"). Default: a demo account. */
  balances?: Record<string, string>;
  /** Verification tier for both rate limiters. Default starter. */
  tier?: KrakenTier;
  /** Overrides of the tier's numbers. */
  limits?: Partial<KrakenLimits>;
  /** ms clock for timestamps, rate-limit decay and token lifetime. Default Date.now. */
  now?: () => number;
  /** Serve https/wss with a fresh self-signed certificate (its PEM in `caPem`). Default plain http/ws. */
  tls?: boolean;
  /** Share (0..1) of executed order commands whose reply is lost (seeded); settable later on `faults`. Default 0. */
  loseReplyRate?: number;
}

export interface KrakenSim {
  /** REST base: http://127.0.0.1:P (paths /0/public/<M>, /0/private/<M>). */
  rest: string;
  /** Public WS v2: ws://127.0.0.1:P/v2. */
  ws: string;
  /** Private WS v2: the same server; private requests carry the token. */
  wsAuth: string;
  apiKey: string;
  apiSecret: string;
  /** With `tls`: the certificate a client must trust (it is its own root). */
  caPem?: string;
  market: Market;
  /** The verification tier the rate limits follow; the ready line tells the app. */
  tier: KrakenTier;
  faults: KrakenFaults;
  record: KrakenRecord;
  /**
   * Prints one market trade of a pair (v2 symbol or REST id) at `price` (decimal text): the
   * last price moves there at once, so a test can cross a trigger. Resting orders it reaches fill.
   */
  tradeAt(pair: string, price: string, qty?: string, side?: 'buy' | 'sell'): void;
  /** Sets a pair's status on the instrument channel (online, cancel_only, post_only, limit_only, maintenance…). */
  setPairStatus(symbol: string, status: string): void;
  /** Resting order ids at one price of a pair, first in the queue first. */
  queueAt(pair: string, side: 'buy' | 'sell', price: string): string[];
  close(): Promise<void>;
}

export { krakenMarketSymbols } from './pairs.js';

function clampRate(p: number): number {
  return Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : 0;
}

export async function startKrakenSim(opts: KrakenSimOptions = {}): Promise<KrakenSim> {
  const seed = opts.seed ?? 1;
  const now = opts.now ?? Date.now;
  const ownMarket = opts.market === undefined;
  const market = opts.market ?? new Market({ seed, symbols: krakenMarketSymbols(), now });
  const listed = new Set(market.symbols());
  const pairs = PAIRS.filter((p) => listed.has(p.symbol));
  if (pairs.length === 0) throw new Error('the market lists none of the Kraken pairs (use krakenMarketSymbols())');
  const dir = new PairDirectory(pairs, ASSETS);

  const demo = demoCredentials(seed);
  const apiKey = opts.apiKey ?? demo.apiKey;
  const apiSecret = opts.apiSecret ?? demo.apiSecret;
  if (Buffer.from(apiSecret, 'base64').length !== 64) throw new Error('apiSecret must be base64 of 64 bytes');
  const keys = new KeyRing();
  keys.add({ apiKey, apiSecret, nonceWindow: BigInt(opts.nonceWindow ?? 0) });

  const limits = new RateLimits({ ...TIER_LIMITS[opts.tier ?? 'starter'], ...opts.limits }, now);
  const ids = new IdMaker(seed);
  const tokens = new TokenBook(now);
  // Its own seeded stream: lost replies do not shift the ids or the book of a seeded run.
  const faultState = new FaultState(prng((seed * 40503 + 7) >>> 0));
  faultState.loseReplyRate = clampRate(opts.loseReplyRate ?? 0);
  const errors = new Map<string, number>();
  const record: KrakenRecord = {
    orders: new Map(),
    trades: [],
    nonces: keys.lastNonce,
    errors,
    restErrors: new Map(),
    wsErrors: new Map(),
    restCalls: new Map(),
    lostReplies: [],
    corruptedChecksums: [],
    restCounter: (key) => limits.restLevel(key),
    tradingCounter: (name) => limits.tradingLevel(dir.pair(name)?.id ?? dir.symbol(name)?.id ?? name),
    errorCount: (e) => errors.get(e) ?? 0,
  };
  // Seeded too, so a seeded run gives the same book.
  const bookRand = prng((seed * 2654435761) >>> 0);
  const exchange = new Exchange(dir, market, opts.balances ?? DEFAULT_BALANCES, limits, ids, record, now, bookRand);

  const rest = createRestHandler({ dir, market, exchange, keys, tokens, limits, faults: faultState, record, ids, now });
  const ws = createWsServer({ dir, market, exchange, tokens, limits, faults: faultState, record, now });
  const cert = opts.tls ? await makeLocalCertificate() : undefined;
  const server = cert ? createTlsServer({ key: cert.keyPem, cert: cert.certPem }, rest) : createServer(rest);
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/v2') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    ws.handleUpgrade(req, socket, head);
  });

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  // A wildcard bind is still reached on loopback.
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const hostPart = urlHost.includes(':') ? `[${urlHost}]` : urlHost;
  if (ownMarket) market.start();

  const faults: KrakenFaults = {
    dropSockets: () => ws.dropAll(),
    stall: (on) => {
      faultState.stalled = on;
    },
    corruptNextBookChecksum: (symbol) => {
      faultState.corruptBook.add(symbol ?? '*');
    },
    sendMalformed: () => ws.sendMalformed(),
    restUnavailable: (n) => {
      faultState.restUnavailable = n;
    },
    loseNextReply: (kind: LostReplyKind) => {
      faultState.loseReply.add(kind);
    },
    revokeTokens: () => tokens.revokeAll(),
    get loseReplyRate() {
      return faultState.loseReplyRate;
    },
    set loseReplyRate(p: number) {
      faultState.loseReplyRate = clampRate(p);
    },
  };

  let closed = false;
  return {
    rest: `${cert ? 'https' : 'http'}://${hostPart}:${port}`,
    ws: `${cert ? 'wss' : 'ws'}://${hostPart}:${port}/v2`,
    wsAuth: `${cert ? 'wss' : 'ws'}://${hostPart}:${port}/v2`,
    apiKey,
    apiSecret,
    ...(cert ? { caPem: cert.certPem } : {}),
    market,
    tier: opts.tier ?? 'starter',
    faults,
    record,
    tradeAt(pairName, price, qty = '0.0001', side = 'buy') {
      const pair = dir.symbol(pairName) ?? dir.pairs.find((p) => p.id === pairName);
      if (!pair) throw new Error(`unknown pair ${pairName}`);
      const p = parseScaled(price);
      const q = parseScaled(qty);
      exchange.tradeAt(pair, rescale(p.int, p.scale, pair.pairDecimals), rescale(q.int, q.scale, pair.lotDecimals), side);
    },
    setPairStatus(symbol, status) {
      ws.setPairStatus(symbol, status);
    },
    queueAt(pairName, side, price) {
      const pair = dir.symbol(pairName) ?? dir.pairs.find((p) => p.id === pairName);
      if (!pair) throw new Error(`unknown pair ${pairName}`);
      const p = parseScaled(price);
      return exchange.queueAt(pair.id, side, rescale(p.int, p.scale, pair.pairDecimals));
    },
    async close() {
      if (closed) return;
      closed = true;
      if (ownMarket) market.stop();
      exchange.close();
      await ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
