/**
 * T-Invest market-data hot path: CPU per candle from wire bytes to domain event in our adapter
 * versus the raw ceiling (grpc-js + proto-loader decoding the same messages), measured in the
 * same run; and the CPU share of one core while ingesting ~50k candles/s. Order path: our time
 * from a domain OrderRequest to the call handed to grpc-js.
 *
 * The streaming venue runs in a child process, so process.cpuUsage() here counts the client
 * only. It pre-encodes its candles (each a new period, so every candle is a domain event).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { dirname } from 'node:path';
import { Client, Metadata, credentials } from '@grpc/grpc-js';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import type { MessageTypeDefinition, MethodDefinition } from '@grpc/proto-loader';
import type { Candle, Instrument, OrderRequest } from '../common/domain.js';
import type { WireTap } from '../electron/net/wire-tap.js';
import type { VenueSink } from '../electron/venues/venue.js';
import { IGNORE_MARKET, SILENT_REPORTER } from '../electron/venues/venue.js';
import { createTInvestVenue } from '../electron/venues/tinvest/adapter.js';
import { CHANNEL_OPTIONS } from '../electron/venues/tinvest/channel.js';
import { PROTO_PACKAGE, SERVICES } from '../electron/venues/tinvest/constants.js';
import { candleProblem } from '../common/candle-sanity.js';
import { decodeMarketDataResponse } from '../electron/venues/tinvest/marketdata-decoder.js';
import { LOADER_OPTIONS, PROTO_FILES, findProtoDir, packageDefinition } from '../electron/venues/tinvest/proto.js';
import { OrderEntry } from '../electron/venues/tinvest/order-entry.js';
import type { PostOrderResponse } from '../electron/venues/tinvest/order-messages.js';
import { OrderIds } from '../electron/venues/tinvest/order-ids.js';
import { TInvestRpc } from '../electron/venues/tinvest/rpc.js';
import type { RpcChannel } from '../electron/venues/tinvest/rpc.js';
import { importBaseline } from './baseline.js';
import { cpuMicros, percentile } from './figures.js';
import type { Figure } from './figures.js';

const INSTRUMENTS = 10;
const uidOf = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const figiOf = (i: number): string => `BBGBENCH${String(i).padStart(4, '0')}`;

/**
 * The child venue speaks gRPC over node:http2 directly: unary answers for connect(), and a
 * MarketDataStream that writes pre-encoded candle frames many to a DATA write, so the venue
 * side costs next to nothing and cannot be what limits the client.
 */
