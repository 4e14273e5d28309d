import { describe, expect, it } from 'vitest';
import { ConnectionMonitor, TIMELINE_LENGTH } from '../../electron/core/diagnostics.js';
import type { ConnectionTransition } from '../../electron/core/diagnostics.js';

function clock(start = 1_700_000_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('ConnectionMonitor', () => {
  it('keeps a short timeline of transitions with times and reasons, and announces each', () => {
    const c = clock();
    const seen: ConnectionTransition[] = [];
    const m = new ConnectionMonitor('kraken', 'ws-public', { now: c.now, onState: (t) => seen.push(t) });
    for (let i = 0; i < TIMELINE_LENGTH + 5; i++) {
      c.advance(1000);
      m.state(i % 2 ? 'live' : 'reconnecting', `step ${i}`);
    }
    const snap = m.snapshot();
    expect(snap.timeline).toHaveLength(TIMELINE_LENGTH);
    expect(snap.timeline[0]?.reason).toBe('step 5');
    expect(snap.timeline.at(-1)).toEqual({ state: 'reconnecting', at: c.now(), reason: `step ${TIMELINE_LENGTH + 4}` });
    expect(seen).toHaveLength(TIMELINE_LENGTH + 5);
    expect(seen[0]).toMatchObject({ venue: 'kraken', connection: 'ws-public', state: 'reconnecting' });
  });

  it('measures the message rate over the last few whole seconds', () => {
    const c = clock();
    const m = new ConnectionMonitor('tinvest', 'marketdata', { now: c.now });
    for (let s = 0; s < 5; s++) {
      for (let i = 0; i < 20; i++) m.message();
      c.advance(1000);
    }
    expect(m.snapshot().messageRate).toBe(20);
    c.advance(10_000);
    const quiet = m.snapshot();
    expect(quiet.messageRate).toBe(0);
    expect(quiet.messages).toBe(100);
    expect(quiet.lastMessageAt).toBe(c.now() - 11_000);
  });

  it('reports what the adapter told it: reconnects, RTT, subscriptions, limiters, breakers, errors, malformed frames', () => {
    const m = new ConnectionMonitor('kraken', 'rest', { now: () => 5 });
    m.reconnect();
    m.reconnect();
    m.pingRtt(12);
    m.subscriptions(1, 3);
    m.limiters([{ name: 'private', remaining: 14, limit: 20, queued: 0 }]);
    m.breakers([{ name: 'orders', state: 'half-open', failures: 3 }]);
    m.error({ kind: 'rate-limited', code: 'EAPI:Rate limit exceeded', message: 'slow down', at: 5, retryAfterMs: 1000 });
    m.malformed('unexpected token');
    expect(m.snapshot()).toMatchObject({
      reconnects: 2,
      pingRttMs: 12,
      subscriptions: { pending: 1, confirmed: 3 },
      limiters: [{ name: 'private', remaining: 14 }],
      breakers: [{ name: 'orders', state: 'half-open' }],
      lastError: { kind: 'rate-limited', code: 'EAPI:Rate limit exceeded' },
      malformed: 1,
    });
  });

  it('counts bytes received only on a connection whose adapter tells frame sizes', () => {
    const sized = new ConnectionMonitor('kraken', 'ws-public');
    sized.message(120);
    sized.message();
    sized.message(30);
    expect(sized.snapshot()).toMatchObject({ messages: 3, bytesReceived: 150 });
    const unsized = new ConnectionMonitor('tinvest', 'marketdata');
    unsized.message();
    expect(unsized.snapshot().bytesReceived).toBeUndefined();
  });
});
