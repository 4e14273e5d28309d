/**
 * Stall detection, measured: a silent T-Invest stream (market data and order state) is called
 * dead within three ping intervals of its last message, and a busy process (its own event loop
 * blocked for longer than that) is not mistaken for a silent venue.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CandleKey } from '../../../common/domain.js';
import { createTInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import type { TInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { TInvestSim } from '../../../sim/tinvest/server.js';
import { RecordingSink, sleep, waitFor } from './helpers.js';

const PING_MS = 1_000;

let sim: TInvestSim;
let sink: RecordingSink;
let venue: TInvestVenue;

beforeEach(async () => {
  sim = await startTInvestSim({ seed: 3 });
  sink = new RecordingSink();
  venue = createTInvestVenue({
    endpoint: sim.endpoint,
    token: sim.token,
    mode: 'demo',
    tls: false,
    sink,
    accountId: sim.accountId,
    pingDelayMs: PING_MS,
    reconnect: { baseMs: 20, maxMs: 100 },
    trading: { pingDelayMs: PING_MS, reconnect: { baseMs: 20, maxMs: 100 } },
  });
  await venue.connect();
  const sber = sim.instruments.find((i) => i.ticker === 'SBER')!;
  const key: CandleKey = { venue: 'tinvest', instrumentId: sber.uid, interval: '1m' };
  venue.subscribeCandles(key);
  await waitFor('both streams live', () => sink.state('marketdata') === 'live' && sink.state('orders') === 'live', 10_000);
});
afterEach(async () => {
  await venue.close();
  await sim.close();
});

/** Ms from `since` until the connection reports the stall. */
async function detection(conn: string, since: number): Promise<number> {
  await waitFor(`${conn} stall`, () => sink.record(conn).errors.some((e) => e.code === 'stall'), 20_000, 5);
  return Date.now() - since;
}

describe('T-Invest stall detection', () => {
  it('calls silent streams dead within three ping intervals of the last message (measured)', async () => {
    const stalledAt = Date.now();
    sim.faults.stallStreams(true);
    const [market, orders] = await Promise.all([detection('marketdata', stalledAt), detection('orders', stalledAt)]);
    sim.faults.stallStreams(false);
    const silence = (conn: string): number => Number(/silent for (\d+) ms/.exec(sink.record(conn).errors.find((e) => e.code === 'stall')!.message)?.[1]);
    // The watchdog's own reading is an upper bound of the silence since the last message.
    // (Half an interval of timer lateness at most: a later tick judges nothing, see SilenceWatchdog.)
    expect(silence('marketdata')).toBeLessThanOrEqual(3.5 * PING_MS);
    expect(silence('orders')).toBeLessThanOrEqual(3.5 * PING_MS);
    // Wall clock from the stall (the last message came before it), with one interval of room for a busy machine.
    expect(market).toBeLessThanOrEqual(4 * PING_MS);
    expect(orders).toBeLessThanOrEqual(4 * PING_MS);
    process.stdout.write(`stall detection (ping interval ${PING_MS} ms): market data ${market} ms, order state ${orders} ms after the stall\n`);
    await waitFor('both streams live again', () => sink.state('marketdata') === 'live' && sink.state('orders') === 'live', 10_000);
  });

  it('no false alarm when our own event loop is blocked for longer than three intervals', async () => {
    const until = Date.now() + 4 * PING_MS;
    while (Date.now() < until) {
      // busy: the process, not the venue, is slow
    }
    await sleep(PING_MS);
    expect(sink.record('marketdata').errors.filter((e) => e.code === 'stall').map((e) => e.message)).toEqual([]);
    expect(sink.record('orders').errors.filter((e) => e.code === 'stall').map((e) => e.message)).toEqual([]);
    expect(sink.record('orders').errors.filter((e) => e.code === 'stall')).toEqual([]);
  });
});