const VENUE_JS = String.raw`
import http2 from 'node:http2';
import * as loader from '@grpc/proto-loader';
const env = process.env;
const P = '${PROTO_PACKAGE}.';
const pd = loader.loadSync(JSON.parse(env.BENCH_FILES), { ...JSON.parse(env.BENCH_LOADER), longs: String, includeDirs: [env.BENCH_PROTO_DIR] });
const T = (n) => pd[P + n];
const K = ${INSTRUMENTS};
const uid = (i) => '00000000-0000-4000-8000-' + String(i).padStart(12, '0');
const figi = (i) => 'BBGBENCH' + String(i).padStart(4, '0');
const frame = (payload) => { const h = Buffer.alloc(5); h.writeUInt32BE(payload.length, 1); return Buffer.concat([h, payload]); };
const shares = Array.from({ length: K }, (_, i) => ({ figi: figi(i), ticker: 'B' + i, classCode: 'TQBR', isin: 'RU' + i, lot: 10, currency: 'rub', name: 'bench ' + i, uid: uid(i), minPriceIncrement: { units: '0', nano: 10000000 }, apiTradeAvailableFlag: true, buyAvailableFlag: true, sellAvailableFlag: true }));
const unary = {
  ['/' + P + 'UsersService/GetAccounts']: frame(T('GetAccountsResponse').serialize({ accounts: [{ id: '1', name: 'bench' }] })),
  ['/' + P + 'InstrumentsService/Shares']: frame(T('SharesResponse').serialize({ instruments: shares })),
  ['/' + P + 'MarketDataService/GetCandles']: frame(T('GetCandlesResponse').serialize({ candles: [] })),
};
const Res = T('MarketDataResponse');
const Req = T('MarketDataRequest');
const total = Number(env.BENCH_TOTAL);
const rate = Number(env.BENCH_RATE);
const base = Math.floor(Date.now() / 60000) * 60 - 400 * 86400;
const q = (n) => ({ units: String(Math.floor(n / 100)), nano: (n % 100) * 10000000 });
// Every frame a new period, so every candle is an event all the way to the sink.
const frames = [];
for (let seq = 0; seq < total; seq++) {
  const i = seq % K;
  const t = base + Math.floor(seq / K) * 60;
  const p = 30000 + (seq % 997);
  frames.push(frame(Res.serialize({ candle: {
    figi: figi(i), interval: 1, open: q(p), high: q(p + 37), low: q(p - 41), close: q(p + 3),
    volume: String(1 + (seq % 5000)), time: { seconds: String(t), nanos: 0 }, lastTradeTs: { seconds: String(t + 59), nanos: 123000000 },
    instrumentUid: uid(i), ticker: 'B' + i, classCode: 'TQBR', volumeBuy: '7', volumeSell: '9', candleSourceType: 1,
  } })));
}
const OK = { ':status': 200, 'content-type': 'application/grpc' };
const server = http2.createServer();
server.on('stream', (stream, headers) => {
  const path = headers[':path'];
  stream.on('error', () => undefined);
  if (unary[path]) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      stream.respond(OK, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(unary[path]);
    });
    return;
  }
  // Calls the bench has no answer for (the instrument kinds connect() also loads) are refused,
  // as a venue without them would: they must not be read as market-data requests.
  if (path !== '/' + P + 'MarketDataStreamService/MarketDataStream') {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      stream.respond(OK, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '12', 'grpc-message': 'not in the bench venue' }));
      stream.end();
    });
    return;
  }
  stream.respond(OK, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  let pending = Buffer.alloc(0);
  let seq = 0;
  let started = false;
  let timer;
  const chunk = (n) => { const end = Math.min(total, seq + n); const b = Buffer.concat(frames.slice(seq, end)); seq = end; return b; };
  const burst = () => { while (seq < total && !stream.destroyed) { if (!stream.write(chunk(256))) { stream.once('drain', burst); return; } } };
  const handle = (req) => {
    if (req.payload === 'ping') {
      stream.write(frame(Res.serialize({ ping: { time: { seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 }, streamId: 's', pingRequestTime: req.ping.time } })));
    } else if (req.payload === 'subscribeCandlesRequest') {
      const subs = req.subscribeCandlesRequest.instruments.map((x) => { const i = Number(x.instrumentId.slice(-12)); return { figi: figi(i), interval: x.interval, subscriptionStatus: 1, instrumentUid: uid(i), streamId: 's', subscriptionId: 'sub' + i, subscriptionAction: 1 }; });
      stream.write(frame(Res.serialize({ subscribeCandlesResponse: { trackingId: 't', candlesSubscriptions: subs } })));
      if (started) return;
      started = true;
      if (rate > 0) timer = setInterval(() => { if (seq < total && !stream.destroyed) stream.write(chunk(rate / 100)); }, 10);
      else setImmediate(burst);
    }
  };
  stream.on('data', (d) => {
    pending = Buffer.concat([pending, d]);
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
      const len = pending.readUInt32BE(1);
      handle(Req.deserialize(pending.subarray(5, 5 + len)));
      pending = pending.subarray(5 + len);
    }
  });
  stream.on('end', () => { clearInterval(timer); if (!stream.destroyed) stream.end(); });
  stream.on('close', () => clearInterval(timer));
});
server.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + server.address().port + '\n'));
`;

interface ChildVenue {
  endpoint: string;
  child: ChildProcess;
}

async function startChildVenue(total: number, rate: number): Promise<ChildVenue> {
  const protoDir = findProtoDir();
  const child = spawn(process.execPath, ['--input-type=module', '-e', VENUE_JS], {
    cwd: dirname(protoDir),
    env: {
      ...process.env,
      BENCH_PROTO_DIR: protoDir,
      BENCH_FILES: JSON.stringify(PROTO_FILES),
      BENCH_LOADER: JSON.stringify({ keepCase: LOADER_OPTIONS.keepCase, enums: 'Number', defaults: true, oneofs: true }),
      BENCH_TOTAL: String(total),
      BENCH_RATE: String(rate),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`bench venue exited with ${code}`)));
  });
  return { endpoint: `127.0.0.1:${port}`, child };
}

