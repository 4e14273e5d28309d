/**
 * The operations parser on hand-made items (§10): one record per trade of a BUY/SELL
 * operation, pieces as given, the BROKER_FEE child's fee spread by quantity with the remainder
 * on the first trade, the item's own commission only without a BROKER_FEE child, cancelled
 * operations and other types skipped, unreadable trades counted and left out.
 */
import { describe, expect, it } from 'vitest';
import { tradesOfOperations } from '../../../electron/venues/tinvest/operations.js';
import type { OperationItemMsg, OperationItemTradeMsg } from '../../../electron/venues/tinvest/order-messages.js';

const UID = 'e6123145-9665-43e0-8413-cd61b8aa9b13';
const ts = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });
const rub = (units: string, nano = 0) => ({ currency: 'RUB', units, nano });

function trade(num: string, pieces: string, units: string, ms: number): OperationItemTradeMsg {
  return { num, date: ts(ms), quantity: pieces, price: rub(units) };
}

function item(fields: Partial<OperationItemMsg>): OperationItemMsg {
  return {
    cursor: '1',
    id: '100',
    parentOperationId: '',
    date: ts(1_700_000_000_000),
    type: 15,
    state: 1,
    instrumentUid: UID,
    figi: 'BBG004730N88',
    payment: rub('0'),
    price: rub('0'),
    commission: null,
    quantity: '0',
    quantityDone: '0',
    tradesInfo: null,
    ...fields,
  };
}

function parse(items: OperationItemMsg[]) {
  const bad: string[] = [];
  const trades = tradesOfOperations('acc', items, (why, it) => bad.push(`${it.id}: ${why}`));
  return { trades, bad };
}

describe('T-Invest operations → trades', () => {
  it('one record per trade, in pieces, side from the type, the fee spread by quantity with the remainder on the first', () => {
    const { trades, bad } = parse([
      item({ id: '1', type: 22, tradesInfo: { trades: [trade('t1', '10', '300', 1_000), trade('t2', '20', '300', 2_000)] } }),
      // 1 rub over 10 and 20 pieces: 0.333333333 and 0.666666666, one nano left for the first.
      item({ id: '2', type: 19, parentOperationId: '1', payment: rub('-1') }),
    ]);
    expect(bad).toEqual([]);
    expect(trades).toEqual([
      { venue: 'tinvest', accountId: 'acc', tradeId: 't1', instrumentId: UID, side: 'sell', quantity: '10', price: '300', currency: 'rub', fee: '0.333333334', feeCurrency: 'rub', time: 1_000 },
      { venue: 'tinvest', accountId: 'acc', tradeId: 't2', instrumentId: UID, side: 'sell', quantity: '20', price: '300', currency: 'rub', fee: '0.666666666', feeCurrency: 'rub', time: 2_000 },
    ]);
  });

  it('a fee on another page is still found; two fee children add up', () => {
    const { trades } = parse([
      item({ id: '9', type: 19, parentOperationId: '1', payment: rub('-0', -500_000_000) }),
      item({ id: '5', type: 12, payment: rub('-99') }),
      item({ id: '1', tradesInfo: { trades: [trade('t1', '1', '100', 1)] } }),
      item({ id: '8', type: 19, parentOperationId: '1', payment: rub('-1') }),
    ]);
    expect(trades.map((t) => [t.tradeId, t.side, t.fee])).toEqual([['t1', 'buy', '1.5']]);
  });

  it("uses the item's own commission only without a BROKER_FEE child; none means a fee of 0 for now", () => {
    const { trades } = parse([
      item({ id: '1', commission: rub('-2'), tradesInfo: { trades: [trade('a', '1', '10', 1)] } }),
      item({ id: '2', tradesInfo: { trades: [trade('b', '1', '10', 2)] } }),
    ]);
    expect(trades.map((t) => [t.tradeId, t.fee, t.feeCurrency])).toEqual([
      ['a', '2', 'rub'],
      ['b', '0', 'rub'],
    ]);
  });

  it('skips cancelled operations, and counts trades it cannot read instead of inventing them', () => {
    const { trades, bad } = parse([
      item({ id: '1', state: 2, tradesInfo: { trades: [trade('x', '1', '10', 1)] } }),
      item({ id: '2', tradesInfo: { trades: [trade('', '1', '10', 1), trade('y', '0', '10', 1), trade('z', '3', '10', 3)] } }),
      item({ id: '3', instrumentUid: '', tradesInfo: { trades: [trade('w', '1', '10', 1)] } }),
    ]);
    expect(trades.map((t) => t.tradeId)).toEqual(['z']);
    expect(bad).toHaveLength(3);
  });
});
