import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { toScale } from '../../../common/decimal.js';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { BookEvent } from '../../../electron/venues/kraken/feeds.js';
import { Market } from '../../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { RecordingSink, tempStateDir, waitFor, closeAll } from './helpers.js';

let sim: KrakenSim | undefined;
let venue: KrakenVenue | undefined;
let market: Market | undefined;
afterEach(() => closeAll(venue, sim, market));

/** Kraken's checksum of a view, computed here without the adapter's code (zlib CRC, bigint digits). */
function independentChecksum(levels: { asks: { price: string; qty: string }[]; bids: { price: string; qty: string }[] }, pp: number, qp: number): number {
  const part = (ls: { price: string; qty: string }[]): string => ls.slice(0, 10).map((l) => `${toScale(l.price, pp)}${toScale(l.qty, qp)}`).join('');
  return crc32(part(levels.asks) + part(levels.bids)) >>> 0;
}

describe('Kraken book', () => {
  it('on a corrupted checksum, resyncs and never hands the listener a wrong book', { timeout: 60_000 }, async () => {
    market = new Market({ seed: 5, symbols: krakenMarketSymbols().map((s) => (s.symbol === 'BTC/USD' ? { ...s, tradesPerSecond: 25 } : s)) });
    market.start(20);
    sim = await startKrakenSim({ seed: 5, market });
    const sink = new RecordingSink();
    venue = createKrakenVenue({ rest: sim.rest, ws: sim.ws, wsAuth: sim.wsAuth, mode: 'demo', sink, stateDir: tempStateDir() });
    await venue.connect();

    const events: { type: BookEvent['type']; checksum?: number; ok?: boolean; asks?: number }[] = [];
    venue.subscribeBook('BTC/USD', 10, (e) => {
      if (e.type === 'reset') {
        events.push({ type: 'reset' });
        return;
      }
      const view = { asks: e.book.asks(), bids: e.book.bids() };
      const mine = independentChecksum(view, 1, 8);
      events.push({ type: e.type, checksum: e.book.checksum, ok: mine === e.book.checksum, asks: view.asks.length });
    });
    await waitFor('snapshot and some updates', () => events.filter((e) => e.type === 'update').length >= 10, 20_000);

    const before = events.length;
    sim.faults.corruptNextBookChecksum('BTC/USD');
    await waitFor('a corrupted checksum sent', () => sim!.record.corruptedChecksums.length === 1, 20_000);
    await waitFor('reset and a fresh snapshot', () => events.slice(before).some((e) => e.type === 'snapshot'), 20_000);
    await waitFor('updates after the resync', () => events.length > before + 10, 20_000);

    const after = events.slice(before);
    const { correct } = sim.record.corruptedChecksums[0]!;
    const resetAt = after.findIndex((e) => e.type === 'reset');
    expect(resetAt).toBeGreaterThanOrEqual(0);
    // The state the bad message claimed never reached the listener as an update.
    expect(after.slice(0, resetAt).filter((e) => e.type === 'update' && e.checksum === correct)).toEqual([]);
    expect(after[resetAt + 1]?.type).toBe('snapshot');
    // Every book ever surfaced checks out independently, and holds the subscribed depth.
    expect(events.filter((e) => e.type !== 'reset' && !e.ok)).toEqual([]);
    expect(events.filter((e) => e.type !== 'reset' && e.asks !== 10)).toEqual([]);
    expect(sink.conn('ws-public').errors.map((e) => e.code)).toContain('book-checksum');
    // The socket itself stayed up: only the book was resubscribed.
    expect(sink.conn('ws-public').reconnects).toBe(0);
  });
});