function stopChild(v: ChildVenue): Promise<void> {
  return new Promise((resolve) => {
    if (v.child.exitCode !== null) return resolve();
    v.child.once('exit', () => resolve());
    v.child.kill();
  });
}

const quietReporter = SILENT_REPORTER;

/** Counts candles; resolves `until(n)` once n have arrived. */
class Counter {
  n = 0;
  private waiters: { at: number; resolve: () => void }[] = [];
  hit(): void {
    this.n++;
    if (this.waiters.length > 0 && this.n >= this.waiters[0]!.at) this.waiters.shift()!.resolve();
  }
  until(at: number): Promise<void> {
    if (this.n >= at) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ at, resolve }));
  }
}

type VenueFactory = typeof createTInvestVenue;

/** The adapter as it stood before issue 9 (no validation, no sanity), for the "before" figure. */
let beforeFactory: VenueFactory | undefined;
async function beforeVenue(): Promise<VenueFactory> {
  beforeFactory ??= (await importBaseline<{ createTInvestVenue: VenueFactory }>('electron/venues/tinvest/adapter.ts')).createTInvestVenue;
  return beforeFactory;
}

/** The adapter path: decoder → stream owner → gap tracker → sink, with watchdog and limiters live. */
function adapterRunOf(create: VenueFactory): (endpoint: string, measure: (c: Counter) => Promise<number>) => Promise<number> {
  return (endpoint, measure) => adapterRun(endpoint, measure, create);
}

async function adapterRun(endpoint: string, measure: (c: Counter) => Promise<number>, create: VenueFactory = createTInvestVenue, wire?: WireTap): Promise<number> {
  const counter = new Counter();
  let seen = 0;
  const sink: VenueSink = {
    candle: (c) => {
      seen += c.time;
      counter.hit();
    },
    order: () => undefined,
    subscriptionFailed: () => undefined,
    connection: () => quietReporter,
    ...IGNORE_MARKET,
  };
  const venue = create({ endpoint, token: 'bench', mode: 'demo', tls: false, sink, ...(wire ? { wire } : {}) });
  await venue.connect();
  for (let i = 0; i < INSTRUMENTS; i++) venue.subscribeCandles({ venue: 'tinvest', instrumentId: uidOf(i), interval: '1m' });
  try {
    return await measure(counter);
  } finally {
    void seen;
    await venue.close();
  }
}

/** The ceiling: plain grpc-js with proto-loader's deserializer, nothing done with the result. */
async function rawRun(endpoint: string, measure: (c: Counter) => Promise<number>): Promise<number> {
  const pd = packageDefinition();
  const def = (pd[`${PROTO_PACKAGE}.${SERVICES.marketDataStream}`] as Record<string, MethodDefinition<object, object>>).MarketDataStream!;
  const client = new Client(endpoint, credentials.createInsecure(), CHANNEL_OPTIONS);
  const counter = new Counter();
  const call: ClientDuplexStream<object, object> = client.makeBidiStreamRequest(def.path, def.requestSerialize, def.responseDeserialize);
  call.on('data', () => counter.hit());
  call.on('error', () => undefined);
  call.write({ subscribeCandlesRequest: { subscriptionAction: 1, instruments: Array.from({ length: INSTRUMENTS }, (_, i) => ({ instrumentId: uidOf(i), interval: 1 })) } });
  try {
    return await measure(counter);
  } finally {
    call.cancel();
    client.close();
  }
}

const WARMUP = 20_000;

/** µs of CPU per candle over `n` candles after a warm-up. */
function perCandle(n: number): (c: Counter) => Promise<number> {
  return async (c) => {
    await c.until(WARMUP);
    const from = c.n;
    const us = await cpuMicros(() => c.until(from + n));
    return us / (c.n - from);
  };
}

/** CPU % of one core over `ms` of wall time. */
function cpuShare(ms: number): (c: Counter) => Promise<number> {
  return async (c) => {
    await c.until(5_000);
    const t0 = process.hrtime.bigint();
    const us = await cpuMicros(() => new Promise<void>((r) => setTimeout(r, ms)));
    const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
    return (100 * us) / wallUs;
  };
}

