import { describe, expect, it } from 'vitest';
import type { WsExecutionsFrame, WsOhlcFrame } from '../../../electron/venues/kraken/messages.js';
import {
  MalformedFrame,
  checksumDigits,
  decText,
  executionToEvidence,
  feeOf,
  ohlcRowToCandle,
  readFrame,
  restOrderToEvidence,
  restTradeToRecord,
  rfc3339Ms,
  wsOhlcToCandle,
} from '../../../electron/venues/kraken/parse.js';
import type { RestOhlcRow, RestOrder, RestTrade } from '../../../electron/venues/kraken/rest-types.js';

const KEY = { venue: 'kraken' as const, instrumentId: 'XXBTZUSD', interval: '5m' as const };

describe('Kraken frame reading', () => {
  it('keeps the exact text of every number, trailing zeros and big ids included', () => {
    const f = readFrame('{"channel":"status","data":[{"connection_id":18446744073709551615,"p":0.10000000,"n":-1.5e-7}]}') as {
      data: Record<string, string>[];
    };
    expect(f.data[0]).toEqual({ connection_id: '18446744073709551615', p: '0.10000000', n: '-1.5e-7' });
  });

  it('leaves numbers inside strings alone', () => {
    const f = readFrame('{"method":"add_order","error":"EGeneral:Invalid arguments:\\":1\\"","success":false}') as { error: string };
    expect(f.error).toBe('EGeneral:Invalid arguments:":1"');
  });

  it('keeps book decimals exact on the fast path whichever side the text lists first', () => {
    const f = readFrame(
      '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","asks":[{"price":45285.2,"qty":0.00100000}],"bids":[{"qty":1.50000000,"price":45283.0},{"price":45282.1,"qty":0.0}],"checksum":3310070434}]}',
    ) as { data: { asks: unknown[]; bids: unknown[]; checksum: unknown }[] };
    expect(f.data[0]!.asks).toEqual([{ price: '45285.2', qty: '0.00100000' }]);
    expect(f.data[0]!.bids).toEqual([{ qty: '1.50000000', price: '45283.0' }, { price: '45282.1', qty: '0.0' }]);
    expect(Number(f.data[0]!.checksum)).toBe(3310070434);
  });

  it('keeps ohlc decimals exact (canonical text, never a float) on the fast path for several entries, and falls back for strings', () => {
    const two = readFrame(
      '{"channel":"ohlc","type":"snapshot","data":[{"symbol":"BTC/USD","open":1.10,"high":1.20,"low":1.00,"close":1.10,"trades":1,"volume":5.00000000,"vwap":1.1,"interval_begin":"2023-10-04T16:25:00.000000000Z","interval":5},{"symbol":"BTC/USD","open":2.10,"high":2.20,"low":2.00,"close":2.10,"trades":2,"volume":6.00000000,"vwap":2.1,"interval_begin":"2023-10-04T16:30:00.000000000Z","interval":5}]}',
    ) as { data: Record<string, unknown>[] };
    expect(two.data.map((d) => [d.open, d.volume])).toEqual([['1.1', '5'], ['2.1', '6']]);
    const strings = readFrame(
      '{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[{"price":"45283.0","qty":1.50000000}],"asks":[],"checksum":1}]}',
    ) as { data: { bids: unknown[] }[] };
    expect(strings.data[0]!.bids).toEqual([{ price: '45283.0', qty: '1.50000000' }]);
  });

  it('throws MalformedFrame on junk', () => {
    expect(() => readFrame('{"channel":')).toThrow(MalformedFrame);
  });

  it('canonicalises decimals without floats', () => {
    expect(decText('45281.0')).toBe('45281');
    expect(decText('0.10000000')).toBe('0.1');
    expect(decText('100')).toBe('100');
    expect(decText('-0.000')).toBe('0');
    expect(decText('1e-8')).toBe('0.00000001');
    expect(decText('1.5e3')).toBe('1500');
    expect(decText('12345678901234567.123456789')).toBe('12345678901234567.123456789');
  });

  it('writes checksum digits at the wire precision', () => {
    expect(checksumDigits('45281.0', 1)).toBe('452810');
    expect(checksumDigits('45281', 1)).toBe('452810');
    expect(checksumDigits('0.10000000', 8)).toBe('10000000');
    expect(checksumDigits('0.1', 8)).toBe('10000000');
    expect(checksumDigits('0.00100000', 8)).toBe('100000');
    expect(checksumDigits('1e-8', 8)).toBe('1');
    expect(() => checksumDigits('0.123', 2)).toThrow(MalformedFrame);
  });

  it('parses RFC3339 with 9 fractional digits and offsets', () => {
    expect(rfc3339Ms('2023-10-04T16:25:00.000000000Z')).toBe(Date.UTC(2023, 9, 4, 16, 25, 0));
    expect(rfc3339Ms('2023-10-04T16:25:00.123456Z')).toBe(Date.UTC(2023, 9, 4, 16, 25, 0, 123));
    expect(rfc3339Ms('2023-10-04T16:25:00Z')).toBe(Date.UTC(2023, 9, 4, 16, 25, 0));
    expect(rfc3339Ms('2023-10-04T18:25:00.5+02:00')).toBe(Date.UTC(2023, 9, 4, 16, 25, 0, 500));
  });
});

