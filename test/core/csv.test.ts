import { describe, expect, it } from 'vitest';
import type { Order, TradeRecord } from '../../common/domain.js';
import { csvField, csvFilename, csvText, isoTime, ordersCsv, tradesCsv } from '../../electron/core/csv.js';

function order(over: Partial<Order> = {}): Order {
  return {
    venue: 'kraken',
    accountId: 'spot',
    clientOrderId: 'c-1',
    venueOrderId: 'OABC-1',
    instrumentId: 'XXBTZUSD',
    side: 'buy',
    type: 'limit',
    quantity: '0.5',
    price: '60000.0',
    status: 'filled',
    filledQuantity: '0.5',
    averagePrice: '59990',
    fills: [
      { tradeId: 'T1', price: '59980', quantity: '0.2', time: 1_765_000_001_000, fee: '0.75', feeCurrency: 'usd' },
      { tradeId: 'T2', price: '59996.66', quantity: '0.3', time: 1_765_000_002_000, fee: '1.125', feeCurrency: 'USD' },
      { tradeId: 'T3', price: '59996.66', quantity: '0', time: 1_765_000_003_000, fee: '0.00001', feeCurrency: 'xbt' },
    ],
    createdAt: 1_765_000_000_000,
    updatedAt: 1_765_000_002_000,
    ...over,
  };
}

function trade(over: Partial<TradeRecord> = {}): TradeRecord {
  return {
    venue: 'tinvest',
    accountId: 'acc-1',
    tradeId: 'op-1',
    instrumentId: 'e6123145-9665-43e0-8413-cd61b8aa9b13',
    side: 'sell',
    quantity: '10',
    price: '270.5',
    currency: 'rub',
    fee: '1.35',
    feeCurrency: 'rub',
    time: 1_765_000_000_000,
    clientOrderId: 'c-9',
    venueOrderId: 'R-77',
    ...over,
  };
}

/** Splits RFC 4180 text back into rows of fields, the way a spreadsheet reads it. */
function parse(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field).toBe('');
  expect(row).toEqual([]);
  return rows;
}

