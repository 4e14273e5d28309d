import { describe, expect, it } from 'vitest';
import type { CreatePriceLineOptions, IPriceLine } from 'lightweight-charts';
import { chartLines, ordersOnChart, PriceLines } from '../../renderer/components/price-lines.js';
import { priceLineText } from '../../renderer/order-text.js';
import { replaceOrders } from '../../renderer/store/orders.js';
import { anOrder, instrument } from './fixtures.js';

function host() {
  const lines = new Set<{ options: CreatePriceLineOptions }>();
  return {
    lines,
    createPriceLine(options: CreatePriceLineOptions): IPriceLine {
      const line = { options, applyOptions: (o: Partial<CreatePriceLineOptions>) => Object.assign(line.options, o) };
      lines.add(line);
      return line as unknown as IPriceLine;
    },
    removePriceLine(line: IPriceLine) {
      lines.delete(line as unknown as { options: CreatePriceLineOptions });
    },
  };
}

describe('open orders on the chart', () => {
  const btc = instrument('XXBTZUSD', 'BTC/USD');

  it('draws a line per open limit order of the instrument and removes it when the order ends', () => {
    const h = host();
    const lines = new PriceLines(h);
    let orders = replaceOrders({}, [
      anOrder({ clientOrderId: 'a', price: '50000.0' }),
      anOrder({ clientOrderId: 'b', side: 'sell', price: '90000.0', quantity: '0.5', createdAt: 2000 }),
      anOrder({ clientOrderId: 'c', instrumentId: 'XETHZUSD' }),
      anOrder({ clientOrderId: 'd', type: 'market', price: undefined }),
    ]);
    lines.sync(chartLines(ordersOnChart(orders, btc)), btc);
    expect([...h.lines].map((l) => [l.options.price, l.options.title])).toEqual([
      [50000, 'Buy 0.01'],
      [90000, 'Sell 0.5'],
    ]);
    expect(ordersOnChart(orders, btc).map((o) => priceLineText(o, btc))).toEqual(['Buy 0.01 @ 50000.0, open', 'Sell 0.5 @ 90000.0, open']);

    orders = replaceOrders(orders, [anOrder({ clientOrderId: 'a', status: 'cancelled', updatedAt: 5000 })]);
    lines.sync(chartLines(ordersOnChart(orders, btc)), btc);
    expect([...h.lines].map((l) => l.options.price)).toEqual([90000]);
    expect(lines.count()).toBe(1);
  });

  it('marks an order of unknown outcome apart', () => {
    const h = host();
    new PriceLines(h).sync(chartLines([anOrder({ status: 'unknown' })]), btc);
    expect([...h.lines][0]!.options.title).toBe('Buy 0.01 ?');
  });
});