describe('Kraken candles', () => {
  it('reads a REST OHLC row with vwap before volume', () => {
    const row: RestOhlcRow = [1688671200, '30306.1', '30306.2', '30305.7', '30305.7', '30306.1', '3.39243896', 23];
    const { candle, trades } = ohlcRowToCandle(row, KEY);
    expect(candle).toEqual({ ...KEY, time: 1688671200, open: '30306.1', high: '30306.2', low: '30305.7', close: '30305.7', volume: '3.39243896' });
    expect(trades).toBe(23);
  });

  it('reads a WS ohlc entry keyed by interval_begin as UTC seconds of the open', () => {
    const text =
      '{"channel":"ohlc","type":"update","timestamp":"2023-10-04T16:26:30.524394914Z","data":[{"symbol":"BTC/USD","open":27594.5,"high":27594.6,"low":27594.5,"close":27594.6,"trades":3,"volume":0.00400000,"vwap":27594.55,"interval_begin":"2023-10-04T16:25:00.000000000Z","interval":5,"timestamp":"2023-10-04T16:30:00.000000Z"}]}';
    const f = readFrame(text) as WsOhlcFrame;
    const { candle, trades } = wsOhlcToCandle(f.data[0]!, KEY);
    expect(candle.time).toBe(Date.UTC(2023, 9, 4, 16, 25) / 1000);
    expect(candle).toMatchObject({ open: '27594.5', high: '27594.6', close: '27594.6', volume: '0.004' });
    expect(trades).toBe(3);
  });
});

