import { describe, expect, it } from 'vitest';
import { FrameDrain } from '../../renderer/store/frame-drain.js';
import type { Frame } from '../../renderer/store/session.js';
import { batch, candle, snapshot, venue } from './fixtures.js';

function setup() {
  const frames: Frame[] = [];
  const scheduled: (() => void)[] = [];
  const drain = new FrameDrain({ commitFrame: (f) => frames.push(f) }, (fn) => scheduled.push(fn));
  const nextFrame = () => scheduled.shift()?.();
  return { drain, frames, scheduled, nextFrame };
}

describe('FrameDrain', () => {
  it('commits everything that arrived between two frames at once, with one candle per series', () => {
    const { drain, frames, scheduled, nextFrame } = setup();
    drain.batch(batch(1, { candles: [candle(60, '101')] }));
    drain.batch(batch(2, { candles: [candle(60, '102'), candle(60, '7', { instrumentId: 'XETHZUSD' })] }));
    drain.batch(batch(3, { candles: [candle(60, '103')] }));
    expect(scheduled).toHaveLength(1);
    expect(frames).toHaveLength(0);
    nextFrame();
    expect(frames).toHaveLength(1);
    expect(frames[0]!.candles.map((c) => `${c.instrumentId}:${c.close}`)).toEqual(['XXBTZUSD:103', 'XETHZUSD:7']);
  });

  it('skips bars older than the one a series shows instead of giving each a frame, and still shows newer bars one per frame', () => {
    const frames: Frame[] = [];
    const scheduled: (() => void)[] = [];
    const drain = new FrameDrain({ commitFrame: (f) => frames.push(f), shownBar: () => 6000 }, (fn) => scheduled.push(fn));
    // A subscription snapshot: 100 bars up to the one on screen, then one closing after it and the next.
    const bars = Array.from({ length: 100 }, (_, i) => candle(60 * (i + 1), `s${i + 1}`));
    drain.batch(batch(1, { candles: [...bars, candle(6060, 'closed'), candle(6120, 'live')] }));
    for (let i = 0; i < 3; i++) scheduled.shift()?.();
    expect(frames.map((f) => f.candles.map((c) => c.close))).toEqual([['s100'], ['closed'], ['live']]);
  });

  it('asks for the next frame before committing while data flows, and stops after a frame with nothing', () => {
    const { drain, frames, scheduled, nextFrame } = setup();
    const order: string[] = [];
    const sinkFirst = new FrameDrain({ commitFrame: () => order.push('commit') }, (fn) => {
      order.push('ask');
      scheduled.push(fn);
    });
    sinkFirst.batch(batch(1, { candles: [candle(60, '1')] }));
    nextFrame();
    expect(order).toEqual(['ask', 'ask', 'commit']); // asked again first: first in line next frame
    nextFrame(); // nothing arrived: no commit, no more frames asked for
    expect(order).toEqual(['ask', 'ask', 'commit']);
    expect(scheduled).toHaveLength(0);
    expect(frames).toHaveLength(0);
    drain.flush();
  });

  it('shows a closing bar in one frame and the next bar in the following frame', () => {
    const { drain, frames, nextFrame } = setup();
    drain.batch(batch(1, { candles: [candle(60, '101')] }));
    drain.batch(batch(2, { candles: [candle(60, '105')] }));
    drain.batch(batch(3, { candles: [candle(120, '106')] }));
    nextFrame();
    nextFrame();
    expect(frames.map((f) => f.candles.map((c) => `${c.time}:${c.close}`))).toEqual([['60:105'], ['120:106']]);
  });

  it('keeps order and connection events, every one and in order', () => {
    const { drain, frames, nextFrame } = setup();
    const change = { venue: 'kraken' as const, connection: 'ws-public', at: 1, reason: '' };
    drain.batch(batch(1, { connections: [{ ...change, state: 'reconnecting' }] }));
    drain.batch(batch(2, { connections: [{ ...change, state: 'live', at: 2 }] }));
    nextFrame();
    expect(frames[0]!.connections.map((c) => c.state)).toEqual(['reconnecting', 'live']);
  });

  it('lets a snapshot replace what was gathered before it', () => {
    const { drain, frames, nextFrame } = setup();
    drain.batch(batch(1, { candles: [candle(60, '101')] }));
    drain.snapshot(snapshot(1, { candles: [candle(60, '99')], venues: [venue({ state: 'degraded' })] }));
    drain.batch(batch(2, { candles: [candle(60, '100')] }));
    nextFrame();
    expect(frames).toHaveLength(1);
    expect(frames[0]!.resync?.venues[0]!.state).toBe('degraded');
    expect(frames[0]!.candles.map((c) => c.close)).toEqual(['100']);
  });

  it('commits nothing for an empty frame', () => {
    const { drain, frames } = setup();
    drain.flush();
    expect(frames).toHaveLength(0);
  });
});
