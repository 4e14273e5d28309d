import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { Market } from '../../../sim/market.js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { SimInstrument, TInvestSim } from '../../../sim/tinvest/server.js';
import { RawClient, scaledOf } from './helpers.js';
import type { CandleMsg, MarketDataResponseMsg, RawStream } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MINUTE_MS = 60_000;

// The market and the venue share a test clock: trades happen only when a test moves it.
let clock = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS + 5_000;
let market: Market;
let sim: TInvestSim;
let client: RawClient;
let sber: SimInstrument;
const open: RawStream<MarketDataResponseMsg>[] = [];

function advance(ms: number): void {
  clock += ms;
  market.advance();
}

/** Moves the clock to `sec` seconds into the next minute; returns that minute's open (UTC seconds). */
function nextMinute(sec: number): number {
  const next = Math.floor(clock / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  advance(next + sec * 1000 - clock);
  return next / 1000;
}

function stream(token?: string): RawStream<MarketDataResponseMsg> {
  const s = client.bidi<MarketDataResponseMsg>('MarketDataStreamService', 'MarketDataStream', token);
  open.push(s);
  return s;
}

function subscribe(action: 1 | 2, instruments: { instrument_id?: string; figi?: string; interval: number }[], waitingClose = false) {
  return { subscribe_candles_request: { subscription_action: action, instruments, waiting_close: waitingClose } };
}

const isStatus = (m: MarketDataResponseMsg) => m.payload === 'subscribe_candles_response';
const isCandle = (m: MarketDataResponseMsg) => m.payload === 'candle';

function marketCandle(c: CandleMsg) {
  return { time: Number(c.time.seconds), open: scaledOf(c.open, 2), high: scaledOf(c.high, 2), low: scaledOf(c.low, 2), close: scaledOf(c.close, 2), volume: BigInt(c.volume) };
}

function finalMarketCandle(openSec: number) {
  const [c] = market.candles('SBER', 60, openSec, openSec + 60);
  if (!c) throw new Error('no trades in that minute');
  return { time: c.time, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume };
}

beforeAll(async () => {
  market = new Market({
    seed: 31,
    now: () => clock,
    historySeconds: 600,
    symbols: [{ symbol: 'SBER', startPrice: '300', priceStep: '0.01', qtyStep: '1', tradesPerSecond: 5 }],
  });
  sim = await startTInvestSim({ market, now: () => clock });
  client = new RawClient(sim.endpoint, sim.token);
  sber = sim.instruments.find((i) => i.ticker === 'SBER') ?? expect.unreachable('SBER');
});
afterEach(() => {
  for (const s of open.splice(0)) s.cancel();
});
afterAll(async () => {
  client.close();
  await sim.close();
});

describe('T-Invest sim: MarketDataStream', () => {
  it('echoes figi, interval, stream and subscription ids even when subscribed by instrument_id', async () => {
    const s = stream();
    s.write(subscribe(1, [{ instrument_id: sber.uid, interval: 1 }]));
    const { match } = await s.until(isStatus);
    const [st] = match.subscribe_candles_response?.candles_subscriptions ?? [];
    expect(st).toMatchObject({
      figi: sber.figi,
      interval: 1,
      subscription_status: 1,
      instrument_uid: sber.uid,
      subscription_action: 1,
      ticker: 'SBER',
      class_code: 'TQBR',
    });
    expect(st?.subscription_id).toMatch(UUID);
    expect(match.subscribe_candles_response?.tracking_id).toMatch(/^[0-9a-f]{32}$/);
    // The venue's own record agrees on the stream and the subscription.
    const mine = sim.stats.activeSubscriptions().find((x) => x.streamId === st?.stream_id);
    expect(mine?.candles).toEqual([{ subscriptionId: st?.subscription_id, figi: sber.figi, instrumentUid: sber.uid, interval: 1, waitingClose: false }]);
  });

  it('pushes candles as trades happen, and the last update of a minute is the market candle', async () => {
    const s = stream();
    s.write(subscribe(1, [{ instrument_id: 'SBER_TQBR', interval: 1 }, { figi: sber.figi, interval: 2 }]));
    await s.until(isStatus);
    const first = Math.floor(clock / MINUTE_MS) * 60;
    advance(20_000);
    const second = nextMinute(10);
    // Updates closer than 100 ms apart wait for the venue's next flush; let the clock move past it.
    advance(500);
    const { before } = await s.until((m) => isCandle(m) && m.candle?.interval === 1 && Number(m.candle.time.seconds) === second);
    const ones = before.filter((m) => m.candle?.interval === 1).map((m) => m.candle as CandleMsg);
    expect(ones.length).toBeGreaterThan(0);
    for (const c of ones) {
      expect(c).toMatchObject({ figi: sber.figi, instrument_uid: sber.uid, ticker: 'SBER', class_code: 'TQBR' });
      expect(Number(c.last_trade_ts.seconds)).toBeGreaterThanOrEqual(Number(c.time.seconds));
    }
    const lastOfFirst = ones.filter((c) => Number(c.time.seconds) === first).at(-1) ?? expect.unreachable('no candle of the first minute');
    expect(marketCandle(lastOfFirst)).toEqual(finalMarketCandle(first));
    // The 5-minute subscription gets its own candles, keyed by the SubscriptionInterval number.
    const five = before.filter((m) => m.candle?.interval === 2);
    expect(five.length).toBeGreaterThan(0);
    expect(five[0]?.candle?.figi).toBe(sber.figi);
  });

  it('streams 4-hour and weekly candles: 4h periods from midnight UTC, weeks from Monday as on MOEX', async () => {
    // Later tests count on where in its minute the clock is: this one gives the offset back.
    const offsetSec = (clock % MINUTE_MS) / 1000;
    const s = stream();
    s.write(subscribe(1, [{ instrument_id: sber.uid, interval: 11 }, { instrument_id: sber.uid, interval: 12 }]));
    const { match } = await s.until(isStatus);
    expect(match.subscribe_candles_response?.candles_subscriptions.map((x) => x.subscription_status)).toEqual([1, 1]);
    advance(3_000);
    const four = (await s.until((m) => isCandle(m) && m.candle?.interval === 11)).match.candle ?? expect.unreachable('4h candle');
    advance(3_000);
    const week = (await s.until((m) => isCandle(m) && m.candle?.interval === 12)).match.candle ?? expect.unreachable('week candle');
    const nowSec = Math.floor(clock / 1000);
    expect(Number(four.time.seconds)).toBe(Math.floor(nowSec / 14_400) * 14_400);
    const weekOpen = Number(week.time.seconds);
    expect(new Date(weekOpen * 1000).getUTCDay()).toBe(1);
    expect(weekOpen % 86_400).toBe(0);
    expect(nowSec - weekOpen).toBeLessThan(7 * 86_400);
    expect(nowSec).toBeGreaterThanOrEqual(weekOpen);
    // The week spans days of trades: its open is that of the week's first day candle.
    const [firstDay] = market.candles('SBER', 86_400, weekOpen, weekOpen + 7 * 86_400);
    expect(scaledOf(week.open, 2)).toBe(firstDay?.open);
    nextMinute(offsetSec);
  });

  it('stops candles after unsubscribe', async () => {
    const s = stream();
    s.write(subscribe(1, [{ instrument_id: sber.uid, interval: 1 }]));
    const sub = (await s.until(isStatus)).match.subscribe_candles_response?.candles_subscriptions[0];
    advance(3_000);
    await s.until(isCandle);
    s.write(subscribe(2, [{ instrument_id: sber.uid, interval: 1 }]));
    const unsub = (await s.until(isStatus)).match.subscribe_candles_response?.candles_subscriptions[0];
    expect(unsub).toMatchObject({ subscription_status: 1, subscription_action: 2, subscription_id: sub?.subscription_id, figi: sber.figi });
    advance(30_000);
    s.write({ get_my_subscriptions: {} });
    const next = await s.next();
    expect(next.payload).toBeUndefined();
    expect(next).toEqual({});
  });

  it('answers bad subscriptions per instrument without closing the stream', async () => {
    const s = stream();
    s.write(subscribe(1, [{ instrument_id: 'NOPE_TQBR', interval: 1 }, { instrument_id: sber.uid, interval: 0 }]));
    const statuses = (await s.until(isStatus)).match.subscribe_candles_response?.candles_subscriptions ?? [];
    expect(statuses.map((x) => [x.figi, x.subscription_status])).toEqual([
      ['NOPE_TQBR', 2],
      [sber.figi, 5],
    ]);
    s.write(subscribe(2, [{ instrument_id: sber.uid, interval: 1 }]));
    const gone = (await s.until(isStatus)).match.subscribe_candles_response?.candles_subscriptions ?? [];
    expect(gone.map((x) => x.subscription_status)).toEqual([9]);
    s.write({ ping: { time: { seconds: '1', nanos: 0 } } });
    expect((await s.next()).payload).toBe('ping');
  });

  it('lists active subscriptions on request, and an empty stream answers with no payload', async () => {
    const s = stream();
    s.write({ get_my_subscriptions: {} });
    expect(await s.next()).toEqual({});
    s.write(subscribe(1, [{ instrument_id: sber.uid, interval: 1 }, { instrument_id: sber.uid, interval: 4 }]));
    await s.until(isStatus);
    s.write({ get_my_subscriptions: {} });
    const list = (await s.until(isStatus)).match.subscribe_candles_response?.candles_subscriptions ?? [];
    expect(list.map((x) => [x.figi, x.interval, x.subscription_status]).sort()).toEqual([
      [sber.figi, 1, 1],
      [sber.figi, 4, 1],
    ]);
  });

  it('sends only closed candles with waiting_close', async () => {
    const s = stream();
    s.write(subscribe(1, [{ instrument_id: sber.uid, interval: 1 }], true));
    await s.until(isStatus);
    const first = Math.floor(clock / MINUTE_MS) * 60;
    advance(15_000);
    nextMinute(20);
    s.write({ get_my_subscriptions: {} });
    const { before } = await s.until(isStatus);
    const candles = before.filter(isCandle).map((m) => m.candle as CandleMsg);
    expect(candles.map((c) => Number(c.time.seconds))).toEqual([first]);
    expect(marketCandle(candles[0] as CandleMsg)).toEqual(finalMarketCandle(first));
  });

  it('completes the call with OK when the client half-closes', async () => {
    const s = stream();
    s.write(subscribe(1, [{ instrument_id: sber.uid, interval: 1 }]));
    await s.until(isStatus);
    const before = sim.stats.streamsOpen;
    s.end();
    expect((await s.status).code).toBe(status.OK);
    expect(await s.error).toBeUndefined();
    expect(sim.stats.streamsOpen).toBe(before - 1);
  });

  it('answers a PingRequest at once and pings by itself after ping_delay_ms of silence', async () => {
    const s = stream();
    s.write({ ping_settings: { ping_delay_ms: 5000 } });
    s.write({ ping: { time: { seconds: '1700000000', nanos: 5_000_000 } } });
    const answer = await s.next();
    expect(answer.ping?.ping_request_time).toEqual({ seconds: '1700000000', nanos: 5_000_000 });
    const streamId = answer.ping?.stream_id ?? '';
    expect(streamId).toMatch(UUID);
    const quietSince = Date.now();
    const idle = await s.next();
    expect(idle.payload).toBe('ping');
    expect(idle.ping?.stream_id).toBe(streamId);
    expect(idle.ping?.ping_request_time ?? undefined).toBeUndefined();
    // Not before the delay: a lower bound only, which slowness cannot break.
    expect(Date.now() - quietSince).toBeGreaterThanOrEqual(4_500);
  }, 20_000);
});

describe('T-Invest sim: limits and faults', () => {
  it('refuses the 301st subscription on one stream with LIMIT_IS_EXCEEDED', async () => {
    const big = await startTInvestSim({ seed: 32, extraShares: 300 });
    const c = new RawClient(big.endpoint, big.token);
    try {
      const s = c.bidi<MarketDataResponseMsg>('MarketDataStreamService', 'MarketDataStream');
      const ids = [...big.instruments.filter((i) => i.ticker.startsWith('SIM')).map((i) => i.uid), 'SBER_TQBR'];
      s.write(subscribe(1, ids.map((id) => ({ instrument_id: id, interval: 1 }))));
      const statuses = (await s.until(isStatus)).match.subscribe_candles_response?.candles_subscriptions ?? [];
      expect(statuses).toHaveLength(301);
      expect(statuses.filter((x) => x.subscription_status === 1)).toHaveLength(300);
      expect(statuses.at(-1)).toMatchObject({ figi: 'BBG004730N88', subscription_status: 6 });
      expect(big.stats.activeSubscriptions()[0]?.candles).toHaveLength(300);
      s.cancel();
    } finally {
      c.close();
      await big.close();
    }
  });

  it.each([
    ['80005', status.RESOURCE_EXHAUSTED, '80005'],
    ['UNAVAILABLE', status.UNAVAILABLE, 'GOAWAY received'],
    ['CANCELLED', status.CANCELLED, 'Received RST_STREAM with error code 8'],
  ] as const)('drops every open stream with %s', async (kind, code, details) => {
    const s = stream();
    s.write(subscribe(1, [{ instrument_id: sber.uid, interval: 1 }]));
    await s.until(isStatus);
    const opened = sim.stats.streamsOpened;
    expect(sim.faults.dropStreams(kind)).toBeGreaterThanOrEqual(1);
    const err = await s.error;
    expect([err?.code, err?.details]).toEqual([code, details]);
    if (kind === '80005') expect(err?.metadata.get('message')[0]).toBeTruthy();
    expect(sim.stats.streamsOpen).toBe(0);
    // A new stream starts empty and works.
    const again = stream();
    again.write({ get_my_subscriptions: {} });
    expect(await again.next()).toEqual({});
    expect(sim.stats.streamsOpened).toBe(opened + 1);
  });

  it('goes silent while stalled without closing, then answers again', async () => {
    const s = stream();
    s.write({ ping: { time: { seconds: '1', nanos: 0 } } });
    expect((await s.next()).ping?.ping_request_time?.seconds).toBe('1');
    sim.faults.stallStreams(true);
    const received = sim.stats.streamRequests;
    s.write({ ping: { time: { seconds: '2', nanos: 0 } } });
    while (sim.stats.streamRequests === received) await new Promise((r) => setTimeout(r, 10));
    sim.faults.stallStreams(false);
    s.write({ ping: { time: { seconds: '3', nanos: 0 } } });
    // The ping sent while stalled was swallowed: the next answer is for the third one.
    expect((await s.next()).ping?.ping_request_time?.seconds).toBe('3');
    expect(sim.stats.streamsOpen).toBeGreaterThanOrEqual(1);
  });

  it('serves MarketDataServerSideStream with subscriptions given once', async () => {
    const s = client.serverStream<MarketDataResponseMsg>('MarketDataStreamService', 'MarketDataServerSideStream', {
      subscribe_candles_request: { subscription_action: 1, instruments: [{ instrument_id: 'SBER_TQBR', interval: 1 }] },
      ping_settings: { ping_delay_ms: 5000 },
    });
    open.push(s);
    const st = (await s.until(isStatus)).match.subscribe_candles_response?.candles_subscriptions[0];
    expect(st).toMatchObject({ figi: sber.figi, subscription_status: 1 });
    advance(2_000);
    const { match } = await s.until(isCandle);
    expect(match.candle?.figi).toBe(sber.figi);
    expect(sim.stats.activeSubscriptions().find((x) => x.streamId === st?.stream_id)?.method).toBe('MarketDataServerSideStream');
  });
});
