/** The progress-bounded wait fails on a stall only, never on elapsed time while things move. */
import { describe, expect, it } from 'vitest';
import { waitForProgress } from './helpers.js';

describe('waitForProgress', () => {
  it('waits past its stall budget while the measure keeps moving', async () => {
    let polls = 0;
    // Moves on every poll and is done after 20: with a 0 ms budget only movement can keep it waiting.
    await waitForProgress('twenty polls', () => polls >= 20, () => ++polls, 0, 1);
    expect(polls).toBeGreaterThanOrEqual(20);
  });

  it('gives up once the measure stands still for the stall budget', async () => {
    await expect(waitForProgress('nothing', () => false, () => 'same', 50, 5)).rejects.toThrow('no progress towards nothing for 50 ms (stuck at same)');
  });
});
