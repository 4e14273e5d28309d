/**
 * Subscriptions that fail say so: a key the venue refuses (an instrument it does not know) or
 * never answers fails with a typed error within a bound, while the stream, healthy, stays live
 * and the other keys keep flowing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CandleKey } from '../../../common/domain.js';
import { createTInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import type { TInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { TInvestSim } from '../../../sim/tinvest/server.js';
import { candleFrame, subscribeAnswer } from '../../../sim/hostile/tinvest/frames.js';
import { startHostileTInvest } from '../../../sim/hostile/tinvest/server.js';
import type { HostileTInvest } from '../../../sim/hostile/tinvest/server.js';
import { RecordingSink, waitFor } from './helpers.js';

let venue: TInvestVenue | undefined;
let sim: TInvestSim | undefined;
let host: HostileTInvest | undefined;

afterEach(async () => {
  await venue?.close();
  await sim?.close();
  await host?.close();
  venue = undefined;
  sim = undefined;
  host = undefined;
});

describe('T-Invest subscriptions that fail', () => {
  it('an instrument id the venue does not know fails that key with a typed error; the stream is live and other keys flow', async () => {
    sim = await startTInvestSim({ seed: 5 });
    const sink = new RecordingSink();
    venue = createTInvestVenue({ endpoint: sim.endpoint, token: sim.token, mode: 'demo', tls: false, sink, pingDelayMs: 500 });
    await venue.connect();
    const sber = sim.instruments.find((i) => i.ticker === 'SBER')!;
    const unknown: CandleKey = { venue: 'tinvest', instrumentId: '11111111-2222-4333-8444-555555555555', interval: '1m' };
    const good: CandleKey = { venue: 'tinvest', instrumentId: sber.uid, interval: '1m' };
    venue.subscribeCandles(unknown);
    venue.subscribeCandles(good);
    await waitFor('the refusal', () => sink.subscriptionFailures.length > 0, 5_000);
    expect(sink.subscriptionFailures).toEqual([{ key: unknown, err: expect.objectContaining({ kind: 'invalid', code: 'subscription-status-2' }) }]);
    expect(sink.subscriptionFailures[0]!.err.message).toMatch(/not found/);
    await waitFor('live', () => sink.state('marketdata') === 'live', 5_000);
    const before = sink.candles.length;
    await waitFor('candles of the good key', () => sink.candles.length > before && sink.candles.some((c) => c.instrumentId === sber.uid), 10_000);
    expect(sink.state('marketdata')).toBe('live');
  });

  it('a key the venue never answers fails with a timeout within three ping intervals; the stream stays live', async () => {
    const h = await startHostileTInvest({
      answerSubscribe: false,
      onSubscribe: (call, items) => {
        // Answers every key but one, and lets that key's candles flow.
        const answered = items.filter((x) => x.instrumentId !== h.instruments[1]!.uid);
        if (answered.length > 0) call.write(subscribeAnswer(answered, (id) => h.instruments.find((i) => i.uid === id)));
        if (answered.some((x) => x.instrumentId === h.instruments[0]!.uid)) {
          call.write(candleFrame(h.instruments[0]!, { time: Math.floor(Date.now() / 60_000) * 60 - 600, open: 100n, high: 100n, low: 100n, close: 100n, volume: 1n }));
        }
      },
    });
    host = h;
    const sink = new RecordingSink();
    venue = createTInvestVenue({ endpoint: h.endpoint, token: 't', mode: 'demo', tls: false, sink, pingDelayMs: 300 });
    await venue.connect();
    const silent: CandleKey = { venue: 'tinvest', instrumentId: h.instruments[1]!.uid, interval: '1m' };
    const good: CandleKey = { venue: 'tinvest', instrumentId: h.instruments[0]!.uid, interval: '1m' };
    const t0 = Date.now();
    venue.subscribeCandles(silent);
    venue.subscribeCandles(good);
    await waitFor('the timeout', () => sink.subscriptionFailures.length > 0, 10_000);
    const took = Date.now() - t0;
    expect(sink.subscriptionFailures).toEqual([{ key: silent, err: expect.objectContaining({ kind: 'unavailable', code: 'subscribe-timeout' }) }]);
    // Bounded: three ping intervals plus the watchdog's tick, with room for a busy machine.
    expect(took).toBeGreaterThanOrEqual(3 * 300 - 100);
    await waitFor('live', () => sink.state('marketdata') === 'live', 5_000);
    expect(sink.candles.some((c) => c.instrumentId === good.instrumentId)).toBe(true);
  });
});
