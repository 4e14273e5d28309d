import { describe, expect, it } from 'vitest';
import type { TradeRecord } from '../../common/domain.js';
import { PnlError, positionsPnl, type PriceOf } from '../../electron/core/pnl.js';

let n = 0;
function trade(side: 'buy' | 'sell', quantity: string, price: string, over: Partial<TradeRecord> = {}): TradeRecord {
  n++;
  return {
    venue: 'tinvest',
    accountId: 'acc-1',
    tradeId: `t-${String(n).padStart(4, '0')}`,
    instrumentId: 'sber',
    side,
    quantity,
    price,
    currency: 'rub',
    fee: '0',
    feeCurrency: 'rub',
    time: 1_000 * n,
    ...over,
  };
}

const noPrices: PriceOf = () => undefined;
const at =
  (price: string): PriceOf =>
  () =>
    price;

describe('P&L by average cost', () => {
  it('averages the cost of buys and realizes a sell against that average', () => {
    const [row] = positionsPnl([trade('buy', '10', '100'), trade('buy', '10', '110'), trade('sell', '5', '120')], noPrices);
    expect(row).toMatchObject({ quantity: '15', averageCost: '105', realized: '75', fees: '0', currency: 'rub', trades: 3 });
    expect(row!.unrealized).toBeUndefined();
    expect(row!.lastPrice).toBeUndefined();
  });

  it('closes in parts and realizes the exact total when the position is flat, even when the average is not a finite decimal', () => {
    // 100 + 100 + 101 for three: an average of 100.333…
    const buys = [trade('buy', '1', '100'), trade('buy', '1', '100'), trade('buy', '1', '101')];
    const partial = positionsPnl([...buys, trade('sell', '1', '100')], noPrices)[0]!;
    expect(partial).toMatchObject({ quantity: '2', averageCost: '100.33333333', realized: '-0.33333333' });
    const closed = positionsPnl([...buys, trade('sell', '1', '100'), trade('sell', '2', '102')], at('90'))[0]!;
    // Paid 301, received 100 + 204.
    expect(closed).toMatchObject({ quantity: '0', realized: '3', unrealized: '0', lastPrice: '90' });
    expect(closed.averageCost).toBeUndefined();
  });

  it('goes through zero into a short and prices the short symmetrically', () => {
    const rows = positionsPnl([trade('buy', '2', '100'), trade('sell', '5', '110'), trade('buy', '1', '90')], at('95'));
    // Long 2 closed at +20; short 3 at 110; 1 bought back at 90 = +20; 2 short left at 110 against 95.
    expect(rows[0]).toMatchObject({ quantity: '-2', averageCost: '110', realized: '40', unrealized: '30', lastPrice: '95' });
  });

  it('puts fees of the instrument\'s currency into the cost and the realized P&L, and shares a flipping trade\'s fee', () => {
    const rows = positionsPnl(
      [trade('buy', '2', '100', { fee: '1' }), trade('sell', '3', '110', { fee: '3' }), trade('buy', '1', '100', { fee: '0.5' })],
      at('100'),
    );
    // Long: cost 201; the sell closes 2 of its 3 (fee 2 of 3): 220 − 201 − 2 = 17.
    // Short 1 opened at 110 with fee 1: 109 received. Bought back at 100 with fee 0.5: 109 − 100 − 0.5.
    expect(rows[0]).toMatchObject({ quantity: '0', realized: '25.5', fees: '4.5', unrealized: '0', trades: 3 });
    const open = positionsPnl([trade('buy', '2', '100', { fee: '1' })], at('110'))[0]!;
    expect(open).toMatchObject({ averageCost: '100.5', unrealized: '19', fees: '1', realized: '0' });
  });

  it('keeps fees in another asset apart, unconverted, out of cost and realized', () => {
    const base = { venue: 'kraken' as const, accountId: 'spot', instrumentId: 'XXBTZUSD', currency: 'usd' };
    const rows = positionsPnl(
      [
        trade('buy', '0.5', '60000', { ...base, fee: '0.0005', feeCurrency: 'XBT' }),
        trade('sell', '0.25', '62000', { ...base, fee: '1.55', feeCurrency: 'usd' }),
        trade('sell', '0.25', '61000', { ...base, fee: '0.0001', feeCurrency: 'xbt' }),
      ],
      noPrices,
      () => 'BTC/USD',
    );
    expect(rows).toEqual([
      {
        venue: 'kraken',
        accountId: 'spot',
        instrumentId: 'XXBTZUSD',
        symbol: 'BTC/USD',
        quantity: '0',
        realized: '748.45',
        unrealized: '0',
        fees: '1.55',
        otherFees: { xbt: '0.0006' },
        currency: 'usd',
        trades: 3,
      },
    ]);
  });

  it('has unrealized P&L only with a price, and then for a long at that price', () => {
    expect(positionsPnl([trade('buy', '3', '10')], noPrices)[0]).not.toHaveProperty('unrealized');
    expect(positionsPnl([trade('buy', '3', '10')], at('12.5'))[0]).toMatchObject({ unrealized: '7.5', lastPrice: '12.5' });
  });

  it('keeps accounts, venues and instruments apart and sorts the rows', () => {
    const rows = positionsPnl(
      [
        trade('buy', '1', '10', { accountId: 'b' }),
        trade('buy', '1', '10', { accountId: 'a', instrumentId: 'gazp' }),
        trade('buy', '1', '10', { accountId: 'a' }),
        trade('buy', '1', '10', { venue: 'kraken', accountId: 'a' }),
      ],
      noPrices,
    );
    expect(rows.map((r) => `${r.venue}/${r.accountId}/${r.instrumentId}`)).toEqual(['kraken/a/sber', 'tinvest/a/gazp', 'tinvest/a/sber', 'tinvest/b/sber']);
  });

  it('orders trades by time, then trade id, whatever order they come in', () => {
    const a = trade('buy', '1', '100', { time: 5, tradeId: 'a' });
    const b = trade('sell', '1', '120', { time: 5, tradeId: 'b' });
    const c = trade('buy', '1', '130', { time: 1, tradeId: 'z' });
    // In time order: buy 130, buy 100, sell 120 against an average of 115.
    const forward = positionsPnl([a, b, c], noPrices);
    expect(positionsPnl([c, b, a], noPrices)).toEqual(forward);
    expect(positionsPnl([b, c, a], noPrices)).toEqual(forward);
    expect(forward[0]).toMatchObject({ quantity: '1', realized: '5', averageCost: '115' });
  });

  it('refuses a trade that is not money instead of leaving it out', () => {
    expect(() => positionsPnl([trade('buy', '1e3', '10')], noPrices)).toThrow(PnlError);
    expect(() => positionsPnl([trade('buy', '0', '10')], noPrices)).toThrow(/quantity must be positive/);
    expect(() => positionsPnl([trade('buy', '1', '-1')], noPrices)).toThrow(/price must not be negative/);
    expect(() => positionsPnl([trade('buy', '1', '10', { fee: 'NaN' })], noPrices)).toThrow(/fee is not a decimal/);
  });
});
