import { describe, expect, it } from 'vitest';
import { LimiterClosedError, WindowLimiter } from '../../electron/net/limiter.js';
import { waitFor } from '../venues/tinvest/helpers.js';

/** A clock the test moves by hand; the limiter's timers are real but see only this time. */
function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** Starts `n` calls that stay open until released; records which have started. */
function startCalls(l: WindowLimiter, n: number): { started: number[]; release: () => void; done: Promise<unknown[]> } {
  const started: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const done = Promise.all(
    Array.from({ length: n }, (_, i) =>
      l.schedule(async () => {
        started.push(i);
        await gate;
      }),
    ),
  );
  return { started, release, done };
}

describe('WindowLimiter', () => {
  it('lets `limit` calls into a window and queues the rest until it resets', async () => {
    const c = clock();
    const l = new WindowLimiter({ name: 'svc', limit: 3, windowMs: 1000, now: c.now, recheckMs: 5, probeFirst: false });
    const calls = startCalls(l, 8);
    await waitFor('first three', () => calls.started.length === 3);
    expect(l.headroom()).toMatchObject({ remaining: 0, limit: 3, queued: 5 });
    await new Promise((r) => setTimeout(r, 30));
    expect(calls.started).toEqual([0, 1, 2]); // time has not moved: nobody else may start
    c.advance(1000);
    await waitFor('second window', () => calls.started.length === 6);
    expect(calls.started).toEqual([0, 1, 2, 3, 4, 5]);
    c.advance(1000);
    await waitFor('third window', () => calls.started.length === 8);
    calls.release();
    await calls.done;
    expect(l.headroom().queued).toBe(0);
  });

  it('believes the server: headers lower the estimate and move the reset', async () => {
    const c = clock();
    const l = new WindowLimiter({ name: 'svc', limit: 600, windowMs: 60_000, now: c.now, recheckMs: 5, resetSlackMs: 500, probeFirst: false });
    await l.schedule(async () => l.observe({ limit: 2, windowMs: 60_000, remaining: 0, resetInMs: 3_000 }));
    expect(l.headroom()).toMatchObject({ remaining: 0, limit: 2 });
    const calls = startCalls(l, 3);
    await new Promise((r) => setTimeout(r, 30));
    expect(calls.started).toEqual([]);
    c.advance(3_000); // the reset, but not the slack after it
    await new Promise((r) => setTimeout(r, 30));
    expect(calls.started).toEqual([]);
    c.advance(60_000);
    await waitFor('the next window', () => calls.started.length === 2);
    expect(l.headroom().queued).toBe(1);
    l.close();
    calls.release();
    await expect(calls.done).rejects.toBeInstanceOf(LimiterClosedError);
  });

  it('sends one probe until the server has stated its limit', async () => {
    const c = clock();
    const l = new WindowLimiter({ name: 'svc', limit: 100, windowMs: 60_000, now: c.now });
    let answer!: () => void;
    const probe = l.schedule(() => new Promise<void>((r) => (answer = r)));
    const calls = startCalls(l, 4);
    await new Promise((r) => setTimeout(r, 30));
    expect(calls.started).toEqual([]);
    l.observe({ limit: 3, remaining: 2, resetInMs: 10_000 });
    answer();
    await probe;
    await waitFor('two more', () => calls.started.length === 2);
    await new Promise((r) => setTimeout(r, 30));
    expect(calls.started.length).toBe(2);
    c.advance(20_000);
    await waitFor('the rest', () => calls.started.length === 4);
    calls.release();
    await calls.done;
  });

  it('stops after a refusal until the announced retry time', async () => {
    const c = clock();
    const l = new WindowLimiter({ name: 'svc', limit: 10, windowMs: 1000, now: c.now, recheckMs: 5, resetSlackMs: 0, probeFirst: false });
    l.exhausted(5_000);
    const calls = startCalls(l, 1);
    c.advance(1_000);
    await new Promise((r) => setTimeout(r, 30));
    expect(calls.started).toEqual([]);
    c.advance(4_000);
    await waitFor('after the retry time', () => calls.started.length === 1);
    calls.release();
    await calls.done;
  });
});
