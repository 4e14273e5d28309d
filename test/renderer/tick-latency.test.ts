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
  it('runs from the first tick not yet on screen to the frame after series.update, from main and from here', () => {
    const { latency, frame } = setup();
    latency.received('a', 60, 95, 100);
    latency.received('a', 60, 104, 105); // coalesced: the clock started at the first
    latency.received('b', 60, 108, 110);
    latency.updated('a', 60);
    latency.updated('b', 60);
    frame(120);
    expect(latency.stats()).toMatchObject({ count: 2, p50: 12, p99: 25, max: 25 });
    expect(latency.windowStats()).toMatchObject({ count: 2, p50: 10, p99: 20 });
  });

  it('times only the bar drawn, drops clocks of older bars, keeps those of newer ones', () => {
    const { latency, frame } = setup();
    latency.received('a', 0, 0, 0); // a bar the chart will never draw (older than its last)
    latency.received('a', 120, 10, 10); // the next bar, come early
    latency.received('a', 60, 20, 20);
    latency.updated('a', 60);
    frame(30);
    expect(latency.stats()).toMatchObject({ count: 1, max: 10 });
    latency.updated('a', 120);
    frame(40);
    expect(latency.stats()).toMatchObject({ count: 2, max: 30 });
    latency.updated('a', 120); // drawn again without a new tick: nothing to time
    frame(5000);
    expect(latency.stats().count).toBe(2);
  });

  it('counts a main-side stamp ahead of this clock (two machines) as 0', () => {
    const { latency, frame } = setup();
    latency.received('a', 60, 500, 100);
    latency.updated('a', 60);
    frame(110);
    expect(latency.stats()).toMatchObject({ count: 1, max: 0 });
  });

  it('ignores bars drawn from history, ticks of a series that left the screen, and series no chart shows', () => {
    const { latency, frame } = setup();
    latency.updated('a', 60);
    latency.received('b', 60, 0, 0);
    latency.forget('b');
    latency.updated('b', 60);
    latency.received('watchlist-only', 60, 0, 0);
    latency.follow('watchlist-only'); // a chart opened on it much later
    latency.updated('watchlist-only', 60);
    frame(1000);
    expect(latency.stats().count).toBe(0);
  });

  it('keeps timing a series while another chart still shows it', () => {
    const { latency, frame } = setup();
    latency.follow('a');
    latency.forget('a');
    latency.received('a', 60, 10, 10);
    latency.updated('a', 60);
    frame(20);
    expect(latency.stats().count).toBe(1);
  });

  it('keeps a bounded window of samples', () => {
    const { latency, frame } = setup();
    for (let i = 0; i < 250; i++) {
      latency.received('a', 60 * i, i, i);
      latency.updated('a', 60 * i);
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
