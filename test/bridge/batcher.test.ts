import { describe, expect, it } from 'vitest';
import type { CandleKey, Order } from '../../common/domain.js';
import type { ConnectionEvent, PushBatch } from '../../electron/contract.js';
import { Batcher } from '../../electron/bridge/batcher.js';
import { wallClock } from '../../electron/net/wire-tap.js';
import { candle } from '../core/memory-venue.js';

const KEY: CandleKey = { venue: 'kraken', instrumentId: 'XBTUSD', interval: '1m' };

function order(clientOrderId: string, status: Order['status']): Order {
  return {
    venue: 'kraken',
    accountId: 'a',
    clientOrderId,
    instrumentId: 'XBTUSD',
    side: 'buy',
    type: 'limit',
    quantity: '1',
    price: '100',
    status,
    filledQuantity: '0',
    fills: [],
    createdAt: 1,
    updatedAt: 1,
  };
}

function conn(state: ConnectionEvent['state'], at: number): ConnectionEvent {
  return { venue: 'kraken', connection: 'ws-public', state, at, reason: `r${at}` };
}

function nextBatch(sent: PushBatch[]): Promise<PushBatch> {
  const start = sent.length;
  return new Promise((resolve) => {
    const poll = (): void => {
      const b = sent[start];
      if (b) resolve(b);
      else setTimeout(poll, 5);
    };
    poll();
  });
}

describe('Batcher', () => {
  it('coalesces 1000 updates of one bar in one window into one candle with the latest values', async () => {
    const sent: PushBatch[] = [];
    const b = new Batcher({ send: (x) => sent.push(x), intervalMs: 25 });
    for (let i = 1; i <= 1000; i++) b.candle(candle(KEY, 120, i));
    const batch = await nextBatch(sent);
    expect(batch.candles).toEqual([candle(KEY, 120, 1000)]);
    expect(sent).toHaveLength(1);
  });

  it('keeps the final state of a bar that closed within the window, oldest bar first', () => {
    const sent: PushBatch[] = [];
    const b = new Batcher({ send: (x) => sent.push(x) });
    for (let i = 1; i <= 1000; i++) b.candle(candle(KEY, 60 * Math.ceil(i / 400), i));
    expect(b.flush()?.candles).toEqual([candle(KEY, 60, 400), candle(KEY, 120, 800), candle(KEY, 180, 1000)]);
    b.close();
  });

  it("sends each candle with its arrival in the main process: a coalesced bar's oldest update not sent, a closed or late bar its own", () => {
    const b = new Batcher({ send: () => undefined });
    const t0 = wallClock() - 1000; // a second ago, so every age is positive
    b.candle(candle(KEY, 60, 1), t0);
    b.candle(candle(KEY, 60, 2), t0 + 5); // the same bar again: its clock started at t0
    b.candle(candle(KEY, 120, 3), t0 + 10.25); // the next bar: 60 closed, 120 starts
    b.candle(candle(KEY, 0, 4), t0 + 20); // a late older bar, as it came
    const first = b.flush();
    expect(first?.candles.map((c) => c.close)).toEqual(['4', '2', '3']);
    expect(first?.candlesAgeUs?.every((a) => Number.isInteger(a))).toBe(true);
    const arrivals = (batch: PushBatch | undefined) => (batch?.candlesAgeUs ?? []).map((a) => batch!.sentAt! - a / 1000 - t0);
    expect(arrivals(first).map((ms) => Math.round(ms * 100) / 100 + 0)).toEqual([20, 0, 10.25]); // + 0: no -0
    // Sent: the next window's update of the bar starts a clock of its own.
    b.candle(candle(KEY, 120, 5), t0 + 30);
    expect(arrivals(b.flush()).map(Math.round)).toEqual([30]);
    b.order(order('x', 'open'));
    const noCandles = b.flush();
    expect(noCandles?.candlesAgeUs).toBeUndefined();
    expect(noCandles?.sentAt).toBeUndefined();
    b.close();
  });

  it('keeps the latest candle of each key separately', () => {
    const sent: PushBatch[] = [];
    const b = new Batcher({ send: (x) => sent.push(x) });
    const other: CandleKey = { ...KEY, interval: '5m' };
    b.candle(candle(KEY, 60, 1));
    b.candle(candle(other, 0, 2));
    b.candle(candle(KEY, 60, 3));
    // Keys are independent: which comes first in a batch carries no meaning.
    expect(b.flush()?.candles).toEqual(expect.arrayContaining([candle(other, 0, 2), candle(KEY, 60, 3)]));
    b.close();
  });

  it('keeps every order update and connection event, in order', () => {
    const sent: PushBatch[] = [];
    const b = new Batcher({ send: (x) => sent.push(x) });
    const orders = [order('c1', 'pending'), order('c1', 'open'), order('c2', 'pending'), order('c1', 'partially-filled'), order('c1', 'filled')];
    const events = [conn('connecting', 1), conn('live', 2), conn('reconnecting', 3), conn('live', 4)];
    for (let i = 0; i < 5; i++) {
      b.order(orders[i]!);
      if (events[i]) b.connection(events[i]!);
      b.candle(candle(KEY, 60, i));
    }
    const batch = b.flush();
    expect(batch?.orders).toEqual(orders);
    expect(batch?.connections).toEqual(events);
    expect(batch?.candles).toHaveLength(1);
    b.close();
  });

  it('marks a batch once when the trade ledger changed, however often it did', () => {
    const b = new Batcher({ send: () => undefined });
    b.ledger();
    b.ledger();
    expect(b.flush()).toMatchObject({ ledger: true, orders: [], candles: [] });
    b.order(order('c1', 'open'));
    expect(b.flush()?.ledger).toBeUndefined();
    b.close();
  });

  it('numbers batches 1, 2, 3… and sends nothing when nothing changed', async () => {
    const sent: PushBatch[] = [];
    const b = new Batcher({ send: (x) => sent.push(x), intervalMs: 10 });
    expect(b.flush()).toBeUndefined();
    for (let round = 0; round < 5; round++) {
      b.candle(candle(KEY, 60, round));
      await nextBatch(sent);
    }
    expect(sent.map((x) => x.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(b.seq).toBe(5);
    // Several intervals with nothing new: still five batches.
    await new Promise((r) => setTimeout(r, 60));
    expect(b.flush()).toBeUndefined();
    expect(sent).toHaveLength(5);
    b.close();
  });

  it('sends nothing after close', () => {
    const sent: PushBatch[] = [];
    const b = new Batcher({ send: (x) => sent.push(x) });
    b.order(order('c1', 'pending'));
    b.close();
    expect(b.flush()).toBeUndefined();
    expect(sent).toEqual([]);
  });
});
