import { describe, expect, it } from 'vitest';
import { skewText } from '../../renderer/diagnostics-text.js';

describe('clock skew text', () => {
  it('says which way and how far the venue clock runs from ours', () => {
    expect(skewText(20)).toBe('in step with ours');
    expect(skewText(340)).toBe('340 ms ahead of ours');
    expect(skewText(-1234)).toBe('1.2 s behind ours');
    expect(skewText(3_600_000)).toBe('3600 s ahead of ours');
  });
});