describe('Kraken order facts', () => {
  const pairOf = (s: string): string | undefined => ({ 'BTC/USD': 'XXBTZUSD', XBTUSD: 'XXBTZUSD' })[s];

  it('maps sparse executions: pending_new with fields, new and canceled without symbol', () => {
    const text =
      '{"channel":"executions","type":"update","data":[' +
      '{"order_id":"OK4GJX-KSTLS-7DZZO5","symbol":"BTC/USD","order_qty":0.00050000,"cum_cost":0.0,"time_in_force":"GTC","exec_type":"pending_new","side":"buy","order_type":"limit","order_userref":0,"limit_price_type":"static","limit_price":26500.0,"order_status":"pending_new","timestamp":"2023-09-22T10:33:05.709950Z","cl_ord_id":"abc-1"},' +
      '{"timestamp":"2023-09-22T10:33:05.709993Z","order_status":"new","exec_type":"new","order_userref":0,"order_id":"OK4GJX-KSTLS-7DZZO5"},' +
      '{"timestamp":"2023-09-22T10:34:05Z","order_status":"canceled","exec_type":"canceled","cum_qty":0.00000000,"cum_cost":0.0,"fee_usd_equiv":0.0,"avg_price":0.0,"order_userref":0,"cancel_reason":"User requested","reason":"User requested","order_id":"OK4GJX-KSTLS-7DZZO5"}' +
      '],"sequence":3}';
    const [a, b, c] = (readFrame(text) as WsExecutionsFrame).data.map((e) => executionToEvidence(e, pairOf));
    expect(a).toMatchObject({ venueOrderId: 'OK4GJX-KSTLS-7DZZO5', clientOrderId: 'abc-1', instrumentId: 'XXBTZUSD', side: 'buy', type: 'limit', quantity: '0.0005', price: '26500', status: 'pending' });
    expect(b).toEqual({ venueOrderId: 'OK4GJX-KSTLS-7DZZO5', status: 'open', time: Date.UTC(2023, 8, 22, 10, 33, 5, 709) });
    expect(c).toMatchObject({ status: 'cancelled', filledQuantity: '0', reason: { code: 'canceled', message: 'User requested' } });
    expect(c!.averagePrice).toBeUndefined();
  });

  it('turns a trade execution into one fill keyed by trade id', () => {
    const text =
      '{"channel":"executions","type":"update","data":[{"order_id":"O1","exec_id":"TXID-1","exec_type":"trade","trade_id":365573,"symbol":"BTC/USD","side":"buy","last_qty":0.00010000,"last_price":26520.5,"liquidity_ind":"m","cost":2.652050,"order_userref":0,"order_status":"partially_filled","order_type":"limit","timestamp":"2023-09-22T10:33:06Z","cum_qty":0.00010000,"avg_price":26520.5,"fees":[{"asset":"USD","qty":0.004}]}]}';
    const ev = executionToEvidence((readFrame(text) as WsExecutionsFrame).data[0]!, pairOf);
    expect(ev.fill).toEqual({ tradeId: 'TXID-1', price: '26520.5', quantity: '0.0001', time: Date.UTC(2023, 8, 22, 10, 33, 6), fee: '0.004', feeCurrency: 'usd' });
    expect(ev).toMatchObject({ status: 'partially-filled', filledQuantity: '0.0001', averagePrice: '26520.5' });
  });

  it('maps REST orders: closed is filled, open with vol_exec is partially filled', () => {
    const base: RestOrder = {
      status: 'open',
      opentm: 1688666559.8974,
      descr: { pair: 'XBTUSD', type: 'buy', ordertype: 'limit', price: '30010.0', price2: '0', order: 'buy 1.25 XBTUSD @ limit 30010.0' },
      vol: '1.25000000',
      vol_exec: '0.37500000',
      cost: '11253.7',
      fee: '0.00000',
      price: '30010.0',
      cl_ord_id: 'abc-2',
    };
    expect(restOrderToEvidence('OQCLML-BW3P3-BUCMWZ', base, pairOf)).toMatchObject({
      venueOrderId: 'OQCLML-BW3P3-BUCMWZ',
      clientOrderId: 'abc-2',
      instrumentId: 'XXBTZUSD',
      status: 'partially-filled',
      quantity: '1.25',
      filledQuantity: '0.375',
      price: '30010',
      averagePrice: '30010',
    });
    // When it opened is the record's; an open order's state is as of the answer (no time of its own).
    expect(restOrderToEvidence('X', base, pairOf)).toMatchObject({ openedAt: 1688666559897 });
    expect(restOrderToEvidence('X', base, pairOf).time).toBeUndefined();
    expect(restOrderToEvidence('X', { ...base, status: 'closed', vol_exec: '1.25000000', closetm: 1688666600.5 }, pairOf)).toMatchObject({ status: 'filled', time: 1688666600500 });
    expect(restOrderToEvidence('X', { ...base, status: 'canceled', reason: 'User requested' }, pairOf)).toMatchObject({
      status: 'cancelled',
      reason: { code: 'canceled', message: 'User requested' },
    });
  });
});

describe('Kraken fees and trades', () => {
  it('sums fees of one asset and names any other asset instead of mixing them', () => {
    expect(feeOf([{ asset: 'USD', qty: '0.004' }, { asset: 'USD', qty: '0.0015' }])).toEqual({ qty: '0.0055', currency: 'usd', others: [] });
    expect(feeOf([{ asset: 'USD', qty: '0.004' }, { asset: 'KFEE', qty: '12' }])).toEqual({ qty: '0.004', currency: 'usd', others: ['KFEE'] });
    expect(feeOf([])).toBeUndefined();
    expect(feeOf(undefined)).toBeUndefined();
  });

  it('reads a REST trade as a ledger record with the fee in quote, and refuses a broken one', () => {
    const t: RestTrade = { ordertxid: 'OQCLML-BW3P3-BUCMWZ', pair: 'XXBTZUSD', time: 1688667796.8802, type: 'sell', ordertype: 'limit', price: '30010.0', cost: '600.2', fee: '0.96032', vol: '0.02' };
    expect(restTradeToRecord('TCWJEG-FL4SZ-3FKGH6', t, 'XXBTZUSD', 'usd')).toEqual({
      venue: 'kraken', tradeId: 'TCWJEG-FL4SZ-3FKGH6', instrumentId: 'XXBTZUSD', side: 'sell', quantity: '0.02', price: '30010',
      currency: 'usd', fee: '0.96032', feeCurrency: 'usd', time: 1688667796880, venueOrderId: 'OQCLML-BW3P3-BUCMWZ',
    });
    expect(() => restTradeToRecord('T', { ...t, ordertxid: '' }, 'XXBTZUSD', 'usd')).toThrow(MalformedFrame);
    expect(() => restTradeToRecord('T', { ...t, fee: 1 as unknown as string }, 'XXBTZUSD', 'usd')).toThrow(MalformedFrame);
    expect(() => restTradeToRecord('T', { ...t, type: 'hold' as 'buy' }, 'XXBTZUSD', 'usd')).toThrow(MalformedFrame);
  });
});
