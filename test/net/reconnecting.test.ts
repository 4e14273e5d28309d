import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionState } from '../../common/domain.js';
import { ReconnectLoop, retryAfterError } from '../../electron/net/reconnecting.js';
import type { ReconnectLoopOptions } from '../../electron/net/reconnecting.js';
import { SilenceWatchdog } from '../../electron/net/silence-watchdog.js';

/** A transport that only records: attempts opened, attempts let go; the test plays the venue. */
class FakeTransport {
  readonly opened: number[] = [];
  released = 0;
  /** The attempt whose transport is held, if any. */
  current: number | undefined;

  open(gen: number): void {
    this.opened.push(gen);
    this.current = gen;
  }

  release(): void {
    if (this.current !== undefined) this.released++;
    this.current = undefined;
  }
}

interface Recorded {
  states: { state: ConnectionState; reason: string }[];
  reconnects: number;
}

function harness(extra: Partial<ReconnectLoopOptions> = {}): { loop: ReconnectLoop; t: FakeTransport; rec: Recorded } {
  const t = new FakeTransport();
  const rec: Recorded = { states: [], reconnects: 0 };
  const loop: ReconnectLoop = new ReconnectLoop({
    reporter: {
      state: (state, reason) => rec.states.push({ state, reason }),
      reconnect: () => rec.reconnects++,
    },
    now: () => Date.now(),
    // random 1: every delay is the backoff's cap, so growth is visible exactly.
    backoff: { baseMs: 100, maxMs: 1_000, random: () => 1 },
    stableMs: 5_000,
    open: (gen) => {
      t.open(gen);
      // As an owner does: an attempt under way is 'connecting'.
      loop.setState('connecting', `attempt ${gen}`);
    },
    release: () => t.release(),
    ...extra,
  });
  return { loop, t, rec };
}

/** Opens the scheduled attempt (delays are at most 1 s here). */
function fire(): void {
  vi.advanceTimersByTime(1_000);
}

