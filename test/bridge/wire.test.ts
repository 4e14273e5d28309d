import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PushBatch } from '../../electron/contract.js';
import type { Candle } from '../../common/domain.js';
import { encodePush } from '../../electron/bridge/wire.js';

const candle = (over: Partial<Candle> = {}): Candle => ({
  venue: 'kraken',
  instrumentId: 'XXBTZUSD',
  interval: '1m',
  time: 1_795_306_920,
  open: '64250.1',
  high: '64300',
  low: '64200.5',
  close: '64290.2',
  volume: '1.25',
  ...over,
});

describe('push frames on the WebSocket', () => {
  it('carry a batch the renderer parses back to exactly what was sent', () => {
    const batch: PushBatch = {
      seq: 7,
      candles: [candle(), candle({ venue: 'tinvest', instrumentId: 'e6123145-9665-43e0-8413-cd61b8aa9b13', time: 60 })],
      orders: [],
      connections: [{ venue: 'kraken', connection: 'ws-public', state: 'live', at: 5, reason: 'subscribed "ohlc"' }],
    };
    expect(JSON.parse(encodePush('batch', batch))).toEqual({ topic: 'batch', payload: batch });
  });

  it('stay valid JSON whatever text a venue puts in a candle', () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    fc.assert(
      fc.property(text, text, text, fc.integer(), (instrumentId, open, volume, time) => {
        const batch: PushBatch = { seq: 1, candles: [candle({ instrumentId, open, volume, time })], orders: [], connections: [] };
        expect(JSON.parse(encodePush('batch', batch))).toEqual({ topic: 'batch', payload: batch });
      }),
      { numRuns: 2000 },
    );
  });
});
