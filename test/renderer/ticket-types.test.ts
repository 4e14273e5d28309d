import { describe, expect, it } from 'vitest';
import { requestSchemas } from '../../electron/contract.js';
import type { OrderType } from '../../common/domain.js';
import { ORDER_TYPES } from '../../common/domain.js';
import { checkTicket, requestTerms, type TicketInput } from '../../renderer/components/ticket/ticket-check.js';
import { orderSummary } from '../../renderer/order-text.js';
import { instrument } from './fixtures.js';

const btc = instrument('XXBTZUSD', 'BTC/USD', { priceStep: '0.1', qtyStep: '0.00000001', minQty: '0.00005' });
const NOW = Date.parse('2026-12-06T12:00:00Z');

/** A filled-in ticket for each type, as a trader would leave it. */
const FILLED: Readonly<Record<OrderType, TicketInput>> = {
  limit: { type: 'limit', quantity: '1', price: '60000.0' },
  market: { type: 'market', quantity: '1', price: '' },
  'stop-loss': { type: 'stop-loss', quantity: '1', price: '', triggerPrice: '59000.0' },
  'stop-loss-limit': { type: 'stop-loss-limit', quantity: '1', price: '58900.0', triggerPrice: '59000.0' },
  'take-profit': { type: 'take-profit', quantity: '1', price: '', triggerPrice: '65000.0' },
  'take-profit-limit': { type: 'take-profit-limit', quantity: '1', price: '65100.0', triggerPrice: '65000.0' },
  'trailing-stop': { type: 'trailing-stop', quantity: '1', price: '', trailingOffset: '2', trailingUnit: 'percent' },
  'trailing-stop-limit': { type: 'trailing-stop-limit', quantity: '1', price: '58000.0', trailingOffset: '150.5', trailingUnit: 'price' },
};

function place(input: TicketInput) {
  const check = checkTicket(input, btc, { now: NOW, lastPrice: '60000.0' });
  return {
    check,
    request: {
      venue: 'kraken' as const,
      accountId: 'main',
      instrumentId: btc.id,
      side: 'sell' as const,
      type: input.type,
      quantity: check.quantity.value ?? '0',
      clientOrderId: '0b4f8c1e-7a43-4d1c-9a55-3d2d5f3f7a10',
      ...requestTerms(input, check),
    },
  };
}

describe('the ticket for every order type', () => {
  it.each(ORDER_TYPES)('a filled-in %s ticket passes and makes a request the contract accepts', (type) => {
    const { check, request } = place(FILLED[type]);
    expect(check.blocker).toBeUndefined();
    const parsed = requestSchemas['orders.place'].safeParse(request);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  });

  it.each(ORDER_TYPES.filter((t) => t !== 'market'))('a %s ticket missing its type\'s fields is blocked, and says which', (type) => {
    const missing: TicketInput = { type, quantity: '1', price: '' };
    const { check, request } = place(missing);
    expect(check.blocker).toMatch(/^Enter a (limit price|trigger price|trailing offset)$/);
    // What the ticket blocks, the contract refuses too.
    expect(requestSchemas['orders.place'].safeParse(request).success).toBe(false);
  });

  it('checks a trigger against the tick and a trailing offset by its unit', () => {
    expect(place({ ...FILLED['stop-loss'], triggerPrice: '59000.05' }).check).toMatchObject({
      blocker: 'Price is off the tick of 0.1',
      triggerPrice: { suggestions: ['59000.0', '59000.1'] },
    });
    expect(place({ ...FILLED['trailing-stop'], trailingOffset: '100' }).check.blocker).toBe('A trailing offset in percent must be below 100');
    expect(place({ ...FILLED['trailing-stop'], trailingUnit: 'price', trailingOffset: '10.05' }).check.blocker).toBe('Trailing offset is off the tick of 0.1');
    expect(place(FILLED['trailing-stop']).request.trailingOffset).toEqual({ value: '2', unit: 'percent' });
  });

  it('asks good-till-date for a future expiry and sends it in ms; other choices send none', () => {
    const gtd = (expireAt: string) => place({ ...FILLED.limit, timeInForce: 'gtd', expireAt });
    expect(gtd('').check.blocker).toBe('Enter an expiry date and time');
    expect(gtd('2026-12-05T10:00').check.blocker).toBe('Expiry must be in the future');
    expect(gtd('tomorrow').check.blocker).toBe('Expiry must be a date and time');
    const ok = gtd('2026-12-09T18:30');
    expect(ok.check.blocker).toBeUndefined();
    expect(ok.request).toMatchObject({ timeInForce: 'gtd', expireAt: new Date('2026-12-09T18:30').getTime() });
    const ioc = place({ ...FILLED.limit, timeInForce: 'ioc', expireAt: '2026-12-09T18:30' }).request;
    expect(ioc.timeInForce).toBe('ioc');
    expect(ioc.expireAt).toBeUndefined();
    expect(requestSchemas['orders.place'].safeParse(ok.request).success).toBe(true);
  });

  it('takes post-only on a resting limit order only', () => {
    expect(place({ ...FILLED.limit, postOnly: true }).request.postOnly).toBe(true);
    expect(place({ ...FILLED.limit, postOnly: true, timeInForce: 'ioc' }).check.blocker).toMatch(/post-only order rests/);
    expect(place({ ...FILLED['stop-loss-limit'], postOnly: true }).check.blocker).toBe('Post-only is for limit orders');
  });

  it('refuses what the trading status forbids: market orders when only limits are taken, anything when halted', () => {
    const limitsOnly = { tradable: true, limitOrders: true, marketOrders: false, venueStatus: 'SECURITY_TRADING_STATUS_OPENING_PERIOD' };
    expect(checkTicket(FILLED.market, btc, { status: limitsOnly }).blocker).toBe('Market orders are not accepted now (SECURITY_TRADING_STATUS_OPENING_PERIOD)');
    expect(checkTicket(FILLED.limit, btc, { status: limitsOnly }).blocker).toBeUndefined();
    const halted = { tradable: false, limitOrders: false, marketOrders: false, venueStatus: 'cancel_only' };
    expect(checkTicket(FILLED.limit, btc, { status: halted }).blocker).toBe('BTC/USD is not trading now (cancel_only)');
  });

  it('estimates a stop\'s notional at its trigger and a stop-limit\'s exactly at its limit', () => {
    expect(place(FILLED['stop-loss']).check.notional).toEqual({ value: '59000', estimated: true });
    expect(place(FILLED['stop-loss-limit']).check.notional).toEqual({ value: '58900', estimated: false });
  });

  it('tells stops in words', () => {
    const text = (input: TicketInput) => orderSummary(place(input).request, btc);
    expect(text(FILLED['stop-loss'])).toBe('Sell 1 BTC/USD stop-loss at trigger 59\u2009000');
    expect(text(FILLED['take-profit-limit'])).toBe('Sell 1 BTC/USD take-profit-limit at trigger 65\u2009000, limit 65\u2009100');
    expect(text(FILLED['trailing-stop'])).toBe('Sell 1 BTC/USD trailing-stop 2% behind the best price');
    expect(text({ ...FILLED.limit, postOnly: true, timeInForce: 'gtc' })).toBe('Sell 1 BTC/USD @ 60000 limit (post-only)');
    expect(text({ ...FILLED.market, timeInForce: 'ioc' })).toBe('Sell 1 BTC/USD market (IOC)');
  });
});