async function overLoopback(run: (endpoint: string, measure: (c: Counter) => Promise<number>) => Promise<number>, total: number, rate: number, measure: (c: Counter) => Promise<number>): Promise<number> {
  const v = await startChildVenue(total, rate);
  try {
    return await run(v.endpoint, measure);
  } finally {
    await stopChild(v);
  }
}

/**
 * The adapter's candle path over loopback for other benches (bench/inspector.ts): one child venue
 * serves every run (each stream starts its frames from the first), a fresh adapter per run with
 * `wire` as its tap. A run answers µs of CPU per candle over `candles` after the warm-up.
 */
export async function startCandleLoopback(candles: number): Promise<{ run(wire: WireTap | undefined): Promise<number>; close(): Promise<void> }> {
  const v = await startChildVenue(WARMUP + candles + 10_000, 0);
  return {
    run: (wire) => adapterRun(v.endpoint, perCandle(candles), createTInvestVenue, wire),
    close: () => stopChild(v),
  };
}

type Decoder = typeof decodeMarketDataResponse;

/** Same buffers, decode only: our decoder + domain candle (+ sanity) vs the decoder before issue 9 vs proto-loader's deserializer. */
function decodeOnly(before: Decoder): { ours: number; before: number; raw: number } {
  const pd = packageDefinition();
  const Res = pd[`${PROTO_PACKAGE}.MarketDataResponse`] as MessageTypeDefinition<object, object>;
  const frames: Buffer[] = [];
  for (let seq = 0; seq < 5_000; seq++) {
    const i = seq % INSTRUMENTS;
    const p = 30_000 + (seq % 997);
    const q = (n: number): { units: string; nano: number } => ({ units: String(Math.floor(n / 100)), nano: (n % 100) * 10_000_000 });
    frames.push(
      Res.serialize({
        candle: {
          figi: figiOf(i),
          interval: 1,
          open: q(p),
          high: q(p + 37),
          low: q(p - 41),
          close: q(p + 3),
          volume: String(1 + seq),
          time: { seconds: String(1_700_000_000 + seq * 60), nanos: 0 },
          lastTradeTs: { seconds: String(1_700_000_000 + seq * 60 + 59), nanos: 0 },
          instrumentUid: uidOf(i),
          ticker: `B${i}`,
          classCode: 'TQBR',
          candleSourceType: 1,
        },
      }),
    );
  }
  const keys = new Map<string, { instrumentId: string }>();
  for (let i = 0; i < INSTRUMENTS; i++) keys.set(uidOf(i), { instrumentId: uidOf(i) });
  let sinkhole = 0;
  const nowMs = Date.now();
  const ours = (): void => {
    for (const f of frames) {
      const m = decodeMarketDataResponse(f);
      if (m.kind !== 'candle') continue;
      const k = keys.get(m.instrumentUid);
      if (!k) continue;
      const c: Candle = { venue: 'tinvest', instrumentId: k.instrumentId, interval: '1m', time: m.time, open: m.open, high: m.high, low: m.low, close: m.close, volume: m.volume };
      if (candleProblem(c, { nowMs }) !== undefined) continue;
      sinkhole += c.time;
    }
  };
  const old = (): void => {
    for (const f of frames) {
      const m = before(f);
      if (m.kind !== 'candle') continue;
      const k = keys.get(m.instrumentUid);
      if (!k) continue;
      const c: Candle = { venue: 'tinvest', instrumentId: k.instrumentId, interval: '1m', time: m.time, open: m.open, high: m.high, low: m.low, close: m.close, volume: m.volume };
      sinkhole += c.time;
    }
  };
  const raw = (): void => {
    for (const f of frames) sinkhole += Object.keys(Res.deserialize(f)).length;
  };
  const rounds = 20;
  for (let i = 0; i < 4; i++) {
    ours();
    old();
    raw();
  }
  let bestOurs = Infinity;
  let bestOld = Infinity;
  let bestRaw = Infinity;
  for (let r = 0; r < 3; r++) {
    bestRaw = Math.min(bestRaw, cpuMicrosSync(() => { for (let i = 0; i < rounds; i++) raw(); }));
    bestOld = Math.min(bestOld, cpuMicrosSync(() => { for (let i = 0; i < rounds; i++) old(); }));
    bestOurs = Math.min(bestOurs, cpuMicrosSync(() => { for (let i = 0; i < rounds; i++) ours(); }));
  }
  void sinkhole;
  const n = rounds * frames.length;
  return { ours: bestOurs / n, before: bestOld / n, raw: bestRaw / n };
}

