import { describe, expect, it } from 'vitest';
import type { CancelAllResult } from '../../electron/contract.js';
import { cancelAllHeadline, cancelAllLines } from '../../renderer/cancel-report.js';

describe('cancel-all report text', () => {
  it('says per venue and account what was cancelled and what was not, with why', () => {
    const r: CancelAllResult = {
      cancelled: 2,
      failed: [
        { venue: 'tinvest', accountId: 'acc-2', code: 'auth', message: 'token has no trading rights' },
        { venue: 'kraken', code: 'not-connected', message: 'Kraken is not connected' },
      ],
      venues: [
        {
          venue: 'tinvest',
          accounts: [
            { accountId: 'acc-1', ok: true, cancelled: 2, attempts: 3, mayBeOpen: [] },
            { accountId: 'acc-2', ok: false, cancelled: 0, attempts: 1, error: { code: 'auth', message: 'token has no trading rights' }, mayBeOpen: ['a', 'b'] },
          ],
        },
        { venue: 'kraken', error: { code: 'not-connected', message: 'Kraken is not connected' }, accounts: [] },
      ],
    };
    expect(cancelAllHeadline(r)).toBe('Cancelled 2 orders; 2 not done');
    expect(cancelAllLines(r)).toEqual([
      { ok: true, text: 'T-Invest · acc-1: cancelled 2 orders after 3 attempts' },
      { ok: false, text: 'T-Invest · acc-2: NOT cancelled — auth: token has no trading rights; 2 orders of this app may still be open' },
      { ok: false, text: 'Kraken: nothing cancelled — not-connected: Kraken is not connected' },
    ]);
  });
});
