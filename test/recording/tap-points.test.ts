/**
 * The adapters' tap points: nothing is built or emitted while nobody listens, every kind of
 * connection shows up once someone does, and detaching stops it again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WireTaps } from '../../electron/net/wire-tap.js';
import type { WireFrame } from '../../electron/net/wire-tap.js';
import { EventLog } from '../../electron/recording/event-log.js';
import { createKrakenVenue } from '../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../electron/venues/kraken/adapter.js';
import { createTInvestVenue } from '../../electron/venues/tinvest/adapter.js';
import type { TInvestVenue } from '../../electron/venues/tinvest/adapter.js';
import { startKrakenSim } from '../../sim/kraken/server.js';
import type { KrakenSim } from '../../sim/kraken/server.js';
import { startTInvestSim } from '../../sim/tinvest/server.js';
import type { TInvestSim } from '../../sim/tinvest/server.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The app's tap, counting what reaches emit(). */
class CountingTaps extends WireTaps {
  emits = 0;
  override emit(f: WireFrame): void {
    this.emits++;
    super.emit(f);
  }
}

let ksim: KrakenSim | undefined;
let tsim: TInvestSim | undefined;
let kraken: KrakenVenue | undefined;
let tinvest: TInvestVenue | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await kraken?.close();
  await tinvest?.close();
  await ksim?.close();
  await tsim?.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function until(what: string, check: () => boolean): Promise<void> {
  const end = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('wire tap points', () => {
  it('emit nothing while nobody listens, every connection once someone does, nothing after detaching', { timeout: 120_000 }, async () => {
    ksim = await startKrakenSim({ seed: 4 });
    tsim = await startTInvestSim({ seed: 4 });
    const taps = new CountingTaps();
    const sink = new EventLog();
    const stateDir = mkdtempSync(join(tmpdir(), 'tap-points-'));
    dirs.push(stateDir);
    kraken = createKrakenVenue({ rest: ksim.rest, ws: ksim.ws, wsAuth: ksim.wsAuth, apiKey: ksim.apiKey, apiSecret: ksim.apiSecret, mode: 'demo', sink, stateDir, wire: taps });
    tinvest = createTInvestVenue({ endpoint: tsim.endpoint, token: tsim.token, mode: 'demo', tls: false, sink, wire: taps, accountId: tsim.accountId });
    await Promise.all([kraken.connect(), tinvest.connect()]);
    const sber = tsim.instruments.find((i) => i.ticker === 'SBER')!;
    kraken.subscribeCandles({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m' });
    tinvest.subscribeCandles({ venue: 'tinvest', instrumentId: sber.uid, interval: '1m' });
    await until('candles of both venues', () => sink.events.filter((e) => e.type === 'candle').length >= 4);
    // Frames flowed on every connection, and not one reached the tap.
    expect(taps.emits).toBe(0);

    const seen: WireFrame[] = [];
    const detach = taps.attach((f) => seen.push(f));
    kraken.subscribeMarket({ venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'book', depth: 10 });
    tinvest.subscribeMarket({ venue: 'tinvest', instrumentId: sber.uid, stream: 'book', depth: 10 });
    await kraken.history({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m', limit: 5 });
    await tinvest.portfolio(tsim.accountId);
    await until('frames of every kind', () => {
      const has = (venue: string, connection: string, dir: 'in' | 'out'): boolean => seen.some((f) => f.venue === venue && f.connection === connection && f.dir === dir && f.kind === 'frame');
      return has('kraken', 'public', 'in') && has('kraken', 'public', 'out') && has('kraken', 'rest', 'out') && has('kraken', 'rest', 'in') && has('tinvest', 'unary', 'out') && has('tinvest', 'unary', 'in') && has('tinvest', 'marketdata#0', 'in');
    });
    // Kraken frames are text as on the wire; T-Invest frames are protobuf bytes.
    expect(seen.filter((f) => f.venue === 'kraken' && f.kind === 'frame').every((f) => typeof f.text === 'string' && f.bytes === undefined)).toBe(true);
    expect(seen.filter((f) => f.venue === 'tinvest' && f.kind === 'frame').every((f) => f.bytes instanceof Uint8Array && f.text === undefined)).toBe(true);
    // A REST answer carries its HTTP status; a unary call ends with its gRPC status.
    expect(seen.find((f) => f.connection === 'rest' && f.dir === 'in')?.status?.code).toBe(200);
    expect(seen.find((f) => f.connection === 'unary' && f.kind === 'close')?.status?.code).toBe(0);

    detach();
    const emitted = taps.emits;
    const frames = sink.events.length;
    await until('more market data', () => sink.events.length > frames + 5);
    expect(taps.emits).toBe(emitted);
  });
});
