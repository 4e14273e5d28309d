import { describe, expect, it } from 'vitest';
import { dateTime, orderSummary, priceLineText, reasonText, statusText } from '../../renderer/order-text.js';
import { anOrder, instrument } from './fixtures.js';

const sber = instrument('sber-uid', 'SBER', { venue: 'tinvest', qtyUnit: 'lot', lotSize: '10' });

describe('how orders read', () => {
  it('names quantities in the venue\'s unit: lots on T-Invest, base units on Kraken', () => {
    expect(orderSummary(anOrder({ venue: 'tinvest', quantity: '3', price: '306.50' }), sber)).toBe('Buy 3 lots SBER @ 306.50 limit');
    expect(orderSummary(anOrder({ type: 'market', side: 'sell', price: undefined }), instrument('XXBTZUSD', 'BTC/USD'))).toBe(
      'Sell 0.01 BTC/USD market',
    );
    expect(priceLineText(anOrder({ venue: 'tinvest', quantity: '1' }), sber)).toBe('Buy 1 lot @ 50000.0, open');
  });

  it('says the venue\'s code and reason once, with the tracking id', () => {
    expect(reasonText(anOrder({ reason: { code: '30034', message: 'not enough balance', trackingId: 'abc' } }))).toBe(
      '30034: not enough balance (tracking id abc)',
    );
    expect(reasonText(anOrder({ reason: { code: 'EOrder:Insufficient funds', message: 'EOrder:Insufficient funds' } }))).toBe(
      'EOrder:Insufficient funds',
    );
    expect(reasonText(anOrder())).toBeUndefined();
  });

  it('calls a lost answer what it is', () => {
    expect(statusText('unknown')).toBe('outcome unknown');
  });

  it('dates history that spans days in local time, and shows no date for a time that is not one', () => {
    expect(dateTime(new Date(2026, 0, 6, 4, 3, 5).getTime())).toBe('2026-01-06 04:03:05');
    expect(dateTime(Number.NaN)).toBe('—');
  });
});
