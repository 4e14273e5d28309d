/**
 * The per-key gap logic on its own, against a scripted history that behaves like the real
 * venue in the one way the simulator does not: GetCandles leaves out the forming candle.
 */
import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../common/domain.js';
import { VenueError } from '../../../electron/venues/venue.js';
import { CandleFlow } from '../../../electron/venues/tinvest/candle-gaps.js';
import { waitFor } from './helpers.js';

const KEY = { venue: 'tinvest' as const, instrumentId: 'uid', interval: '1m' as const };
const T0 = 1_800_000_000 - (1_800_000_000 % 60);

function candle(time: number, volume: number, close = '1'): Candle {
  return { ...KEY, time, open: '1', high: '2', low: '1', close, volume: String(volume) };
}

/** History as the real venue serves it: closed candles only. */
class ScriptedHistory {
  candles: Candle[] = [];
  nowMs = (T0 + 30) * 1000;
  calls: [number, number][] = [];
  failures: VenueError[] = [];
  fetch = async (from: number, to: number): Promise<Candle[]> => {
    this.calls.push([from, to]);
    const f = this.failures.shift();
    if (f) throw f;
    const forming = Math.floor(this.nowMs / 60_000) * 60;
    return this.candles.filter((c) => c.time >= from && c.time < to && c.time < forming);
  };
}

function flow(h: ScriptedHistory, emitted: Candle[], errors: VenueError[] = []): CandleFlow {
  return new CandleFlow(KEY, T0, {
    emit: (c) => emitted.push(c),
    fetch: h.fetch,
    now: () => h.nowMs,
    onFillError: (e) => errors.push(e),
    retry: { baseMs: 1, maxMs: 5 },
  });
}

describe('CandleFlow', () => {
  it('fetches a period it could not see forming once a later one starts, before passing the later one on', async () => {
    const h = new ScriptedHistory();
    const out: Candle[] = [];
    const f = flow(h, out);
    h.candles = [candle(T0, 5)]; // the venue knows T0, but hides it while it forms
    f.confirmed();
    await waitFor('fill', () => !f.isFilling);
    expect(out).toEqual([]); // nothing closed yet, nothing live yet
    h.nowMs = (T0 + 61) * 1000; // T0 has closed without another trade on the stream
    f.onLive(candle(T0 + 60, 2));
    await waitFor('settle', () => out.length === 2);
    expect(out.map((c) => [c.time, c.volume])).toEqual([
      [T0, '5'],
      [T0 + 60, '2'],
    ]);
    expect(h.calls.at(-1)![0]).toBe(T0);
  });

  it('needs no second look when the stream itself updated the forming period', async () => {
    const h = new ScriptedHistory();
    const out: Candle[] = [];
    const f = flow(h, out);
    f.confirmed();
    await waitFor('fill', () => !f.isFilling);
    f.onLive(candle(T0, 3));
    h.nowMs = (T0 + 61) * 1000;
    f.onLive(candle(T0 + 60, 1));
    expect(out.map((c) => [c.time, c.volume])).toEqual([
      [T0, '3'],
      [T0 + 60, '1'],
    ]);
    expect(h.calls).toHaveLength(1);
  });

  it('after a drop replays history from the last candle seen, then the held live candles, never backwards', async () => {
    const h = new ScriptedHistory();
    const out: Candle[] = [];
    const f = flow(h, out);
    f.confirmed();
    await waitFor('fill', () => !f.isFilling);
    f.onLive(candle(T0, 4));
    f.streamLost();
    // While away: T0 grew to 9, T0+60 and T0+120 happened; the new stream starts at T0+180.
    h.candles = [candle(T0, 9), candle(T0 + 60, 6), candle(T0 + 120, 7)];
    h.nowMs = (T0 + 185) * 1000;
    f.onLive(candle(T0 + 120, 6)); // an older state from the new stream, held during the fill
    f.onLive(candle(T0 + 180, 1));
    f.confirmed();
    await waitFor('fill', () => !f.isFilling);
    expect(h.calls.at(-1)![0]).toBe(T0);
    expect(out.map((c) => [c.time, c.volume])).toEqual([
      [T0, '4'],
      [T0, '9'],
      [T0 + 60, '6'],
      [T0 + 120, '7'],
      [T0 + 180, '1'],
    ]);
  });

  it('retries a failing fill while holding live candles, and reports each failure', async () => {
    const h = new ScriptedHistory();
    const out: Candle[] = [];
    const errors: VenueError[] = [];
    const f = flow(h, out, errors);
    h.candles = [candle(T0, 5)];
    h.nowMs = (T0 + 65) * 1000;
    h.failures = [new VenueError('unavailable', '70002', 'internal network error'), new VenueError('rate-limited', '80002', 'request limit exceeded', { retryAfterMs: 5 })];
    f.streamLost();
    f.onLive(candle(T0 + 60, 1));
    f.confirmed();
    await waitFor('fill', () => !f.isFilling);
    expect(errors.map((e) => e.code)).toEqual(['70002', '80002']);
    expect(out.map((c) => [c.time, c.volume])).toEqual([
      [T0, '5'],
      [T0 + 60, '1'],
    ]);
  });

  it('gives up on an error retrying cannot fix, and still passes live candles on', async () => {
    const h = new ScriptedHistory();
    const out: Candle[] = [];
    const errors: VenueError[] = [];
    const f = flow(h, out, errors);
    h.failures = [new VenueError('invalid', '50002', 'instrument not found')];
    f.onLive(candle(T0, 1));
    f.confirmed();
    await waitFor('fill', () => !f.isFilling);
    expect(errors.map((e) => e.kind)).toEqual(['invalid']);
    expect(out.map((c) => c.volume)).toEqual(['1']);
  });
});

describe('CandleFlow volume ranking', () => {
  it('never ranks a negative volume above a positive one within a period', async () => {
    const h = new ScriptedHistory();
    const out: Candle[] = [];
    const f = flow(h, out);
    f.confirmed();
    await waitFor('fill', () => !f.isFilling);
    f.onLive(candle(T0, 12));
    f.onLive({ ...candle(T0, 0), volume: '-50' });
    f.onLive({ ...candle(T0, 0), volume: '12.5' });
    expect(out.map((c) => c.volume)).toEqual(['12', '12.5']);
  });
});
