import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Market } from '../../../sim/market.js';
import { bookChecksum, checksumInput } from '../../../sim/kraken/checksum.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { WsProbe, publicGet } from './clients.js';
import type { Frame } from './clients.js';

// Kraken's worked example (venue doc §4.4), expected checksum 3310070434.
const ASKS = [
  ['45285.2', '0.00100000'], ['45286.4', '1.54571953'], ['45286.6', '1.54571109'], ['45289.6', '1.54560911'], ['45290.2', '0.15890660'],
  ['45291.8', '1.54553491'], ['45294.7', '0.04454749'], ['45296.1', '0.35380000'], ['45297.5', '0.09945542'], ['45299.5', '0.18772827'],
] as const;
const BIDS = [
  ['45283.5', '0.10000000'], ['45283.4', '1.54582015'], ['45282.1', '0.10000000'], ['45281.0', '0.10000000'], ['45280.3', '1.54592586'],
  ['45279.0', '0.07990000'], ['45277.6', '0.03310103'], ['45277.5', '0.30000000'], ['45277.3', '1.54602737'], ['45276.6', '0.15445238'],
] as const;

/** CRC-32 (IEEE, reflected 0xEDB88320), bit by bit: an implementation independent of the sim's. */
function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'ascii')) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function strip(s: string): string {
  return s.replace('.', '').replace(/^0+/, '');
}

interface LocalBook {
  depth: number;
  asks: Map<string, string>;
  bids: Map<string, string>;
}

/** Orders price text numerically without floats. */
function cmpDec(a: string, b: string): number {
  const [ai = '', af = ''] = a.split('.');
  const [bi = '', bf = ''] = b.split('.');
  if (ai.length !== bi.length) return ai.length - bi.length;
  const x = ai + af.padEnd(12, '0');
  const y = bi + bf.padEnd(12, '0');
  return x < y ? -1 : x > y ? 1 : 0;
}

function sorted(side: Map<string, string>, desc: boolean): [string, string][] {
  return [...side.entries()].sort((a, b) => (desc ? -cmpDec(a[0], b[0]) : cmpDec(a[0], b[0])));
}

function localChecksum(b: LocalBook): number {
  let s = '';
  for (const [p, q] of sorted(b.asks, false).slice(0, 10)) s += strip(p) + strip(q);
  for (const [p, q] of sorted(b.bids, true).slice(0, 10)) s += strip(p) + strip(q);
  return crc32(s);
}

/** Reads a book frame keeping the exact number text of prices and sizes. */
function bookData(f: Frame): { symbol: string; checksum: number; asks: { price: string; qty: string }[]; bids: { price: string; qty: string }[] } {
  const quoted = f.raw.replace(/"(price|qty)":(-?[0-9.]+)/g, '"$1":"$2"');
  const msg = JSON.parse(quoted) as { data: { symbol: string; checksum: number; asks: { price: string; qty: string }[]; bids: { price: string; qty: string }[] }[] };
  const d = msg.data[0];
  if (!d) throw new Error('book frame without data');
  return d;
}

function apply(b: LocalBook, f: Frame): void {
  const d = bookData(f);
  for (const [key, levels, desc] of [['asks', d.asks, false], ['bids', d.bids, true]] as const) {
    const side = b[key];
    for (const l of levels) {
      if (/^0(\.0+)?$/.test(l.qty)) side.delete(l.price);
      else side.set(l.price, l.qty);
    }
    // Kraken sends no delete for levels pushed past the depth: cut them here.
    const keep = sorted(side, desc).slice(0, b.depth);
    side.clear();
    for (const [p, q] of keep) side.set(p, q);
  }
}

describe('Kraken book checksum', () => {
  it('gives the official known answer 3310070434 on Kraken\'s example', () => {
    const asks = ASKS.map(([price, qty]) => ({ price, qty }));
    const bids = BIDS.map(([price, qty]) => ({ price, qty }));
    expect(checksumInput(asks, bids).startsWith('452852100000452864154571953')).toBe(true);
    expect(checksumInput(asks, bids)).toHaveLength(281);
    expect(bookChecksum(asks, bids)).toBe(3310070434);
    expect(crc32(checksumInput(asks, bids))).toBe(3310070434);
  });
});

