import { describe, expect, it } from 'vitest';
import { CHART_PALETTES } from '../../renderer/components/chart-theme.js';
import { amendRequest, cursorChoices, cursorDraft, fillMarkers, sendAmend } from '../../renderer/components/chart-trading.js';
import { replaceOrders } from '../../renderer/store/orders.js';
import { FakeBridge } from './fake-bridge.js';
import { anOrder, instrument } from './fixtures.js';

const btc = instrument('XXBTZUSD', 'BTC/USD');
const ALL = ['limit', 'market', 'stop-loss'] as const;

describe('placing at the cursor', () => {
  it('offers a buy limit and a sell stop below the last price, a sell limit and a buy stop above it', () => {
    expect(cursorChoices('61234.5', '62000.0', ALL).map((c) => c.label)).toEqual(['Buy limit at 61,234.5', 'Sell stop at 61,234.5']);
    expect(cursorChoices('63000.0', '62000.0', ALL).map((c) => c.label)).toEqual(['Sell limit at 63,000.0', 'Buy stop at 63,000.0']);
  });

  it('offers no stop where the venue takes none, and both limits before any price is known', () => {
    expect(cursorChoices('61234.5', '62000.0', ['limit', 'market']).map((c) => c.label)).toEqual(['Buy limit at 61,234.5']);
    expect(cursorChoices('61234.5', undefined, ALL).map((c) => [c.side, c.type])).toEqual([
      ['buy', 'limit'],
      ['sell', 'limit'],
    ]);
    // At the last price exactly neither side is a resting limit or a waiting stop.
    expect(cursorChoices('62000.0', '62000', ALL)).toEqual([]);
  });

  it('builds the order with the ticket’s size: a limit at the price, a stop triggered there', () => {
    const [limit, stop] = cursorChoices('61234.5', '62000.0', ALL);
    const o = { instrument: btc, accountId: 'spot', quantity: '0.02' };
    expect(cursorDraft(limit!, '61234.5', o)).toEqual({ venue: 'kraken', accountId: 'spot', instrumentId: 'XXBTZUSD', side: 'buy', type: 'limit', quantity: '0.02', price: '61234.5' });
    expect(cursorDraft(stop!, '61234.5', o)).toEqual({ venue: 'kraken', accountId: 'spot', instrumentId: 'XXBTZUSD', side: 'sell', type: 'stop-loss', quantity: '0.02', triggerPrice: '61234.5' });
  });
});

describe('amending from a dragged line', () => {
  const order = anOrder({ type: 'stop-loss-limit', price: '59000.0', triggerPrice: '60000.0' });

  it('sends the field that moved, with the gesture’s amend id', () => {
    expect(amendRequest({ order, field: 'price', from: '59000.0' }, '59100.0', 'a-1')).toEqual({
      venue: 'kraken',
      accountId: 'spot',
      clientOrderId: order.clientOrderId,
      price: '59100.0',
      amendId: 'a-1',
    });
    expect(amendRequest({ order, field: 'triggerPrice', from: '60000.0' }, '60500.0', 'a-2')).toMatchObject({ triggerPrice: '60500.0', amendId: 'a-2' });
  });

  it('tells a refusal in the venue’s words, and a lost answer as not confirmed', async () => {
    const target = { order, field: 'price' as const, from: '59000.0' };
    const refusing = new FakeBridge().answer('orders.amend', () => ({ ok: false, code: 'rejected', message: 'EOrder:Invalid price', venue: { code: 'EOrder:Invalid price' } }));
    expect(await sendAmend(refusing, target, '1.0', 'a')).toEqual({ ok: false, reason: 'EOrder:Invalid price' });
    const lost = new FakeBridge().answer('orders.amend', () => ({ ok: true, value: { ...order, status: 'unknown' } }));
    expect((await sendAmend(lost, target, '1.0', 'a')).ok).toBe(false);
    const fine = new FakeBridge().answer('orders.amend', (req) => ({ ok: true, value: { ...order, price: req.price! } }));
    expect(await sendAmend(fine, target, '59100.0', 'a')).toEqual({ ok: true });
    expect(fine.calls).toEqual([{ method: 'orders.amend', request: { venue: 'kraken', accountId: 'spot', clientOrderId: order.clientOrderId, price: '59100.0', amendId: 'a' } }]);
  });
});

describe('own fills on the chart', () => {
  const p = CHART_PALETTES.dark;
  const fill = (tradeId: string, timeMs: number) => ({ tradeId, price: '60000.0', quantity: '0.01', time: timeMs });

  it('marks each fill on its bar: buys below with an up arrow, sells above with a down arrow, oldest first', () => {
    const orders = replaceOrders({}, [
      anOrder({ clientOrderId: 'b', status: 'filled', fills: [fill('T2', Date.UTC(2026, 11, 7, 10, 3, 59))] }),
      anOrder({ clientOrderId: 's', side: 'sell', status: 'filled', fills: [fill('T1', Date.UTC(2026, 11, 7, 9, 0, 0, 500))] }),
      anOrder({ clientOrderId: 'other', instrumentId: 'XETHZUSD', fills: [fill('T3', 0)] }),
    ]);
    expect(fillMarkers(orders, btc, '1m', p).map((m) => [m.time, m.position, m.shape, m.color])).toEqual([
      [Date.UTC(2026, 11, 7, 9, 0) / 1000, 'aboveBar', 'arrowDown', p.down],
      [Date.UTC(2026, 11, 7, 10, 3) / 1000, 'belowBar', 'arrowUp', p.up],
    ]);
    expect(fillMarkers(orders, btc, '4h', p).map((m) => m.time)).toEqual([Date.UTC(2026, 11, 7, 8) / 1000, Date.UTC(2026, 11, 7, 8) / 1000]);
  });

  it('puts a week’s fills on the venue’s week bar: Monday on T-Invest, the epoch’s Thursday on Kraken', () => {
    const sunday = Date.UTC(2026, 11, 13, 12); // Sunday 13 Dec 2026
    const kraken = replaceOrders({}, [anOrder({ fills: [fill('K', sunday)] })]);
    const sber = instrument('sber-uid', 'SBER', { venue: 'tinvest' });
    const tinvest = replaceOrders({}, [anOrder({ venue: 'tinvest', instrumentId: 'sber-uid', fills: [fill('T', sunday)] })]);
    expect(fillMarkers(kraken, btc, '1w', p)[0]!.time).toBe(Date.UTC(2026, 11, 10) / 1000); // Thursday 10 Dec
    expect(fillMarkers(tinvest, sber, '1w', p)[0]!.time).toBe(Date.UTC(2026, 11, 7) / 1000); // Monday 7 Dec
  });
});
