/**
 * Shares are validated before they become instruments: one without a uid, a positive lot or a
 * positive, well-formed price step is skipped and reported with why; the others load.
 */
import { describe, expect, it } from 'vitest';
import { InstrumentCatalog } from '../../../electron/venues/tinvest/instruments.js';
import type { ShareMsg } from '../../../electron/venues/tinvest/messages.js';

const share = (over: Partial<ShareMsg>): ShareMsg => ({
  figi: 'F',
  ticker: 'T',
  classCode: 'TQBR',
  isin: 'I',
  lot: 10,
  currency: 'rub',
  name: 'n',
  exchange: 'x',
  minPriceIncrement: { units: '0', nano: 10_000_000 },
  apiTradeAvailableFlag: true,
  buyAvailableFlag: true,
  sellAvailableFlag: true,
  uid: 'u-ok',
  positionUid: 'p',
  ...over,
});

describe('T-Invest shares as instruments', () => {
  it('skips and reports shares without a uid, lot or sane price step; loads the rest', () => {
    const skipped: string[] = [];
    const c = new InstrumentCatalog();
    const n = c.load(
      [
        share({}),
        share({ uid: '' }),
        share({ uid: 'u-lot', lot: 0 }),
        share({ uid: 'u-nostep', minPriceIncrement: null }),
        share({ uid: 'u-zerostep', minPriceIncrement: { units: '0', nano: 0 } }),
        share({ uid: 'u-negstep', minPriceIncrement: { units: '-1', nano: 0 } }),
        share({ uid: 'u-badnano', minPriceIncrement: { units: '1', nano: -5 } }),
      ],
      (why) => skipped.push(why),
    );
    expect(n).toBe(6);
    expect(skipped).toHaveLength(6);
    expect(c.size).toBe(1);
    expect(c.get('u-ok')?.priceStep).toBe('0.01');
  });
});