describe('Kraken sim WS book', () => {
  let sim: KrakenSim;
  let market: Market;
  let clock = Date.UTC(2025, 4, 14, 9, 0, 0);
  const now = (): number => clock;

  beforeAll(async () => {
    market = new Market({ seed: 21, symbols: krakenMarketSymbols(), now, historySeconds: 3600 });
    sim = await startKrakenSim({ seed: 21, market, now });
  });
  afterAll(() => sim.close());

  const step = (seconds: number): void => {
    clock += seconds * 1000;
    market.advance();
  };

  it('keeps instrument precisions equal to AssetPairs pair_decimals and lot_decimals', async () => {
    const p = await WsProbe.open(sim.ws);
    p.send({ method: 'subscribe', params: { channel: 'instrument' }, req_id: 1 });
    const f = await p.waitFor((x) => x.json?.['channel'] === 'instrument');
    const pairs = (f.json?.['data'] as { pairs: { symbol: string; price_precision: number; qty_precision: number; price_increment: number }[] }).pairs;
    const ap = (await publicGet(sim.rest, 'AssetPairs')).result as Record<string, { wsname: string; pair_decimals: number; lot_decimals: number; tick_size: string; altname: string }>;
    expect(pairs.length).toBe(Object.keys(ap).length);
    const bySymbol = new Map(pairs.map((x) => [x.symbol, x]));
    const v2 = { XXBTZUSD: 'BTC/USD', XETHZUSD: 'ETH/USD', SOLUSD: 'SOL/USD', XDGUSD: 'DOGE/USD', ADAUSD: 'ADA/USD', XETHXXBT: 'ETH/BTC' } as Record<string, string>;
    for (const [id, info] of Object.entries(ap)) {
      const inst = bySymbol.get(v2[id] ?? '');
      expect(inst, id).toBeDefined();
      expect(inst?.price_precision).toBe(info.pair_decimals);
      expect(inst?.qty_precision).toBe(info.lot_decimals);
      expect(String(inst?.price_increment)).toBe(String(Number(info.tick_size)));
    }
    p.close();
  });

  /** One connection per subscription, so each frame belongs to one local book. */
  class Follower {
    readonly book: LocalBook;
    checked = 0;
    deletes = 0;
    private cursor = 0;
    readonly results: boolean[] = [];

    constructor(
      readonly probe: WsProbe,
      depth: number,
    ) {
      this.book = { depth, asks: new Map(), bids: new Map() };
    }

    static async open(symbol: string, depth: number): Promise<Follower> {
      const p = await WsProbe.open(sim.ws);
      const ack = await p.request('subscribe', { channel: 'book', symbol: [symbol], depth }, 1);
      expect(ack['success']).toBe(true);
      await p.waitFor((x) => x.json?.['channel'] === 'book' && x.json['type'] === 'snapshot');
      return new Follower(p, depth);
    }

    /** Waits until every frame sent so far has arrived (a ping's pong comes after them), then applies them. */
    async sync(): Promise<void> {
      const id = ++pings;
      await this.probe.request('ping', {}, id);
      for (; this.cursor < this.probe.frames.length; this.cursor++) {
        const f = this.probe.frames[this.cursor];
        if (!f || f.json?.['channel'] !== 'book') continue;
        const d = bookData(f);
        if (f.json['type'] === 'snapshot') {
          this.book.asks.clear();
          this.book.bids.clear();
          expect(d.asks).toHaveLength(this.book.depth);
          expect(d.bids).toHaveLength(this.book.depth);
        }
        apply(this.book, f);
        this.results.push(localChecksum(this.book) === d.checksum);
        this.deletes += [...d.asks, ...d.bids].filter((l) => /^0(\.0+)?$/.test(l.qty)).length;
        this.checked++;
      }
    }
  }
  let pings = 100;

  it('sends snapshots and updates whose every checksum an independent CRC32 confirms, at depths 10, 25 and 100', async () => {
    const followers = [await Follower.open('BTC/USD', 10), await Follower.open('BTC/USD', 25), await Follower.open('DOGE/USD', 100), await Follower.open('ETH/BTC', 10)];
    for (let i = 0; i < 30; i++) {
      step(2);
      for (const f of followers) await f.sync();
    }
    for (const f of followers) {
      expect(f.checked).toBeGreaterThan(20);
      expect(f.results.every(Boolean)).toBe(true);
      expect(f.deletes).toBeGreaterThan(0);
      expect(f.book.asks.size).toBe(f.book.depth);
      expect(f.book.bids.size).toBe(f.book.depth);
      f.probe.close();
    }
  });

  it('corrupts exactly the next book checksum when told to, and the ones after it verify again', async () => {
    const f = await Follower.open('SOL/USD', 10);
    await f.sync();
    const before = f.results.length;
    sim.faults.corruptNextBookChecksum('SOL/USD');
    while (f.results.length < before + 4) {
      step(3);
      await f.sync();
    }
    expect(f.results.slice(0, before).every(Boolean)).toBe(true);
    expect(f.results[before]).toBe(false);
    expect(f.results.slice(before + 1).every(Boolean)).toBe(true);
    expect(sim.record.corruptedChecksums).toHaveLength(1);
    f.probe.close();
  });
});

