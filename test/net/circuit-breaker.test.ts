import { describe, expect, it } from 'vitest';
import type { BreakerState } from '../../common/domain.js';
import { CircuitBreaker, CircuitOpenError } from '../../electron/net/circuit-breaker.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const down = (): Promise<never> => Promise.reject(new Error('down'));
const up = (): Promise<string> => Promise.resolve('ok');
const failure = (): 'failure' => 'failure';

describe('CircuitBreaker', () => {
  it('opens after the threshold of consecutive failures and then fails fast', async () => {
    const c = clock();
    const seen: BreakerState[] = [];
    const b = new CircuitBreaker({ name: 'MarketDataService', failureThreshold: 3, openMs: 1000, now: c.now, onChange: (s) => seen.push(s) });
    let calls = 0;
    const call = (): Promise<never> => {
      calls++;
      return down();
    };
    for (let i = 0; i < 3; i++) await expect(b.run(call, failure)).rejects.toThrow('down');
    expect(b.snapshot()).toEqual({ name: 'MarketDataService', state: 'open', failures: 3 });
    await expect(b.run(call, failure)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(calls).toBe(3);
    expect(seen.at(-1)?.state).toBe('open');
  });

  it('lets one trial through after the open time; success closes, failure reopens', async () => {
    const c = clock();
    const b = new CircuitBreaker({ name: 's', failureThreshold: 1, openMs: 1000, now: c.now });
    await expect(b.run(down, failure)).rejects.toThrow('down');
    c.advance(1000);
    await expect(b.run(down, failure)).rejects.toThrow('down'); // the trial
    expect(b.state).toBe('open');
    await expect(b.run(up, failure)).rejects.toBeInstanceOf(CircuitOpenError);
    c.advance(1000);
    await expect(b.run(up, failure)).resolves.toBe('ok');
    expect(b.snapshot()).toEqual({ name: 's', state: 'closed', failures: 0 });
  });

  it('admits a single trial while half-open', () => {
    const c = clock();
    const b = new CircuitBreaker({ name: 's', failureThreshold: 1, openMs: 10, now: c.now });
    b.failure();
    c.advance(10);
    expect(() => b.admit()).not.toThrow();
    expect(b.state).toBe('half-open');
    expect(() => b.admit()).toThrow(CircuitOpenError);
  });

  it('does not count errors that say nothing about the service', async () => {
    const b = new CircuitBreaker({ name: 's', failureThreshold: 2 });
    for (let i = 0; i < 5; i++) await expect(b.run(down, () => 'success')).rejects.toThrow();
    for (let i = 0; i < 5; i++) await expect(b.run(down, () => 'neutral')).rejects.toThrow();
    expect(b.state).toBe('closed');
    await expect(b.run(down, failure)).rejects.toThrow();
    await expect(b.run(up, failure)).resolves.toBe('ok'); // success resets the run
    await expect(b.run(down, failure)).rejects.toThrow();
    expect(b.state).toBe('closed');
  });
});
