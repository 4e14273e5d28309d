/**
 * The Kraken adapter against the hostile venue (sim/hostile/kraken): one setup with its
 * teardown, and real-shaped ohlc frames whose members a test can replace with raw JSON.
 */
import { afterEach } from 'vitest';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue, KrakenVenueOptions } from '../../../electron/venues/kraken/adapter.js';
import { startHostileKraken } from '../../../sim/hostile/kraken/server.js';
import type { HostileKraken, HostileKrakenOptions } from '../../../sim/hostile/kraken/server.js';
import { RecordingSink, closeAll, tempStateDir } from './helpers.js';

/** A minute well inside the venue's clock tolerance. */
export const T0 = Math.floor(Date.now() / 60_000) * 60 - 600;

export function iso(sec: number): string {
  return new Date(sec * 1000).toISOString().slice(0, 19);
}

/** One ohlc update in the venue's layout; `fields` replaces member texts (raw JSON). */
export function ohlc(time: number, trades: number, fields: Record<string, string> = {}): string {
  const f: Record<string, string> = {
    symbol: '"BTC/USD"', open: '64250.0', high: '64260.5', low: '64240.0', close: '64255.1', trades: String(trades),
    volume: '0.12345678', vwap: '64251.2', interval_begin: `"${iso(time)}.000000000Z"`, interval: '1', timestamp: `"${iso(time + 60)}.000000Z"`,
    ...fields,
  };
  const body = Object.entries(f).map(([k, v]) => `"${k}":${v}`).join(',');
  return `{"channel":"ohlc","type":"update","timestamp":"${iso(time + 30)}.123456Z","data":[{${body}}]}`;
}

export interface HostileSetup<S extends RecordingSink> {
  hostile: HostileKraken;
  venue: KrakenVenue;
  sink: S;
}

export interface HostileStart<S extends RecordingSink> {
  hostile?: HostileKrakenOptions;
  sink?: S;
  /** Adapter options besides endpoints, mode, sink and state folder (timing, credentials…). */
  venue?: Partial<Omit<KrakenVenueOptions, 'rest' | 'ws' | 'wsAuth' | 'mode' | 'sink' | 'stateDir'>>;
}

/**
 * Call at the top of a test file: returns `start`, which runs a hostile venue on loopback and
 * the adapter against it (not yet connected); both are closed after each test.
 */
export function hostileKraken(): <S extends RecordingSink = RecordingSink>(o?: HostileStart<S>) => Promise<HostileSetup<S>> {
  let venue: KrakenVenue | undefined;
  let hostile: HostileKraken | undefined;
  afterEach(async () => {
    await closeAll(venue, undefined, undefined);
    await hostile?.close();
    venue = undefined;
    hostile = undefined;
  });
  return async <S extends RecordingSink = RecordingSink>(o: HostileStart<S> = {}): Promise<HostileSetup<S>> => {
    hostile = await startHostileKraken(o.hostile);
    const sink = o.sink ?? (new RecordingSink() as S);
    venue = createKrakenVenue({ ...o.venue, rest: hostile.rest, ws: hostile.ws, wsAuth: hostile.ws, mode: 'demo', sink, stateDir: tempStateDir() });
    return { hostile, venue, sink };
  };
}
