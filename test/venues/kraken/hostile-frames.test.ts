/**
 * The problems of issue 9 on the Kraken wire, each against a hostile venue on loopback that
 * sends exactly the frame in question: bad candles are counted and skipped, never crash the
 * process, never freeze the chart; a silent venue is noticed within 3 s.
 */
import { describe, expect, it } from 'vitest';
import type { HostileKraken, HostileKrakenOptions } from '../../../sim/hostile/kraken/server.js';
import type { RecordingSink } from './helpers.js';
import { sleep, waitFor } from './helpers.js';
import { T0, hostileKraken, ohlc } from './hostile-helpers.js';

const KEY = { venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m' } as const;
const startHostile = hostileKraken();
let hostile: HostileKraken | undefined;

/** A hostile venue and the adapter against it, connected, with the 1m key live. */
async function start(o: HostileKrakenOptions = {}): Promise<RecordingSink> {
  const setup = await startHostile({ hostile: o });
  hostile = setup.hostile;
  const { venue, sink } = setup;
  await venue.connect();
  venue.subscribeCandles(KEY);
  await waitFor('public live', () => sink.state('ws-public') === 'live');
  return sink;
}

describe('Kraken hostile candle frames', () => {
  it('null, true or {} where an ohlc price or volume belongs is counted as malformed and skipped; the next candle arrives', { timeout: 30_000 }, async () => {
    const sink = await start();
    const bad = [
      ohlc(T0, 1, { open: 'null' }),
      ohlc(T0, 2, { high: 'true' }),
      ohlc(T0, 3, { volume: '{}' }),
      ohlc(T0, 4, { close: '[]' }),
      ohlc(T0, 5, { low: '"64240.0.1"' }),
    ];
    for (const b of bad) hostile!.send(b);
    hostile!.send(ohlc(T0, 6));
    await waitFor('the valid candle', () => sink.candleLog.length === 1);
    const pub = sink.conn('ws-public');
    expect(pub.malformed).toHaveLength(bad.length);
    expect(pub.malformedFrames).toEqual(bad);
    expect(sink.candleLog[0]).toMatchObject({ time: T0, open: '64250', volume: '0.12345678' });
    expect(pub.reconnects).toBe(0);
  });

  it('a far-future interval_begin is refused and does not freeze the chart', { timeout: 30_000 }, async () => {
    const sink = await start();
    hostile!.send(ohlc(T0, 1));
    hostile!.send(ohlc(T0, 2, { interval_begin: '"9999-12-31T23:59:00.000000000Z"' }));
    hostile!.send(ohlc(T0 + 60, 1));
    await waitFor('both valid candles', () => sink.candleLog.length >= 2, 5_000);
    expect(sink.candleLog.map((c) => c.time)).toEqual([T0, T0 + 60]);
    expect(sink.conn('ws-public').malformed).toHaveLength(1);
  });

  it("Kraken's 1e308 is refused, not turned into a 309-digit price", { timeout: 30_000 }, async () => {
    const sink = await start();
    hostile!.send(ohlc(T0, 1, { high: '1e308' }));
    hostile!.send(ohlc(T0, 2));
    await waitFor('the valid candle', () => sink.candleLog.length >= 1, 5_000);
    expect(sink.candleLog.map((c) => c.high)).toEqual(['64260.5']);
    expect(sink.conn('ws-public').malformed).toHaveLength(1);
  });
});

describe('Kraken stall detection', () => {
  it('a silent venue is noticed within 3 s of its last frame while subscribed', { timeout: 30_000 }, async () => {
    const sink = await start();
    await sleep(1_500);
    hostile!.silent = true;
    const last = hostile!.lastSentAt;
    await waitFor('the stall noticed', () => sink.conn('ws-public').reconnects > 0, 10_000);
    const detectedMs = Date.now() - last;
    // The socket's own figure: silence from its last frame to the watchdog tick that noticed it.
    const reason = sink.conn('ws-public').states.find((s) => s.state === 'reconnecting')?.reason ?? '';
    const silentMs = Number(/no frame for (\d+) ms/.exec(reason)?.[1]);
    console.log(`kraken stall detected after ${silentMs} ms of silence (${detectedMs} ms from the venue's last frame to the test seeing it)`);
    expect(silentMs).toBeLessThan(3_000);
  });

  it('no false alarm while only heartbeats flow', { timeout: 30_000 }, async () => {
    const sink = await start();
    await sleep(8_000);
    expect(sink.conn('ws-public').reconnects).toBe(0);
    expect(sink.state('ws-public')).toBe('live');
  });
});

describe('Kraken book and clock on a hostile wire', () => {
  it('an unreadable book update is counted, the connection is degraded while the book is resubscribed, then live again', { timeout: 30_000 }, async () => {
    let bookSubscribes = 0;
    const { hostile, venue, sink } = await startHostile({ hostile: { onSubscribed: (s) => void (s.channel === 'book' && bookSubscribes++) } });
    await venue.connect();
    const resets: string[] = [];
    venue.subscribeBook('BTC/USD', 10, (e) => void (e.type === 'reset' && resets.push(e.reason)));
    await waitFor('public live', () => sink.state('ws-public') === 'live');
    const bad = '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":null,"qty":1.0}],"asks":[],"checksum":12345}]}';
    hostile.send(bad);
    await waitFor('resubscribed', () => bookSubscribes === 2);
    await waitFor('live again', () => sink.state('ws-public') === 'live');
    const pub = sink.conn('ws-public');
    expect(pub.malformedFrames).toEqual([bad]);
    expect(pub.states.map((s) => s.state).slice(-2)).toEqual(['degraded', 'live']);
    expect(pub.reconnects).toBe(0);
  });

  it("reports the venue's clock skew from its pong timestamps", { timeout: 30_000 }, async () => {
    const { venue, sink } = await startHostile({ venue: { timing: { pingEveryMs: 200 } } });
    await venue.connect();
    venue.subscribeCandles(KEY);
    await waitFor('a skew measured', () => (sink.conns.get('ws-public')?.clockSkews.length ?? 0) > 0);
    // Same machine, same clock: within the round trip and the venue's µs stamp.
    expect(Math.abs(sink.conn('ws-public').clockSkews[0]!)).toBeLessThan(1_000);
  });
});

describe('Kraken REST answers on a hostile wire', () => {
  it('OHLC rows that fail validation are counted on the REST connection and left out of history', { timeout: 30_000 }, async () => {
    const row = (t: number, o: unknown = '64250.0'): unknown[] => [t, o, '64260.5', '64240.0', '64255.1', '64251.2', '0.12345678', 3];
    const rows = [row(T0 - 120), row(T0 - 60, null), row(T0), [T0 + 60, '1', '2'], row(4_102_444_800), row(T0 + 7)];
    const { venue, sink } = await startHostile({ hostile: { ohlcRows: () => rows } });
    await venue.connect();
    const history = await venue.history({ ...KEY, limit: 100 });
    expect(history.map((c) => c.time)).toEqual([T0 - 120, T0]);
    const rest = sink.conn('rest');
    expect(rest.malformed).toHaveLength(4);
    expect(rest.malformedFrames[0]).toBe(JSON.stringify(rows[1]));
  });
});
