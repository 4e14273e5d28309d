import { describe, expect, it } from 'vitest';
import { amendsText, dateTime, orderSummary, priceLineText, reasonText, statusText, triggerText, typeText } from '../../renderer/order-text.js';
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

describe('how stop orders and amends read', () => {
  it('marks a stop waiting for its trigger, then triggered, and names its trigger in the type', () => {
    const stop = anOrder({ type: 'stop-loss', side: 'sell', price: undefined, triggerPrice: '59000' });
    expect(typeText(stop)).toBe('stop-loss @ 59000');
    expect(triggerText(stop)).toBe('waiting for trigger');
    expect(triggerText({ ...stop, triggeredAt: new Date(2026, 11, 6, 14, 3, 5).getTime() })).toBe('triggered 14:03:05');
    expect(triggerText(anOrder())).toBeUndefined();
    expect(priceLineText(stop, instrument('XXBTZUSD', 'BTC/USD'))).toBe('Sell 0.01 stop-loss @ trigger 59000, open');
    expect(typeText(anOrder({ type: 'trailing-stop', price: undefined, trailingOffset: { value: '2', unit: 'percent' } }))).toBe('trailing-stop 2%');
  });

  it('counts amends and tells the last one', () => {
    expect(amendsText(anOrder())).toBe('');
    const at = new Date(2026, 11, 6, 14, 3, 5).getTime();
    const amended = anOrder({ amends: [{ amendId: 'a', price: '1', at: at - 1000 }, { amendId: 'b', price: '60100', quantity: '2', at }] });
    expect(amendsText(amended)).toBe('2 amends, last 14:03:05: price 60100, quantity 2');
  });
});
