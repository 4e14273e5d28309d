/**
 * Kraken WS v2 hot path: CPU µs per message for ohlc and for book (every checksum
 * verified) through the adapter with every frame validated, beside the same adapter as of
 * a6bb836 (before validation, bench/baseline.ts) and the raw ceiling (a `ws` client doing
 * JSON.parse of the same frames), all measured in the same run on the same frames. The book
 * also runs as the app takes it since issue 12 (a held book key → sink.book), beside the
 * listener path as of 966d7a8, just before that work. A child
 * process replays pre-built frames over loopback, so process.cpuUsage() here counts only the
 * receiving side.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import WebSocket from 'ws';
import { createKrakenVenue } from '../electron/venues/kraken/adapter.js';
import type { WireTap } from '../electron/net/wire-tap.js';
import { baselineTree, importBaseline } from './baseline.js';
import type { VenueSink } from '../electron/venues/venue.js';
import { IGNORE_MARKET, SILENT_REPORTER } from '../electron/venues/venue.js';
import { cpuMicros } from './figures.js';
import type { Figure } from './figures.js';
import { prng as rand } from '../sim/market.js';

const MESSAGES = 20_000;
/** main before books reached the sink (issue 12): the listener path's figure to hold the new one against. */
const BEFORE_MARKET_DATA = '966d7a8';

