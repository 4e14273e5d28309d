/**
 * Candles from a hostile venue (sim/hostile/tinvest) that the contract or common sense does not
 * allow: each is counted malformed on its connection, kept as a sample, and skipped, and the
 * real candles after it still arrive. The same holds for GetCandles history.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Candle, CandleKey } from '../../../common/domain.js';
import { candleKeyId } from '../../../common/domain.js';
import { createTInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import type { TInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { candleFrame } from '../../../sim/hostile/tinvest/frames.js';
import type { HostileInstrument } from '../../../sim/hostile/tinvest/frames.js';
import { msg, quotation, vint } from '../../../sim/hostile/tinvest/pb.js';
import { startHostileTInvest } from '../../../sim/hostile/tinvest/server.js';
import type { HostileCall, HostileTInvest } from '../../../sim/hostile/tinvest/server.js';
import { RecordingSink, sleep, waitFor } from './helpers.js';

const T0 = Math.floor(Date.now() / 60_000) * 60 - 3_600;
const OK = { open: 30_000n, high: 30_100n, low: 29_900n, close: 30_050n, volume: 12n };

let venue: TInvestVenue | undefined;
let host: HostileTInvest | undefined;

afterEach(async () => {
  await venue?.close();
  await host?.close();
  venue = undefined;
  host = undefined;
});

/** A hostile venue that writes `frames(inst)` once the first subscription is answered. */
async function run(frames: (inst: HostileInstrument) => Buffer[]): Promise<{ sink: RecordingSink; key: CandleKey; host: HostileTInvest }> {
  let sent = false;
  const h = await startHostileTInvest({
    onSubscribe: (call: HostileCall) => {
      if (sent) return;
      sent = true;
      for (const f of frames(h.instruments[0]!)) call.write(f);
    },
  });
  host = h;
  const sink = new RecordingSink();
  venue = createTInvestVenue({ endpoint: h.endpoint, token: 't', mode: 'demo', tls: false, sink, pingDelayMs: 5_000 });
  await venue.connect();
  const key: CandleKey = { venue: 'tinvest', instrumentId: h.instruments[0]!.uid, interval: '1m' };
  venue.subscribeCandles(key);
  return { sink, key, host: h };
}

const times = (cs: Candle[]): number[] => cs.map((c) => c.time);

describe('hostile candles on the market-data stream', () => {
  it('a candle dated 2100 is counted malformed and the real candles after it still arrive', async () => {
    const { sink } = await run((i) => [
      candleFrame(i, { time: T0, ...OK }),
      candleFrame(i, { time: 4_102_444_800, ...OK }),
      candleFrame(i, { time: T0 + 60, ...OK }),
      candleFrame(i, { time: T0 + 120, ...OK }),
    ]);
    await waitFor('the candles after the bad one', () => sink.candles.length >= 3);
    await sleep(100);
    expect(times(sink.candles)).toEqual([T0, T0 + 60, T0 + 120]);
    const rec = sink.record('marketdata');
    expect(rec.malformed).toEqual([expect.stringMatching(/future/)]);
    expect(rec.malformedFrames[0]).toContain('4102444800');
    expect(sink.state('marketdata')).toBe('live');
  });

  it('a candle without prices is malformed, not a bar of zeros', async () => {
    const { sink } = await run((i) => [
      candleFrame(i, { time: T0, ...OK }, (f) => f.filter((x) => x.no < 3 || x.no > 6)),
      candleFrame(i, { time: T0 + 60, ...OK }),
    ]);
    await waitFor('the good candle', () => sink.candles.length >= 1);
    await sleep(100);
    expect(times(sink.candles)).toEqual([T0 + 60]);
    expect(sink.candles.every((c) => c.open !== '0' && c.low !== '0')).toBe(true);
    expect(sink.record('marketdata').malformed).toEqual([expect.stringMatching(/price|open/)]);
  });

  it('negative volume, an int64-max price and high < low are malformed; the sane candle passes', async () => {
    const { sink } = await run((i) => [
      candleFrame(i, { time: T0, ...OK, volume: -50n }),
      candleFrame(i, { time: T0 + 60, ...OK }, (f) => f.map((x) => (x.no === 4 ? msg(4, quotation(2n ** 63n - 1n, 0)) : x))),
      candleFrame(i, { time: T0 + 120, ...OK, high: 29_000n }),
      candleFrame(i, { time: T0 + 180, ...OK }, (f) => f.map((x) => (x.no === 2 ? vint(2, 99) : x))),
      candleFrame(i, { time: T0 + 240, ...OK }),
    ]);
    await waitFor('the good candle', () => sink.candles.length >= 1);
    await sleep(100);
    expect(times(sink.candles)).toEqual([T0 + 240]);
    const rec = sink.record('marketdata');
    expect(rec.malformed).toHaveLength(4);
    expect(rec.malformed[0]).toMatch(/volume/);
    expect(rec.malformed[1]).toMatch(/high|large/);
    expect(rec.malformed[2]).toMatch(/high below low|outside/);
    expect(rec.malformed[3]).toMatch(/interval/);
    expect(rec.malformedFrames.every((f) => typeof f === 'string' && f.length > 0)).toBe(true);
  });

  it('reports the venue clock from its pings', async () => {
    const { sink } = await run((i) => [candleFrame(i, { time: T0, ...OK })]);
    await waitFor('a clock reading', () => sink.record('marketdata').clockSkews.length > 0);
    expect(Math.abs(sink.record('marketdata').clockSkews[0]!)).toBeLessThan(2_000);
  });
});

describe('hostile GetCandles history', () => {
  it('drops and counts candles that are not sane, and returns the rest', async () => {
    const q = (units: string) => ({ units, nano: 0 });
    const good = (t: number) => ({ open: q('300'), high: q('301'), low: q('299'), close: q('300'), volume: '5', time: { seconds: String(t), nanos: 0 }, is_complete: true });
    const h = await startHostileTInvest({
      getCandles: () => [
        good(T0),
        { ...good(T0 + 60), time: { seconds: '4102444800', nanos: 0 } },
        { ...good(T0 + 120), open: null, high: null, low: null, close: null },
        { ...good(T0 + 180), volume: '-50' },
        { ...good(T0 + 240), high: q('298') },
        good(T0 + 300),
      ],
    });
    host = h;
    const sink = new RecordingSink();
    venue = createTInvestVenue({ endpoint: h.endpoint, token: 't', mode: 'demo', tls: false, sink });
    await venue.connect();
    const key: CandleKey = { venue: 'tinvest', instrumentId: h.instruments[0]!.uid, interval: '1m' };
    const got = await venue.history({ ...key, from: T0, limit: 100 });
    expect(times(got)).toEqual([T0, T0 + 300]);
    expect(got.every((c) => candleKeyId(c) === candleKeyId(key))).toBe(true);
    expect(sink.record('api').malformed).toHaveLength(4);
  });
});
