/**
 * Subscriptions that fail say so (issue 9 item 4): a key the venue refuses, or never answers,
 * is reported for that key with a typed error in bounded time, while the connection and the
 * other keys stay live.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from './helpers.js';
import { T0, hostileKraken, ohlc } from './hostile-helpers.js';

const start = hostileKraken();

describe('Kraken subscriptions that fail', () => {
  it('a refused key and an unanswered key are each reported with a typed error; the socket and the 1m key stay live', { timeout: 30_000 }, async () => {
    const { hostile, venue, sink } = await start({
      hostile: {
        answer: (s) => (s.channel === 'ohlc' && s.extra === 5 ? { error: 'Subscription limit reached' } : s.channel === 'ohlc' && s.extra === 15 ? 'silent' : 'ack'),
      },
      venue: { timing: { ackTimeoutMs: 1_500 } },
    });
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
    hostile.send(ohlc(T0, 1));
    await waitFor('the 1m candle', () => sink.candleLog.length === 1);
  });

});
