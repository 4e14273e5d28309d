import { describe, expect, it } from 'vitest';
import { checkTicket } from '../../renderer/components/ticket/ticket-check.js';
import { instrument } from './fixtures.js';

const sber = instrument('sber-uid', 'SBER', { venue: 'tinvest', qtyUnit: 'lot', lotSize: '10', qtyStep: '1', minQty: '1', priceStep: '0.01', currency: 'rub' });
const btc = instrument('XXBTZUSD', 'BTC/USD', { priceStep: '0.1', qtyStep: '0.00000001', minQty: '0.00005' });

describe('the ticket check', () => {
  it('takes a limit order on the tick and computes price × quantity × lot size exactly', () => {
    const c = checkTicket({ type: 'limit', quantity: '7', price: '306.51' }, sber);
    expect(c.blocker).toBeUndefined();
    expect(c.quantity.value).toBe('7');
    expect(c.price.value).toBe('306.51');
    expect(c.notional).toEqual({ value: '21455.7', estimated: false });
  });

  it('never rounds an off-tick price: it blocks and offers the nearest valid prices', () => {
    const c = checkTicket({ type: 'limit', quantity: '1', price: '306.505' }, sber);
    expect(c.price.value).toBeUndefined();
    expect(c.price.problem).toBe('Price is off the tick of 0.01');
    expect(c.price.suggestions).toEqual(['306.50', '306.51']);
    expect(c.blocker).toBe('Price is off the tick of 0.01');
  });

  it('checks the quantity against the step and the minimum, in the venue\'s unit', () => {
    expect(checkTicket({ type: 'market', quantity: '1.5', price: '' }, sber).quantity).toMatchObject({
      problem: 'Quantity must be a multiple of 1 lots',
      suggestions: ['1', '2'],
    });
    expect(checkTicket({ type: 'market', quantity: '0.00001', price: '' }, btc).quantity).toMatchObject({
      problem: 'Minimum quantity is 0.00005 units',
      suggestions: ['0.00005'],
    });
    expect(checkTicket({ type: 'market', quantity: 'abc', price: '' }, btc).quantity.problem).toMatch(/plain number/);
    expect(checkTicket({ type: 'market', quantity: '0', price: '' }, btc).quantity.problem).toMatch(/greater than zero/);
  });

  it('estimates a market order at the last price and needs no price', () => {
    const c = checkTicket({ type: 'market', quantity: '0.01', price: 'junk' }, btc, '64250.1');
    expect(c.blocker).toBeUndefined();
    expect(c.notional).toEqual({ value: '642.501', estimated: true });
  });

  it('asks for what is missing, and refuses an instrument the venue does not trade through the API', () => {
    expect(checkTicket({ type: 'limit', quantity: '', price: '' }, sber).blocker).toBe('Enter a quantity');
    expect(checkTicket({ type: 'limit', quantity: '1', price: '' }, sber).blocker).toBe('Enter a limit price');
    expect(checkTicket({ type: 'limit', quantity: '1', price: '250.0' }, { ...sber, tradable: false }).blocker).toBe(
      'SBER is not tradable through the API',
    );
  });
});