function cpuMicrosSync(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const d = process.cpuUsage(before);
  return d.user + d.system;
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/**
 * Our part of placing an order: instrument checks, the client key, building the PostOrder
 * request, the pending event, breaker and limiter admission, metadata, and the protobuf encoding
 * — up to the moment grpc-js would take the call. A stub client stands in for grpc-js: it
 * encodes the request, notes the time, and answers on a later turn (outside the measurement)
 * with headers that leave the limiter room.
 */
export async function orderPath(): Promise<{ p50: number; p99: number }> {
  let handedAt = 0n;
  const headers = new Metadata();
  headers.set('x-ratelimit-limit', '1000000000, 1000000000;w=60');
  headers.set('x-ratelimit-remaining', '999999999');
  headers.set('x-ratelimit-reset', '60');
  let sinkhole = 0;
  const client = {
    makeUnaryRequest(
      _path: string,
      serialize: (req: unknown) => Buffer,
      _deserialize: unknown,
      req: { orderId: string },
      metadata: Metadata,
      _options: unknown,
      callback: (err: null, res: PostOrderResponse) => void,
    ): EventEmitter & { cancel(): void } {
      sinkhole += serialize(req).length + metadata.get('authorization').length;
      handedAt = process.hrtime.bigint();
      const call = Object.assign(new EventEmitter(), { cancel: () => undefined });
      setImmediate(() => {
        callback(null, {
          orderId: req.orderId,
          executionReportStatus: 4,
          lotsRequested: '1',
          lotsExecuted: '0',
          executedOrderPrice: null,
          initialSecurityPrice: null,
          direction: 1,
          orderType: 1,
          message: '',
          instrumentUid: '',
          orderRequestId: req.orderId,
          responseMetadata: null,
        });
        call.emit('status', { code: 0, details: '', metadata: headers });
      });
      return call;
    },
  };
  const channel: RpcChannel = {
    client: client as unknown as RpcChannel['client'],
    metadata: () => {
      const md = new Metadata();
      md.set('authorization', 'Bearer bench');
      md.set('x-app-name', 'switchboard.bench');
      return md;
    },
  };
  const inst: Instrument = {
    venue: 'tinvest',
    id: uidOf(0),
    symbol: 'SBER',
    name: 'bench',
    currency: 'rub',
    priceStep: '0.01',
    qtyStep: '1',
    lotSize: '10',
    qtyUnit: 'lot',
    minQty: '1',
    tradable: true,
    codes: {},
  };
  const request = (i: number): OrderRequest => ({
    venue: 'tinvest',
    accountId: '2000000001',
    instrumentId: inst.id,
    side: i % 2 === 0 ? 'buy' : 'sell',
    type: 'limit',
    quantity: String(1 + (i % 7)),
    price: `${300 + (i % 50)}.${String(i % 100).padStart(2, '0')}`,
    clientOrderId: randomUUID(),
  });
  /** One session's worth of orders through a fresh entry: µs per order, sorted. */
  const session = async (n: number): Promise<number[]> => {
    // Diagnostics wired as the adapter wires them: headroom and breaker states to a reporter.
    const rpc: TInvestRpc = new TInvestRpc({
      channel,
      onHealth: () => {
        quietReporter.limiters(rpc.limiters());
        quietReporter.breakers(rpc.breakers());
      },
    });
    const entry = new OrderEntry({ rpc, ids: new OrderIds(), report: () => undefined, instrument: async () => inst, reporter: quietReporter, now: Date.now });
    const reqs = Array.from({ length: n }, (_, i) => request(i));
    const us: number[] = [];
    for (const req of reqs) {
      const t0 = process.hrtime.bigint();
      // Everything up to the hand-over runs in this turn and its microtasks; the answer comes later.
      await entry.place(req);
      us.push(Number(handedAt - t0) / 1000);
    }
    entry.close();
    rpc.close();
    return us.sort((a, b) => a - b);
  };
  await session(3_000); // warm-up
  // The machine is shared: the best of several rounds is the one least disturbed by others.
  let p50 = Infinity;
  let p99 = Infinity;
  for (let r = 0; r < 8; r++) {
    const us = await session(3_000);
    p50 = Math.min(p50, percentile(us, 50));
    p99 = Math.min(p99, percentile(us, 99));
  }
  void sinkhole;
  return { p50, p99 };
}

export async function runTInvestBench(): Promise<Figure[]> {
  const order = await orderPath();
  const beforeDecoder = (await importBaseline<{ decodeMarketDataResponse: Decoder }>('electron/venues/tinvest/marketdata-decoder.ts')).decodeMarketDataResponse;
  const decode = decodeOnly(beforeDecoder);
  const beforeRun = adapterRunOf(await beforeVenue());

  // Loopback: best of five rounds each, since the machine is shared. The same
  // child venue program and frames serve the raw client, the adapter before issue 9 and ours.
  const N = 150_000;
  let ours = Infinity;
  let before = Infinity;
  let raw = Infinity;
  // Five rounds, the order rotated each round, so neither side always runs first or last.
  const sides: (() => Promise<void>)[] = [
    async () => void (raw = Math.min(raw, await overLoopback(rawRun, WARMUP + N + 10_000, 0, perCandle(N)))),
    async () => void (before = Math.min(before, await overLoopback(beforeRun, WARMUP + N + 10_000, 0, perCandle(N)))),
    async () => void (ours = Math.min(ours, await overLoopback(adapterRun, WARMUP + N + 10_000, 0, perCandle(N)))),
  ];
  for (let r = 0; r < 5; r++) {
    for (let i = 0; i < sides.length; i++) await sides[(r + i) % sides.length]!();
  }

  const RATE = 50_000;
  const WINDOW_MS = 3_000;
  const total = RATE * 4;
  const rawPct = await overLoopback(rawRun, total, RATE, cpuShare(WINDOW_MS));
  const oursPct = await overLoopback(adapterRun, total, RATE, cpuShare(WINDOW_MS));

  return [
    { name: 'tinvest order path p50, OrderRequest → grpc-js call', value: round(order.p50), unit: 'µs', target: 'p99 ≤ 20 µs' },
    { name: 'tinvest order path p99, OrderRequest → grpc-js call', value: round(order.p99), unit: 'µs', target: '≤ 20 µs' },
    {
      name: 'tinvest candle decode, same buffers (ours: bytes → domain candle)',
      value: round(decode.ours),
      unit: 'µs/candle',
      ceiling: round(decode.raw),
      target: '≤ 0.9× ceiling (proto-loader deserialize)',
    },
    {
      name: 'tinvest candle decode before issue 9 (a6bb836), same buffers',
      value: round(decode.before),
      unit: 'µs/candle',
      ceiling: round(decode.raw),
    },
    {
      name: 'tinvest candle decode + validation: after / before',
      value: round(decode.ours / decode.before),
      unit: '×',
      target: '≤ 1.05× before',
    },
    {
      name: 'tinvest candle over loopback gRPC, wire → sink (adapter, validation on)',
      value: round(ours),
      unit: 'µs CPU/candle',
      ceiling: round(raw),
      target: '≤ 0.9× ceiling (grpc-js + proto-loader)',
    },
    {
      name: 'tinvest candle over loopback gRPC, wire → sink (adapter as of a6bb836)',
      value: round(before),
      unit: 'µs CPU/candle',
      ceiling: round(raw),
    },
    {
      name: 'tinvest candle over loopback: after / before',
      value: round(ours / before),
      unit: '×',
      target: '≤ 1.05× before (a6bb836, same run, same frames)',
    },
    {
      name: 'tinvest ingest 50k candles/s, watchdog + limiter + gap tracking on',
      value: round(oursPct, 1),
      unit: '% of one core',
      ceiling: round(rawPct, 1),
      target: '≤ ceiling (raw grpc-js + proto-loader)',
    },
  ];
}
