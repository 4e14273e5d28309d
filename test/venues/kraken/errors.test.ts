import { describe, expect, it } from 'vitest';
import { errorKindOf, firstError, mapKrakenError } from '../../../electron/venues/kraken/errors.js';

describe('Kraken error table', () => {
  it('maps each documented string to one kind and keeps the full string as the code', () => {
    const cases: [string, string][] = [
      ['EAPI:Invalid key', 'auth'],
      ['EAPI:Invalid signature', 'auth'],
      ['EAPI:Invalid nonce', 'auth'],
      ['EAPI:Rate limit exceeded', 'rate-limited'],
      ['EOrder:Rate limit exceeded', 'rate-limited'],
      ['EOrder:Insufficient funds', 'rejected'],
      ['EOrder:Order minimum not met', 'rejected'],
      ['EGeneral:Invalid arguments:volume', 'invalid'],
      ['EService:Unavailable', 'unavailable'],
      ['EService:Busy', 'unavailable'],
      ['EQuery:Unknown asset pair', 'invalid'],
      ['ESomething:New', 'internal'],
    ];
    for (const [s, kind] of cases) {
      expect(errorKindOf(s)).toBe(kind);
      expect(mapKrakenError(s).code).toBe(s);
    }
  });

  it('explains an invalid nonce instead of passing the bare string on', () => {
    expect(mapKrakenError('EAPI:Invalid nonce').message).toMatch(/higher nonce/);
  });

  it('reads the retry time of EService:Throttled', () => {
    const e = mapKrakenError('EService:Throttled: 1700000010', 1_700_000_000_000);
    expect(e.kind).toBe('rate-limited');
    expect(e.retryAfterMs).toBe(10_000);
  });

  it('ignores warnings when picking the error', () => {
    expect(firstError(['WGeneral:Something', 'EOrder:Unknown order'])).toBe('EOrder:Unknown order');
    expect(firstError(['WGeneral:Something'])).toBeUndefined();
  });
});
