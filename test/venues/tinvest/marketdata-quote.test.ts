/** The quote's arithmetic and the trading status as a trader reads it. */
import { describe, expect, it } from 'vitest';
import { percentOf, tradingState } from '../../../electron/venues/tinvest/marketdata-feeds.js';

describe('T-Invest quote parts', () => {
  it('gives the change in percent of the previous close to two places (canonical decimal text), rounded half away from zero', () => {
    expect(percentOf('1.5', '300')).toBe('0.5');
    expect(percentOf('-1.5', '300')).toBe('-0.5');
    expect(percentOf('0.015', '3')).toBe('0.5');
    expect(percentOf('1', '3')).toBe('33.33');
    expect(percentOf('2', '3')).toBe('66.67');
    expect(percentOf('-2', '3')).toBe('-66.67');
    expect(percentOf('0.00005', '1')).toBe('0.01');
    expect(percentOf('0.000049', '1')).toBe('0');
    expect(percentOf('5', '0')).toBeUndefined();
  });

  it('names the status as the venue does; only NORMAL_TRADING is tradable, the flags say which orders go', () => {
    expect(tradingState(5, true, true)).toEqual({ tradable: true, limitOrders: true, marketOrders: true, venueStatus: 'SECURITY_TRADING_STATUS_NORMAL_TRADING' });
    expect(tradingState(2, true, false)).toEqual({ tradable: false, limitOrders: true, marketOrders: false, venueStatus: 'SECURITY_TRADING_STATUS_OPENING_PERIOD' });
    expect(tradingState(16, false, false).venueStatus).toBe('SECURITY_TRADING_STATUS_DEALER_NOT_AVAILABLE_FOR_TRADING');
    expect(tradingState(99, false, false).venueStatus).toBe('SECURITY_TRADING_STATUS_99');
  });
});
