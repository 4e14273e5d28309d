import { describe, expect, it } from 'vitest';
import { BookLatency } from '../../renderer/perf/book-latency.js';

describe('book-to-screen latency', () => {
  it('stamps every painted book at the start of the next frame, from its main-side arrival', () => {
    let now = 1000;
    const frames: (() => void)[] = [];
    const probe = new BookLatency({ now: () => now, nextFrame: (fn) => frames.push(fn) });
    probe.painted({ receivedAt: 990 });
    probe.painted({ receivedAt: 995 }); // painted in the same frame: one stamp for both
    expect(probe.writtenStats()).toEqual({ count: 2, p50: 5, p99: 10, max: 10 });
    expect(frames).toHaveLength(1);
    now = 1016;
    frames.shift()!();
    expect(probe.taken()).toBe(2);
    expect(probe.stats()).toEqual({ count: 2, p50: 21, p99: 26, max: 26 });
    probe.reset();
    expect(probe.stats()).toEqual({ count: 0 });
    expect(probe.writtenStats()).toEqual({ count: 0 });
    expect(probe.taken()).toBe(2);
  });

  it('never counts a clock that went backwards as negative', () => {
    const frames: (() => void)[] = [];
    const probe = new BookLatency({ now: () => 100, nextFrame: (fn) => frames.push(fn) });
    probe.painted({ receivedAt: 150 });
    frames.shift()!();
    expect(probe.stats().max).toBe(0);
  });
});
