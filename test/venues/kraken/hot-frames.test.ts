import { describe, expect, it } from 'vitest';
import { readBookFrame } from '../../../electron/venues/kraken/hot-frames.js';
import { readFrame } from '../../../electron/venues/kraken/parse.js';

const UPDATE =
  '{"channel":"book","type":"update","data":[{"symbol":"MATIC/USD","bids":[{"price":0.5657,"qty":1098.3947558},{"price":0.5656,"qty":0.00000000}],"asks":[],"checksum":2114181697,"timestamp":"2023-10-06T17:35:55.440295Z"}]}';

describe('Kraken book frame reader', () => {
  it('reads the documented layout with exact decimal text and the checksum as a number (timestamp checked, not kept), marked well formed', () => {
    expect(readBookFrame(UPDATE)).toEqual({
      channel: 'book',
      type: 'update',
      data: [
        {
          symbol: 'MATIC/USD',
          bids: [
            { price: '0.5657', qty: '1098.3947558' },
            { price: '0.5656', qty: '0.00000000' },
          ],
          asks: [],
          checksum: 2114181697,
          wellFormed: true,
        },
      ],
    });
  });

  it('agrees with the general reader on every frame it accepts', () => {
    const general = JSON.parse(UPDATE.replace(/":\s*(-?\d[\d.eE+-]*)/g, '":"$1"')) as { data: { checksum: string }[] };
    const fast = readBookFrame(UPDATE)!;
    expect(fast.data[0]!.bids).toEqual((general.data[0] as unknown as { bids: unknown }).bids);
    expect(String(fast.data[0]!.checksum)).toBe(general.data[0]!.checksum);
  });

  it('declines anything off the layout, and the general reader still gets it right', () => {
    const variants = [
      UPDATE.replace('{"price":0.5657,"qty":1098.3947558}', '{"qty":1098.3947558,"price":0.5657}'),
      UPDATE.replace('"price":0.5657', '"price": 0.5657'),
      UPDATE.replace('"price":0.5657', '"price":"0.5657"'),
      UPDATE.replace('MATIC/USD', 'MATIC\\/USD'),
      UPDATE.replace('"checksum":2114181697,', ''),
      UPDATE + ' ',
      UPDATE.slice(0, -2),
    ];
    for (const v of variants) expect(readBookFrame(v)).toBeUndefined();
    const general = readFrame(variants[0]!) as { data: { bids: unknown[] }[] };
    expect(general.data[0]!.bids[0]).toEqual({ qty: '1098.3947558', price: '0.5657' });
    const slash = readFrame(variants[3]!) as { data: { symbol: string; bids: unknown[] }[] };
    expect(slash.data[0]!.symbol).toBe('MATIC/USD');
    expect(slash.data[0]!.bids[1]).toEqual({ price: '0.5656', qty: '0.00000000' });
  });
});


describe('Kraken ohlc frame reader', () => {
  const OHLC =
    '{"channel":"ohlc","type":"update","timestamp":"2023-10-04T16:26:30.524394914Z","data":[{"symbol":"BTC/USD","open":27594.5,"high":27594.6,"low":27594.5,"close":27594.6,"trades":3,"volume":0.00400000,"vwap":27594.55,"interval_begin":"2023-10-04T16:25:00.000000000Z","interval":5,"timestamp":"2023-10-04T16:30:00.000000Z"}]}';

  it('reads the documented layout with exact decimal text', async () => {
    const { readOhlcFrame } = await import('../../../electron/venues/kraken/hot-frames.js');
    const f = readOhlcFrame(OHLC)!;
    expect(f).toMatchObject({ channel: 'ohlc', type: 'update' });
    // What the adapter uses, exact and already canonical; a plain vwap is checked and stood in for by '0', the timestamps are checked but not copied.
    expect(f.data[0]).toEqual({
      symbol: 'BTC/USD', open: '27594.5', high: '27594.6', low: '27594.5', close: '27594.6', trades: 3, volume: '0.004', vwap: '0',
      interval_begin: '2023-10-04T16:25:00.000000000Z', interval: '5', canonical: true,
    });
    // A sign or an exponent is kept as written, for decText to judge.
    const odd = readOhlcFrame(OHLC.replace('"volume":0.00400000', '"volume":4e-3').replace('"open":27594.5', '"open":-27594.5'))!;
    expect(odd.data[0]).toMatchObject({ open: '-27594.5', volume: '4e-3' });
    expect(odd.data[0]!.canonical).toBeUndefined();
    const two = readOhlcFrame(OHLC.replace(/\[(\{.*\})\]/, '[$1,$1]'))!;
    expect(two.data).toHaveLength(2);
  });

  it('declines other layouts, and the general reader still keeps every decimal exact', async () => {
    const { readOhlcFrame } = await import('../../../electron/venues/kraken/hot-frames.js');
    const variants = [
      OHLC.replace('"open":27594.5,"high":27594.6', '"high":27594.6,"open":27594.5'),
      OHLC.replace('"open":27594.5', '"open": 27594.5'),
      OHLC.replace('"volume":0.00400000', '"volume":"0.00400000"'),
      OHLC.replace('"trades":3', '"trades":[3]'),
      OHLC.replace('"trades":3', '"trades":3.0'),
      OHLC.replace('"trades":3', '"trades":03'),
    ];
    for (const v of variants) expect(readOhlcFrame(v)).toBeUndefined();
    const general = readFrame(variants[0]!) as { data: Record<string, unknown>[] };
    expect(general.data[0]).toMatchObject({ open: '27594.5', high: '27594.6', volume: '0.00400000' });
  });
});
