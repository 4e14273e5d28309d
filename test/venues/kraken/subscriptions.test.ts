/**
 * Subscriptions that fail say so (issue 9 item 4): a key the venue refuses, or never answers,
 * is reported for that key with a typed error in bounded time, while the connection and the
 * other keys stay live.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { startHostileKraken } from '../../../sim/hostile/kraken/server.js';
import type { HostileKraken } from '../../../sim/hostile/kraken/server.js';
import { RecordingSink, closeAll, tempStateDir, waitFor } from './helpers.js';

let venue: KrakenVenue | undefined;
let hostile: HostileKraken | undefined;
afterEach(async () => {
  await closeAll(venue, undefined, undefined);
  await hostile?.close();
  venue = undefined;
  hostile = undefined;
});

const T0 = Math.floor(Date.now() / 60_000) * 60 - 600;
const iso = (sec: number): string => new Date(sec * 1000).toISOString().slice(0, 19);

describe('Kraken subscriptions that fail', () => {
  it('a refused key and an unanswered key are each reported with a typed error; the socket and the 1m key stay live', { timeout: 30_000 }, async () => {
    hostile = await startHostileKraken({
      answer: (s) => (s.channel === 'ohlc' && s.extra === 5 ? { error: 'Subscription limit reached' } : s.channel === 'ohlc' && s.extra === 15 ? 'silent' : 'ack'),
    });
    const sink = new RecordingSink();
    venue = createKrakenVenue({ rest: hostile.rest, ws: hostile.ws, wsAuth: hostile.ws, mode: 'demo', sink, stateDir: tempStateDir(), timing: { ackTimeoutMs: 1_500 } });
    await venue.connect();
    venue.subscribeCandles({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m' });
    venue.subscribeCandles({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '5m' });
    venue.subscribeCandles({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '15m' });
    venue.subscribeCandles({ venue: 'kraken', instrumentId: 'NOPE', interval: '1m' });
    await waitFor('three failures', () => sink.subscriptionFailures.length >= 3, 10_000);
    const byInterval = new Map(sink.subscriptionFailures.map((f) => [`${f.key.instrumentId}|${f.key.interval}`, f.err]));
    expect(byInterval.get('XXBTZUSD|5m')).toMatchObject({ kind: 'invalid', code: 'Subscription limit reached' });
    expect(byInterval.get('XXBTZUSD|15m')).toMatchObject({ kind: 'unavailable', code: 'no-ack' });
    expect(byInterval.get('NOPE|1m')).toMatchObject({ kind: 'invalid' });
    expect(sink.state('ws-public')).toBe('live');
    expect(sink.conn('ws-public').reconnects).toBe(0);
    hostile.send(
      `{"channel":"ohlc","type":"update","data":[{"symbol":"BTC/USD","open":1.0,"high":1.0,"low":1.0,"close":1.0,"trades":1,"volume":1.0,"vwap":1.0,"interval_begin":"${iso(T0)}.000000000Z","interval":1,"timestamp":"${iso(T0 + 60)}.000000Z"}]}`,
    );
    await waitFor('the 1m candle', () => sink.candleLog.length === 1);
  });

});
