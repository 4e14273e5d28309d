/**
 * Containment (issue 9 item 3): whatever goes wrong while one frame is handled, on either
 * socket, is caught at the socket that owns the connection, counted with the frame, and the
 * connection recovers; nothing escapes to the process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Candle } from '../../../electron/domain.js';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { startHostileKraken } from '../../../sim/hostile/kraken/server.js';
import type { HostileKraken } from '../../../sim/hostile/kraken/server.js';
import { RecordingSink, closeAll, tempStateDir, waitFor } from './helpers.js';

let venue: KrakenVenue | undefined;
let hostile: HostileKraken | undefined;
afterEach(async () => {
  await closeAll(venue, undefined, undefined);
  await hostile?.close();
  venue = undefined;
  hostile = undefined;
});

const T0 = Math.floor(Date.now() / 60_000) * 60 - 600;
const iso = (sec: number): string => new Date(sec * 1000).toISOString().slice(0, 19);
const ohlc = (time: number, trades: number): string =>
  `{"channel":"ohlc","type":"update","timestamp":"${iso(time + 30)}.123456Z","data":[{"symbol":"BTC/USD","open":64250.0,"high":64260.5,"low":64240.0,"close":64255.1,"trades":${trades},"volume":0.12345678,"vwap":64251.2,"interval_begin":"${iso(time)}.000000000Z","interval":1,"timestamp":"${iso(time + 60)}.000000Z"}]}`;

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
    hostile = await startHostileKraken();
    const sink = new FlakySink();
    venue = createKrakenVenue({ rest: hostile.rest, ws: hostile.ws, wsAuth: hostile.ws, mode: 'demo', sink, stateDir: tempStateDir() });
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
    hostile = await startHostileKraken();
    const sink = new RecordingSink();
    venue = createKrakenVenue({
      rest: hostile.rest, ws: hostile.ws, wsAuth: hostile.ws, apiKey: 'aG9zdGlsZQ==', apiSecret: Buffer.alloc(64, 7).toString('base64'),
      mode: 'demo', sink, stateDir: tempStateDir(),
    });
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
