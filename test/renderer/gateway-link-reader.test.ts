/**
 * The renderer's reader of `gateway.link`: one read at a time, the next a second after the
 * answer, only while someone shows the link, and never again once the app says it has a core of
 * its own. The timers are stepped by hand, so nothing here depends on how fast anything runs.
 */
import { describe, expect, it } from 'vitest';
import type { GatewayLinkStatus, Result } from '../../electron/contract.js';
import { marketDataText, orderEventsText, replayText, durationText } from '../../renderer/diagnostics-text.js';
import { GatewayLinkReader, type ReadTimers } from '../../renderer/store/gateway-link-reader.js';
import { FakeBridge } from './fake-bridge.js';

/** Timers that fire only when the test says so. */
class HandTimers implements ReadTimers {
  private next = 0;
  readonly pending = new Map<number, () => void>();
  set(fn: () => void): unknown {
    const id = ++this.next;
    this.pending.set(id, fn);
    return id;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fire(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const fn of due) fn();
  }
}

const settle = () => new Promise((r) => setImmediate(r));

function status(o: Partial<GatewayLinkStatus> = {}): GatewayLinkStatus {
  return {
    servers: ['nats://127.0.0.1:4222'], state: 'live', timeline: [], replaySeq: 0, orderEvents: 0, duplicateOrderEvents: 0,
    marketMessages: 0, gaps: 0, snapshots: 0, malformed: 0, reconnects: 0, leasedKeys: 0, ...o,
  };
}

describe('the gateway link reader', () => {
  it('reads at once for the first viewer, again after each answer, and follows the answers', async () => {
    let answer = status({ state: 'reconnecting', replaySeq: 3, streamSeq: 9 });
    const bridge = new FakeBridge().answer('gateway.link', () => ({ ok: true, value: answer }));
    const timers = new HandTimers();
    const reader = new GatewayLinkReader(bridge, timers);
    const seen: (string | undefined)[] = [];
    const stop = reader.subscribe(() => seen.push(reader.current()?.state));
    await settle();
    expect(reader.current()?.replaySeq).toBe(3);
    answer = status({ state: 'live', replaySeq: 9, streamSeq: 9 });
    timers.fire();
    await settle();
    expect(reader.current()).toMatchObject({ state: 'live', replaySeq: 9 });
    expect(seen).toEqual(['reconnecting', 'live']);
    // A second viewer shares the reads: no extra read, the same answer.
    const stop2 = reader.subscribe(() => {});
    await settle();
    expect(bridge.count('gateway.link')).toBe(2);
    stop();
    stop2();
    expect(timers.pending.size).toBe(0);
  });

  it('stops for good when the app has a core of its own', async () => {
    const bridge = new FakeBridge().answer('gateway.link', () => ({ ok: true, value: null }));
    const timers = new HandTimers();
    const reader = new GatewayLinkReader(bridge, timers);
    const stop = reader.subscribe(() => {});
    await settle();
    expect(reader.current()).toBeNull();
    expect(timers.pending.size).toBe(0);
    stop();
    reader.subscribe(() => {})();
    await settle();
    expect(bridge.count('gateway.link')).toBe(1);
  });

  it('keeps the last answer through failed reads and reads on', async () => {
    let next: Result<GatewayLinkStatus | null> = { ok: true, value: status({ replaySeq: 5 }) };
    const bridge = new FakeBridge().answer('gateway.link', () => next);
    const timers = new HandTimers();
    const reader = new GatewayLinkReader(bridge, timers);
    const stop = reader.subscribe(() => {});
    await settle();
    next = { ok: false, code: 'unavailable', message: 'bridge down' };
    timers.fire();
    await settle();
    expect(reader.current()?.replaySeq).toBe(5);
    expect(reader.failures).toBe(1);
    expect(timers.pending.size).toBe(1);
    stop();
  });

  it('reads nothing while nobody shows the link', async () => {
    const bridge = new FakeBridge().answer('gateway.link', () => ({ ok: true, value: status() }));
    const timers = new HandTimers();
    const reader = new GatewayLinkReader(bridge, timers);
    reader.subscribe(() => {})();
    await settle();
    timers.fire();
    await settle();
    expect(bridge.count('gateway.link')).toBe(1);
    expect(timers.pending.size).toBe(0);
  });
});

describe('gateway link text', () => {
  it('says how far the order stream is applied', () => {
    expect(replayText(120, 125)).toBe('applied seq 120 of 125 (5 behind)');
    expect(replayText(125, 125)).toBe('applied seq 125 of 125');
    expect(replayText(0, undefined)).toBe('applied seq 0 of ?');
  });

  it('counts order events, market data and durations in words', () => {
    expect(orderEventsText(12, 1)).toBe('12 applied, 1 repeat skipped');
    expect(orderEventsText(0, 0)).toBe('0 applied, 0 repeats skipped');
    expect(marketDataText(1520, 1, 2)).toBe('1520 messages, 1 gap healed, 2 snapshots');
    expect(durationText(5_400)).toBe('5 s');
    expect(durationText(4 * 60_000)).toBe('4 min');
    expect(durationText(3 * 3_600_000)).toBe('3 h');
    expect(durationText(2 * 86_400_000)).toBe('2 d');
  });
});
