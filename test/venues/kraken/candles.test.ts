import { afterEach, describe, expect, it } from 'vitest';
import { dec } from '../../../common/decimal.js';
import type { Candle, Interval } from '../../../common/domain.js';
import { candleKeyId } from '../../../common/domain.js';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { Market } from '../../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { RecordingSink, sleep, tempStateDir, waitFor, closeAll } from './helpers.js';

let sim: KrakenSim | undefined;
let venue: KrakenVenue | undefined;
let market: Market | undefined;
afterEach(() => closeAll(venue, sim, market));

type Row = [number, string, string, string, string, string, string, number];

/** The venue's truth: its own REST OHLC, read raw (no adapter code involved). */
async function venueRows(rest: string, pair: string, minutes: number): Promise<Map<number, Row>> {
  const res = (await (await fetch(`${rest}/0/public/OHLC?pair=${pair}&interval=${minutes}`)).json()) as { result: Record<string, Row[]> };
  return new Map(res.result[pair]!.map((r) => [r[0], r]));
}

function differences(sinkCandles: Map<number, Candle> | undefined, truth: Map<number, Row>): string[] {
  const out: string[] = [];
  if (!sinkCandles || sinkCandles.size === 0) return ['no candles'];
  const from = Math.min(...sinkCandles.keys());
  // REST serves the latest 720 only: once the minute rolls over, the oldest snapshot candle leaves its window.
  const windowStart = Math.min(...truth.keys());
  for (const [t, c] of sinkCandles) {
    if (t < windowStart) continue;
    const r = truth.get(t);
    if (!r) {
      out.push(`${t}: not on the venue`);
      continue;
    }
    const want = { open: dec(r[1]), high: dec(r[2]), low: dec(r[3]), close: dec(r[4]), volume: dec(r[6]) };
    const got = { open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume };
    if (JSON.stringify(want) !== JSON.stringify(got)) out.push(`${t}: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`);
  }
  for (const [t, r] of truth) if (t >= from && r[7] > 0 && !sinkCandles.has(t)) out.push(`${t}: missing (${r[7]} trades on the venue)`);
  return out;
}

describe('Kraken live candles', () => {
  it('after 50 socket drops during live candles, the series equals the venue truth', { timeout: 120_000 }, async () => {
    market = new Market({
      seed: 11,
      symbols: krakenMarketSymbols().map((s) => (s.symbol === 'BTC/USD' || s.symbol === 'ETH/USD' ? { ...s, tradesPerSecond: 12 } : s)),
    });
    market.start(20);
    sim = await startKrakenSim({ seed: 11, market });
    const sink = new RecordingSink();
    venue = createKrakenVenue({ rest: sim.rest, ws: sim.ws, wsAuth: sim.wsAuth, mode: 'demo', sink, stateDir: tempStateDir() });
    await venue.connect();
    const keys: { instrumentId: string; interval: Interval; minutes: number }[] = [
      { instrumentId: 'XXBTZUSD', interval: '1m', minutes: 1 },
      { instrumentId: 'XXBTZUSD', interval: '5m', minutes: 5 },
      { instrumentId: 'XETHZUSD', interval: '1m', minutes: 1 },
    ];
    for (const k of keys) venue.subscribeCandles({ venue: 'kraken', instrumentId: k.instrumentId, interval: k.interval });
    await waitFor('public socket live', () => sink.state('ws-public') === 'live');
    await waitFor('first candles', () => sink.candles.size === keys.length);

    const ohlcBefore = sim.record.restCalls.get('OHLC') ?? 0;
    for (let i = 0; i < 50; i++) {
      await waitFor(`live before drop ${i}`, () => sink.state('ws-public') === 'live', 20_000);
      const seen = sink.candleLog.length;
      // Let live updates flow, then cut the socket mid-stream.
      await waitFor(`a live update before drop ${i}`, () => sink.candleLog.length > seen, 10_000);
      await sleep(10 + ((i * 37) % 90));
      const drops = sink.conn('ws-public').reconnects;
      sim.faults.dropSockets();
      await waitFor(`drop ${i} noticed`, () => sink.conn('ws-public').reconnects > drops, 10_000);
    }
    await waitFor('the 50th reconnect', () => sink.conn('ws-public').reconnects >= 50, 20_000);
    await waitFor('live after the last drop', () => sink.state('ws-public') === 'live', 20_000);
    // Every reconnect filled its gap from REST.
    expect((sim.record.restCalls.get('OHLC') ?? 0) - ohlcBefore).toBeGreaterThanOrEqual(50);

    market.stop();
    // Once the market is still, what we hold must equal what the venue says, candle by candle.
    let diff: string[] = [];
    const deadline = Date.now() + 15_000;
    for (;;) {
      diff = [];
      for (const k of keys) {
        const truth = await venueRows(sim.rest, k.instrumentId, k.minutes);
        const got = sink.candles.get(candleKeyId({ venue: 'kraken', instrumentId: k.instrumentId, interval: k.interval }));
        diff.push(...differences(got, truth).map((d) => `${k.instrumentId} ${k.interval} ${d}`));
      }
      if (diff.length === 0 || Date.now() > deadline) break;
      await sleep(200);
    }
    expect(diff).toEqual([]);
    // Candles reached the sink in order per key, never going back in time.
    const lastTime = new Map<string, number>();
    for (const c of sink.candleLog) {
      const id = candleKeyId(c);
      expect(c.time).toBeGreaterThanOrEqual(lastTime.get(id) ?? 0);
      lastTime.set(id, c.time);
    }
  });
});