/** The baseline tree of `commit` with its common/ too (the archive takes electron/sim/proto; since common/ exists, the adapter imports it). */
function withCommon(commit: string): string {
  const dir = baselineTree(commit);
  if (!existsSync(join(dir, 'common'))) {
    const tar = execFileSync('git', ['archive', '--format=tar', commit, 'common'], { maxBuffer: 64 << 20 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
  }
  return commit;
}
const ROUNDS = 9;

// The replay server: HTTP AssetPairs for the adapter's connect, WS /v2 that acks each
// subscribe and then sends every frame of that channel as fast as the socket takes them.
const SERVER = `
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { WebSocketServer } from 'ws';
const frames = JSON.parse(readFileSync(process.argv[1], 'utf8'));
const pairs = { XXBTZUSD: { altname: 'XBTUSD', wsname: 'XBT/USD', base: 'XXBT', quote: 'ZUSD', pair_decimals: 1, lot_decimals: 8, ordermin: '0.0001', tick_size: '0.1', status: 'online' } };
const http = createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.url.startsWith('/0/public/AssetPairs')) res.end(JSON.stringify({ error: [], result: pairs }));
  else res.end(JSON.stringify({ error: ['EGeneral:Unknown method'] }));
});
const wss = new WebSocketServer({ noServer: true });
http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws)));
wss.on('connection', (ws) => {
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.method === 'ping') return ws.send(JSON.stringify({ method: 'pong', req_id: m.req_id }));
    if (m.method !== 'subscribe') return;
    const ch = m.params.channel;
    const result = { channel: ch, symbol: 'BTC/USD' };
    if (ch === 'ohlc') result.interval = m.params.interval;
    if (ch === 'book') result.depth = m.params.depth;
    ws.send(JSON.stringify({ method: 'subscribe', result, success: true, req_id: m.req_id }));
    for (const f of frames[ch]) ws.send(f);
  });
});
http.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + http.address().port + '\\n'));
`;

function fixed(int: bigint, scale: number): string {
  const s = int.toString().padStart(scale + 1, '0');
  return `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
}


/** ohlc updates of BTC/USD, 1 m: trade counts rise so every one is news to the adapter. */
export function ohlcFrames(n: number): string[] {
  const r = rand(1);
  const out: string[] = [];
  const t0 = Date.UTC(2024, 0, 2, 0, 0) / 1000;
  let price = 642_500n;
  for (let i = 0; i < n; i++) {
    const begin = t0 + Math.floor(i / 100) * 60;
    price += BigInt(Math.floor(r() * 21) - 10);
    const iso = new Date(begin * 1000).toISOString().slice(0, 19);
    const vol = BigInt(1 + (i % 100)) * 1_234_567n;
    out.push(
      `{"channel":"ohlc","type":"update","timestamp":"${iso}.123456Z","data":[{"symbol":"BTC/USD","open":${fixed(price - 5n, 1)},"high":${fixed(price + 7n, 1)},"low":${fixed(price - 9n, 1)},"close":${fixed(price, 1)},"trades":${1 + (i % 100)},"volume":${fixed(vol, 8)},"vwap":${fixed(price - 1n, 1)},"interval_begin":"${iso}.000000000Z","interval":1,"timestamp":"${new Date((begin + 60) * 1000).toISOString().slice(0, 19)}.000000Z"}]}`,
    );
  }
  return out;
}

type Side = Map<bigint, bigint>;

/** Kraken's checksum, written here independently of the adapter (zlib CRC32). */
function checksum(asks: Side, bids: Side): number {
  const part = (s: Side, desc: boolean): string =>
    [...s.entries()]
      .sort((a, b) => (desc ? Number(b[0] - a[0]) : Number(a[0] - b[0])))
      .slice(0, 10)
      .map(([p, q]) => `${p}${q}`)
      .join('');
  return crc32(part(asks, false) + part(bids, true)) >>> 0;
}

/** A depth-10 book: one snapshot, then updates of 1–3 level changes, each with its checksum. */
export function bookFrames(n: number): string[] {
  const r = rand(2);
  const asks: Side = new Map();
  const bids: Side = new Map();
  const qty = (): bigint => BigInt(1 + Math.floor(r() * 150_000_000));
  for (let i = 0; i < 10; i++) {
    asks.set(642_510n + BigInt(i * 3), qty());
    bids.set(642_500n - BigInt(i * 3), qty());
  }
  const lv = (p: bigint, q: bigint): string => `{"price":${fixed(p, 1)},"qty":${fixed(q, 8)}}`;
  const sorted = (s: Side, desc: boolean): bigint[] => [...s.keys()].sort((a, b) => (desc ? Number(b - a) : Number(a - b)));
  const ts = '2024-01-02T00:00:00.123456Z';
  const out: string[] = [];
  out.push(
    `{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[${sorted(bids, true).map((p) => lv(p, bids.get(p)!)).join(',')}],"asks":[${sorted(asks, false).map((p) => lv(p, asks.get(p)!)).join(',')}],"checksum":${checksum(asks, bids)},"timestamp":"${ts}"}]}`,
  );
  for (let i = 1; i < n; i++) {
    const ch: { bids: string[]; asks: string[] } = { bids: [], asks: [] };
    const changes = 1 + Math.floor(r() * 3);
    for (let c = 0; c < changes; c++) {
      const isAsk = r() < 0.5;
      const side = isAsk ? asks : bids;
      const out10 = isAsk ? ch.asks : ch.bids;
      const keys = sorted(side, !isAsk);
      const pick = keys[Math.floor(r() * keys.length)]!;
      const roll = r();
      if (roll < 0.6) {
        const q = qty();
        side.set(pick, q);
        out10.push(lv(pick, q));
      } else {
        // Delete one level and bring another into view, as Kraken does within the depth.
        side.delete(pick);
        out10.push(lv(pick, 0n));
        const worst = keys[keys.length - 1]!;
        const fresh = isAsk ? worst + 1n + BigInt(Math.floor(r() * 3)) : worst - 1n - BigInt(Math.floor(r() * 3));
        if (!side.has(fresh)) {
          const q = qty();
          side.set(fresh, q);
          out10.push(lv(fresh, q));
        } else {
          // The fresh price is taken: put the deleted level back instead, so the depth stays 10.
          const q = qty();
          side.set(pick, q);
          out10.push(lv(pick, q));
        }
      }
    }
    // Keep exactly 10 per side so the depth-10 client and this model agree.
    for (const [side, desc] of [[asks, false], [bids, true]] as const) {
      const keys = sorted(side, desc);
      for (const k of keys.slice(10)) side.delete(k);
      while (side.size < 10) {
        const last = sorted(side, desc).at(-1)!;
        const p = desc ? last - 2n : last + 2n;
        const q = qty();
        side.set(p, q);
        (desc ? ch.bids : ch.asks).push(lv(p, q));
      }
    }
    out.push(`{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[${ch.bids.join(',')}],"asks":[${ch.asks.join(',')}],"checksum":${checksum(asks, bids)},"timestamp":"${ts}"}]}`);
  }
  return out;
}

export async function startServer(file: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER, file], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`replay server exited (${code})`)));
  });
  return { child, port };
}

/** Raw ceiling: a ws client that JSON.parses every frame of one channel. */
async function rawRun(url: string, channel: 'ohlc' | 'book', n: number): Promise<number> {
  let cpu = 0;
  await new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let got = 0;
    let before: NodeJS.CpuUsage | undefined;
    ws.on('open', () => {
      before = process.cpuUsage();
      ws.send(JSON.stringify({ method: 'subscribe', params: { channel, symbol: ['BTC/USD'], ...(channel === 'ohlc' ? { interval: 1 } : { depth: 10 }) }, req_id: 1 }));
    });
    ws.on('message', (d: WebSocket.RawData) => {
      const m = JSON.parse(d.toString()) as { channel?: string };
      if (m.channel !== channel) return;
      if (++got === n) {
        const u = process.cpuUsage(before);
        cpu = u.user + u.system;
        ws.terminate();
        resolve();
      }
    });
    ws.on('error', reject);
  });
  return cpu / n;
}

const quietReporter = SILENT_REPORTER;

export type CreateVenue = typeof createKrakenVenue;

/**
 * The adapter path: createKrakenVenue → WS → parse → candles / checked book → sink / listener.
 * 'book-sink' holds a depth-10 book key instead of a listener: verified messages become an
 * OrderBook for sink.book, one per socket read (the path the app's ladder takes since issue 12).
 */
export async function adapterRun(create: CreateVenue, port: number, channel: 'ohlc' | 'book' | 'book-sink', n: number, stateDir: string, wire?: WireTap): Promise<number> {
  let got = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  let failures = 0;
  const sink: VenueSink = {
    candle: () => {
      if (channel === 'ohlc' && ++got === n) done();
    },
    order: () => undefined,
    subscriptionFailed: () => undefined,
    connection: () => quietReporter,
    ...IGNORE_MARKET,
    // Books come once per socket read, not per frame (the adapter coalesces within a turn):
    // done when the adapter has verified n frames, failed when any checksum did not match.
    book: (b) => {
      failures = b.health.failures;
      if (channel === 'book-sink' && b.health.verified >= n && got === 0) {
        got = n;
        done();
      }
    },
  };
  const venue = create({ rest: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/v2`, wsAuth: `ws://127.0.0.1:${port}/v2`, mode: 'demo', sink, stateDir, ...(wire ? { wire } : {}) });
  await venue.connect();
  const cpu = await cpuMicros(async () => {
    if (channel === 'ohlc') venue.subscribeCandles({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m' });
    else if (channel === 'book-sink') venue.subscribeMarket({ venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'book', depth: 10 });
    else
      venue.subscribeBook('BTC/USD', 10, (e) => {
        if (e.type === 'reset') failures++;
        else if (++got === n) done();
      });
    await finished;
  });
  await venue.close();
  if (failures > 0) throw new Error(`bench book failed its checksum ${failures} times`);
  return cpu / n;
}

/** Runs after and before in an order that alternates by round, so neither always goes second. */
async function pair(round: number, after: () => Promise<number>, before: () => Promise<number>): Promise<[number, number]> {
  if (round % 2 === 0) {
    const a = await after();
    return [a, await before()];
  }
  const b = await before();
  return [await after(), b];
}

export async function runKrakenBench(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kraken-bench-'));
  const file = join(dir, 'frames.json');
  writeFileSync(file, JSON.stringify({ ohlc: ohlcFrames(MESSAGES), book: bookFrames(MESSAGES) }));
  const { child, port } = await startServer(file);
  const url = `ws://127.0.0.1:${port}/v2`;
  const before = (await importBaseline<{ createKrakenVenue: CreateVenue }>('electron/venues/kraken/adapter.ts')).createKrakenVenue;
  const previous = (await importBaseline<{ createKrakenVenue: CreateVenue }>('electron/venues/kraken/adapter.ts', withCommon(BEFORE_MARKET_DATA))).createKrakenVenue;
  const runs: { rawOhlc: number; ohlc: number; ohlcBefore: number; rawBook: number; book: number; bookBefore: number; bookSink: number; bookPrevious: number }[] = [];
  try {
    // Round 0 warms the JIT on every path. Each later round measures raw, before and after
    // back to back (before/after alternating who goes first), so a ratio compares like with
    // like on a busy machine; medians over rounds.
    for (let round = 0; round <= ROUNDS; round++) {
      const rawOhlc = await rawRun(url, 'ohlc', MESSAGES);
      const [ohlc, ohlcBefore] = await pair(round, () => adapterRun(createKrakenVenue, port, 'ohlc', MESSAGES, dir), () => adapterRun(before, port, 'ohlc', MESSAGES, dir));
      const rawBook = await rawRun(url, 'book', MESSAGES);
      const [book, bookBefore] = await pair(round, () => adapterRun(createKrakenVenue, port, 'book', MESSAGES, dir), () => adapterRun(before, port, 'book', MESSAGES, dir));
      const [bookSink, bookPrevious] = await pair(round, () => adapterRun(createKrakenVenue, port, 'book-sink', MESSAGES, dir), () => adapterRun(previous, port, 'book', MESSAGES, dir));
      if (round > 0) runs.push({ rawOhlc, ohlc, ohlcBefore, rawBook, book, bookBefore, bookSink, bookPrevious });
    }
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  const r = (x: number): number => Math.round(x * 100) / 100;
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const m = (f: (x: (typeof runs)[number]) => number): number => r(median(runs.map(f)));
  return [
    { name: 'kraken ws ohlc: adapter CPU per message, validated', value: m((x) => x.ohlc), unit: 'µs', ceiling: m((x) => x.rawOhlc), target: '≤ 1.5× ceiling' },
    { name: 'kraken ws ohlc: adapter CPU per message, a6bb836', value: m((x) => x.ohlcBefore), unit: 'µs', ceiling: m((x) => x.rawOhlc) },
    { name: 'kraken ws book 10 + checksum: CPU per message, validated', value: m((x) => x.book), unit: 'µs', ceiling: m((x) => x.rawBook), target: '≤ 2.2× ceiling' },
    { name: 'kraken ws book 10 + checksum: CPU per message, a6bb836', value: m((x) => x.bookBefore), unit: 'µs', ceiling: m((x) => x.rawBook) },
    { name: 'kraken ws book 10 + checksum → sink.book: CPU per message', value: m((x) => x.bookSink), unit: 'µs', ceiling: m((x) => x.rawBook), target: '≤ 2.5× ceiling' },
    { name: `kraken ws book 10 + checksum: CPU per message, ${BEFORE_MARKET_DATA} (before sink.book)`, value: m((x) => x.bookPrevious), unit: 'µs', ceiling: m((x) => x.rawBook) },
    { name: `kraken ws book listener: now / ${BEFORE_MARKET_DATA} (median)`, value: m((x) => x.book / x.bookPrevious), unit: '×', target: '≤ 1.05' },
    // Issue 12: delivering books to the ladder costs no more per message than the book did before.
    { name: `kraken ws book → sink.book / listener at ${BEFORE_MARKET_DATA} (median)`, value: m((x) => x.bookSink / x.bookPrevious), unit: '×', target: '≤ 1.05' },
    { name: 'kraken ws ohlc: validated / a6bb836 (median of rounds)', value: m((x) => x.ohlc / x.ohlcBefore), unit: '×', target: '≤ 1.05' },
    { name: 'kraken ws book + checksum: validated / a6bb836 (median)', value: m((x) => x.book / x.bookBefore), unit: '×', target: '≤ 1.05' },
    { name: 'kraken ws ohlc: adapter / raw (median of rounds)', value: m((x) => x.ohlc / x.rawOhlc), unit: '×', target: '≤ 1.5' },
    { name: 'kraken ws book + checksum: adapter / raw (median of rounds)', value: m((x) => x.book / x.rawBook), unit: '×', target: '≤ 2.2' },
  ];
}
