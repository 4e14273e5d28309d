/**
 * Containment (issue 9 item 3): whatever goes wrong while one frame is handled, on either
 * socket, is caught at the socket that owns the connection, counted with the frame, and the
 * connection recovers; nothing escapes to the process.
 */
import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../common/domain.js';
import { RecordingSink, waitFor } from './helpers.js';
import { T0, hostileKraken, ohlc } from './hostile-helpers.js';

const start = hostileKraken();

/** A sink whose candle handler fails once: a fault of ours, not the venue's. */
class FlakySink extends RecordingSink {
  failures = 1;
  override candle(c: Candle): void {
    if (this.failures-- > 0) throw new TypeError('the sink broke');
    super.candle(c);
  }
}

describe('Kraken containment', () => {
  it('an exception of ours while handling a candle is counted with its frame, the socket reconnects, candles flow again', { timeout: 30_000 }, async () => {
    const { hostile, venue, sink } = await start({ sink: new FlakySink() });
    await venue.connect();
    venue.subscribeCandles({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m' });
    await waitFor('live', () => sink.state('ws-public') === 'live');
    const first = ohlc(T0, 1);
    hostile.send(first);
    await waitFor('the reconnect', () => sink.conn('ws-public').reconnects === 1 && sink.state('ws-public') === 'live');
    const pub = sink.conn('ws-public');
    expect(pub.malformed).toHaveLength(1);
    expect(pub.malformedFrames).toEqual([first]);
    hostile.send(ohlc(T0 + 60, 1));
    await waitFor('a candle after the recovery', () => sink.candleLog.some((c) => c.time === T0 + 60));
  });

  it('null, true or {} in an execution is counted on the private socket, which degrades, reconciles and is live again', { timeout: 30_000 }, async () => {
    const { hostile, venue, sink } = await start({ venue: { apiKey: 'aG9zdGlsZQ==', apiSecret: Buffer.alloc(64, 7).toString('base64') } });
    await venue.connect();
    await waitFor('private live', () => sink.state('ws-private') === 'live');
    const bad = [
      '{"channel":"executions","type":"update","data":[{"order_id":"OAAAAA-BBBBB-CCCCCC","exec_type":"trade","last_qty":null,"last_price":64250.0,"exec_id":"TAAAAA-BBBBB-CCCCCC","timestamp":"2026-01-01T00:00:00.000000Z"}],"sequence":2}',
      '{"channel":"executions","type":"update","data":[{"order_id":"OAAAAA-BBBBB-CCCCCC","exec_type":"new","order_qty":true}],"sequence":3}',
      '{"channel":"balances","type":"update","data":[{"asset":"BTC","balance":{}}],"sequence":2}',
    ];
    for (const b of bad) hostile.send(b);
    const priv = sink.conn('ws-private');
    await waitFor('all three counted', () => priv.malformed.length === 3);
    expect(priv.malformedFrames).toEqual(bad);
    await waitFor('live again', () => sink.state('ws-private') === 'live');
    expect(priv.states.some((s) => s.state === 'degraded')).toBe(true);
    expect(priv.reconnects).toBe(0);
  });
});
