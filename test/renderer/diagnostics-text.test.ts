import { describe, expect, it } from 'vitest';
import { deadManText, skewText } from '../../renderer/diagnostics-text.js';
import { clockTime } from '../../renderer/order-text.js';

describe('clock skew text', () => {
  it('says which way and how far the venue clock runs from ours', () => {
    expect(skewText(20)).toBe('in step with ours');
    expect(skewText(340)).toBe('340 ms ahead of ours');
    expect(skewText(-1234)).toBe('1.2 s behind ours');
    expect(skewText(3_600_000)).toBe('3600 s ahead of ours');
  });
});

describe("dead man's switch text", () => {
  it('says armed with its timeout, or off', () => {
    expect(deadManText({ armed: true, timeoutSec: 60, triggerAt: Date.UTC(2026, 11, 6, 7, 30) })).toBe('armed, 60 s');
    expect(deadManText({ armed: false, timeoutSec: 0 })).toBe('off');
  });

  it('says when the venue will cancel once refreshing stopped, and when it is still to arm', () => {
    const at = Date.UTC(2026, 11, 6, 7, 30, 15);
    expect(deadManText({ armed: false, timeoutSec: 60, triggerAt: at })).toBe(
      `not refreshed: the venue cancels every order at ${clockTime(at)} unless the connection returns`,
    );
    expect(deadManText({ armed: false, timeoutSec: 60 })).toBe('not armed (60 s, arms once connected)');
  });
});