describe('ReconnectLoop', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('grows the delay while attempts die quickly and resets it after one stayed live stableMs', () => {
    const { loop: l2, rec, t } = harness();
    l2.schedule(0);
    fire();
    for (let i = 0; i < 5; i++) {
      l2.drop('gone');
      fire();
    }
    expect(t.opened).toHaveLength(6);
    // The delays, read from the loop's own reason text.
    const waits = rec.states.filter((s) => s.state === 'reconnecting').map((s) => Number(/next try in (\d+) ms/.exec(s.reason)?.[1]));
    expect(waits).toEqual([100, 200, 400, 800, 1_000]);

    // Live, but not for long: still backing off.
    l2.setState('live', 'up');
    vi.advanceTimersByTime(4_000);
    l2.drop('short-lived');
    fire();
    // Live for stableMs: proven, so the next wait starts from the base again.
    l2.setState('live', 'up');
    vi.advanceTimersByTime(5_000);
    l2.drop('long-lived');
    const last = rec.states.filter((s) => s.state === 'reconnecting').map((s) => Number(/next try in (\d+) ms/.exec(s.reason)?.[1]));
    expect(last.slice(-2)).toEqual([1_000, 100]);
  });

  it('counts a reconnect and releases the transport on every drop, and opens the next attempt only after the wait', () => {
    const { loop, t, rec } = harness();
    loop.schedule(0);
    fire();
    loop.drop('reset by peer');
    expect(t.released).toBe(1);
    expect(rec.reconnects).toBe(1);
    expect(loop.state).toBe('reconnecting');
    expect(loop.isCurrent(1)).toBe(false);
    vi.advanceTimersByTime(99);
    expect(t.opened).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(t.opened).toEqual([1, 3]);
    expect(loop.isCurrent(3)).toBe(true);
  });

  it('stop() during the backoff wait: nothing opens, nothing is reported after the final state', () => {
    const { loop, t, rec } = harness();
    loop.schedule(0);
    fire();
    loop.drop('gone');
    expect(loop.waiting).toBe(true);
    loop.stop();
    loop.setState('closed', 'closed');
    const seen = rec.states.length;
    vi.advanceTimersByTime(60_000);
    // A late drop or retry from a callback of the old attempt changes nothing either.
    loop.drop('late event');
    expect(loop.retry('late event')).toBe(0);
    loop.schedule(0);
    vi.advanceTimersByTime(60_000);
    expect(t.opened).toEqual([1]);
    expect(rec.states.length).toBe(seen);
    expect(rec.reconnects).toBe(1);
    expect(loop.waiting).toBe(false);
  });

  it('stop() while an attempt is open: it is released and its events are no longer current', () => {
    const { loop, t, rec } = harness();
    loop.schedule(0);
    fire();
    const gen = t.opened[0] ?? -1;
    expect(loop.isCurrent(gen)).toBe(true);
    loop.stop();
    expect(t.released).toBe(1);
    expect(loop.isCurrent(gen)).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(t.opened).toEqual([gen]);
    expect(rec.reconnects).toBe(0);
  });

  it('a silent attempt is dropped by its watchdog and a new one opens; frames keep it alive', () => {
    const ref: { loop?: ReconnectLoop } = {};
    const watchdog = new SilenceWatchdog({
      intervalMs: 100,
      deadAfterIntervals: 3,
      now: () => Date.now(),
      onDead: (ms) => ref.loop?.drop(`silent for ${ms} ms`),
    });
    const h = harness({ watchdog });
    const loop = h.loop;
    ref.loop = loop;
    loop.schedule(0);
    fire();
    loop.connected();
    expect(watchdog.running).toBe(true);
    // Frames every 50 ms for two seconds: no reconnect.
    for (let i = 0; i < 40; i++) {
      watchdog.frames++;
      vi.advanceTimersByTime(50);
    }
    expect(h.rec.reconnects).toBe(0);
    // Then silence: dead within three intervals, reconnecting, and the watchdog stopped with the attempt.
    vi.advanceTimersByTime(300);
    expect(h.rec.reconnects).toBe(1);
    expect(loop.state).toBe('reconnecting');
    expect(h.rec.states.at(-1)?.reason).toMatch(/^silent for \d+ ms; next try in 100 ms$/);
    expect(watchdog.running).toBe(false);
    expect(h.t.released).toBe(1);
    vi.advanceTimersByTime(100);
    expect(h.t.opened).toHaveLength(2);
  });

  it('the watchdog stops when the loop stops', () => {
    const watchdog = new SilenceWatchdog({ intervalMs: 100, onDead: () => undefined });
    const { loop } = harness({ watchdog });
    loop.schedule(0);
    fire();
    loop.connected();
    expect(watchdog.running).toBe(true);
    loop.stop();
    expect(watchdog.running).toBe(false);
  });

  it('opens nothing while ready() says no, and nothing before start() when started by hand', () => {
    let ready = false;
    const a = harness({ ready: () => ready });
    a.loop.schedule(0);
    fire();
    expect(a.t.opened).toEqual([]);
    ready = true;
    a.loop.schedule(0);
    fire();
    expect(a.t.opened).toHaveLength(1);

    const b = harness({ manualStart: true });
    b.loop.schedule(0);
    fire();
    expect(b.t.opened).toEqual([]);
    b.loop.start();
    expect(b.t.opened).toHaveLength(1);
  });

  it('refused credentials wait the longest delay without growing it; a rate limit waits at least as asked', () => {
    const { loop, rec } = harness();
    loop.schedule(0);
    fire();
    loop.drop('auth', retryAfterError({ kind: 'auth' }));
    fire();
    loop.drop('limited', retryAfterError({ kind: 'rate-limited', retryAfterMs: 700 }));
    vi.advanceTimersByTime(700);
    loop.drop('plain', retryAfterError({ kind: 'unavailable' }));
    const waits = rec.states.filter((s) => s.state === 'reconnecting').map((s) => Number(/next try in (\d+) ms/.exec(s.reason)?.[1]));
    // auth: the cap; rate limit: max(100, 700); then the backoff's second step, untouched by auth.
    expect(waits).toEqual([1_000, 700, 200]);
  });

  it('reports a state once per change', () => {
    const { loop, rec } = harness();
    loop.setState('connecting', 'a');
    loop.setState('connecting', 'b');
    loop.setState('live', 'c');
    expect(rec.states.map((s) => s.state)).toEqual(['connecting', 'live']);
    expect(loop.liveSince).toBe(Date.now());
  });
});