describe('CSV export', () => {
  it('quotes fields with commas, quotes and line breaks, and ends every line with CRLF', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "no"')).toBe('"say ""no"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(undefined)).toBe('');
    expect(csvText([['a', 'b,c'], ['', 'x']])).toBe('a,"b,c"\r\n,x\r\n');
  });

  it('neutralises cells a spreadsheet would run as formulas, but leaves plain negative numbers alone', () => {
    expect(csvField('=HYPERLINK("http://evil","x")')).toBe('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-1+cmd|\' /C calc\'!A0')).toBe("'-1+cmd|' /C calc'!A0");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\t=1')).toBe("'\t=1");
    expect(csvField('\r=1')).toBe('"\'\r=1"');
    expect(csvField('-12.5')).toBe('-12.5');
    expect(csvField('-7')).toBe('-7');
    expect(csvField('-1e3')).toBe("'-1e3");
    expect(csvField('a=b')).toBe('a=b');
  });

  it('writes times as ISO 8601 UTC and leaves unknown times empty', () => {
    expect(isoTime(1_765_000_000_000)).toBe('2025-12-06T05:46:40.000Z');
    expect(isoTime(0)).toBe('');
    expect(isoTime(Number.NaN)).toBe('');
    expect(isoTime(9e15)).toBe('');
    expect(csvFilename('orders', Date.UTC(2026, 11, 6, 23, 59))).toBe('switchboard-orders-2026-12-06.csv');
  });

  it('writes one row per order, oldest first, with fees summed per currency and the venue\'s reason made harmless', () => {
    const rejected = order({
      clientOrderId: 'c-0',
      venueOrderId: undefined,
      status: 'rejected',
      filledQuantity: '0',
      averagePrice: undefined,
      fills: [],
      createdAt: 1_764_999_000_000,
      reason: { code: 'EOrder:Insufficient funds', message: '=cmd|"/c calc"!A1, sorry', trackingId: 't-1' },
    });
    const rows = parse(ordersCsv([order(), rejected], (venue, id) => (venue === 'kraken' && id === 'XXBTZUSD' ? 'BTC/USD' : undefined)));
    expect(rows[0]).toEqual([
      'created',
      'venue',
      'account',
      'client order id',
      'venue order id',
      'instrument',
      'symbol',
      'side',
      'type',
      'quantity',
      'price',
      'trigger price',
      'trailing offset',
      'time in force',
      'expires',
      'status',
      'triggered at',
      'filled',
      'average price',
      'amends',
      'fees',
      'reason',
    ]);
    expect(rows.slice(1)).toEqual([
      ['2025-12-06T05:30:00.000Z', 'kraken', 'spot', 'c-0', '', 'XXBTZUSD', 'BTC/USD', 'buy', 'limit', '0.5', '60000.0', '', '', '', '', 'rejected', '', '0', '', '0', '', 'EOrder:Insufficient funds: =cmd|"/c calc"!A1, sorry: tracking id t-1'],
      ['2025-12-06T05:46:40.000Z', 'kraken', 'spot', 'c-1', 'OABC-1', 'XXBTZUSD', 'BTC/USD', 'buy', 'limit', '0.5', '60000.0', '', '', '', '', 'filled', '', '0.5', '59990', '0', '1.875 usd; 0.00001 xbt', ''],
    ]);
    // The reason did not start the cell, so it stays as it was; a reason that does start it is defused.
    const hostile = order({ reason: { code: '=1+1', message: 'x' } });
    expect(parse(ordersCsv([hostile]))[1]!.at(-1)).toBe("'=1+1: x");
  });

  it('writes a stop order\'s trigger, trailing offset, time in force, expiry, trigger time and how many amends it had', () => {
    const stop = order({
      type: 'trailing-stop-limit',
      price: '59000',
      trailingOffset: { value: '1.5', unit: 'percent' },
      timeInForce: 'gtd',
      expireAt: 1_765_100_000_000,
      triggeredAt: 1_765_000_001_500,
      amends: [
        { amendId: 'a-1', price: '59500', at: 1_765_000_000_500 },
        { amendId: 'a-2', price: '59000', at: 1_765_000_000_900 },
      ],
    });
    const cols = parse(ordersCsv([stop]));
    const row = Object.fromEntries(cols[0]!.map((name, i) => [name, cols[1]![i]]));
    expect(row).toMatchObject({
      type: 'trailing-stop-limit',
      price: '59000',
      'trigger price': '',
      'trailing offset': '1.5%',
      'time in force': 'gtd',
      expires: '2025-12-07T09:33:20.000Z',
      'triggered at': '2025-12-06T05:46:41.500Z',
      amends: '2',
    });
    const plainStop = parse(ordersCsv([order({ type: 'stop-loss', price: undefined, triggerPrice: '58000.5', trailingOffset: { value: '25', unit: 'price' } })]));
    expect(plainStop[1]!.slice(10, 14)).toEqual(['', '58000.5', '25', '']);
  });

  it('writes one row per trade, oldest first by time then trade id, in the instrument\'s own units', () => {
    const rows = parse(
      tradesCsv([
        trade({ tradeId: 'op-3', time: 1_765_000_100_000 }),
        trade({ tradeId: 'op-2', side: 'buy', clientOrderId: undefined, venueOrderId: undefined }),
        trade({ tradeId: '@op-1' }),
      ]),
    );
    expect(rows[0]).toEqual(['time', 'venue', 'account', 'trade id', 'instrument', 'symbol', 'side', 'quantity', 'price', 'currency', 'fee', 'fee currency', 'client order id', 'venue order id']);
    expect(rows.slice(1).map((r) => [r[0], r[3], r[6], r[12]])).toEqual([
      ['2025-12-06T05:46:40.000Z', "'@op-1", 'sell', 'c-9'],
      ['2025-12-06T05:46:40.000Z', 'op-2', 'buy', ''],
      ['2025-12-06T05:48:20.000Z', 'op-3', 'sell', 'c-9'],
    ]);
    expect(rows[1]!.slice(4)).toEqual(['e6123145-9665-43e0-8413-cd61b8aa9b13', '', 'sell', '10', '270.5', 'rub', '1.35', 'rub', 'c-9', 'R-77']);
  });
});
