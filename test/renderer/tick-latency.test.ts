import { describe, expect, it } from 'vitest';
import { FrameRate, TickLatency } from '../../renderer/perf/tick-latency.js';

function setup() {
  let clock = 0;
  const frames: (() => void)[] = [];
  const latency = new TickLatency({ now: () => clock, nextFrame: (fn) => frames.push(fn), window: 100 });
  latency.follow('a');
  latency.follow('b');
  const frame = (at: number) => {
    clock = at;
    for (const fn of frames.splice(0)) fn();
  };
  return { latency, frame, at: (t: number) => (clock = t) };
}

describe('tick-to-screen latency', () => {
  it('runs from the first tick not yet on screen to the frame after series.update', () => {
    const { latency, frame } = setup();
    latency.received('a', 100);
    latency.received('a', 105); // coalesced: the clock started at the first
    latency.received('b', 110);
    latency.updated('a');
    latency.updated('b');
    frame(120);
    expect(latency.stats()).toMatchObject({ count: 2, p50: 10, p99: 20, max: 20 });
  });

  it('ignores bars drawn from history, ticks of a series that left the screen, and series no chart shows', () => {
    const { latency, frame } = setup();
    latency.updated('a');
    latency.received('b', 0);
    latency.forget('b');
    latency.updated('b');
    latency.received('watchlist-only', 0);
    latency.follow('watchlist-only'); // a chart opened on it much later
    latency.updated('watchlist-only');
    frame(1000);
    expect(latency.stats().count).toBe(0);
  });

  it('keeps timing a series while another chart still shows it', () => {
    const { latency, frame } = setup();
    latency.follow('a');
    latency.forget('a');
    latency.received('a', 10);
    latency.updated('a');
    frame(20);
    expect(latency.stats().count).toBe(1);
  });

  it('keeps a bounded window of samples', () => {
    const { latency, frame } = setup();
    for (let i = 0; i < 250; i++) {
      latency.received('a', i);
      latency.updated('a');
      frame(i + 5);
    }
    expect(latency.stats()).toMatchObject({ count: 100, p50: 5, p99: 5 });
    expect(latency.taken()).toBe(250);
  });

  it('counts frames per second over the last second', () => {
    const rate = new FrameRate();
    for (let t = 0; t <= 2000; t += 1000 / 60) rate.frame(t);
    expect(Math.round(rate.fps())).toBe(60);
  });
});
