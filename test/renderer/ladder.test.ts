import { describe, expect, it } from 'vitest';
import type { Order, OrderBook } from '../../common/domain.js';
import { defaultDepth, ladderRows, type LadderView } from '../../renderer/components/ladder/ladder-rows.js';
import { LadderPainter, paintFromStore, type LadderSurface } from '../../renderer/components/ladder/ladder-painter.js';

import { createAppStore } from '../../renderer/store/app-store.js';
import { FrameDrain } from '../../renderer/store/frame-drain.js';
import { bookKeyId } from '../../renderer/store/market.js';
import { FakeBridge } from './fake-bridge.js';
import { anOrder, batch } from './fixtures.js';

function book(bids: [string, string][], asks: [string, string][], over: Partial<OrderBook> = {}): OrderBook {
  return {
    venue: 'kraken',
    instrumentId: 'XXBTZUSD',
    depth: 10,
    bids: bids.map(([price, quantity]) => ({ price, quantity })),
    asks: asks.map(([price, quantity]) => ({ price, quantity })),
    receivedAt: 1,
    health: { verification: 'checksum', verified: 1, failures: 0, resyncs: 0, consistent: true },
    ...over,
  };
}

const BOOK = book(
  [
    ['60000.0', '1.5'],
    ['59999.5', '2'],
  ],
  [
    ['60000.5', '0.3'],
    ['60001.0', '4'],
  ],
);

function order(over: Partial<Order>): Order {
  return anOrder({ instrumentId: 'XXBTZUSD', venue: 'kraken', status: 'open', filledQuantity: '0', ...over });
}

describe('ladder rows', () => {
  it('puts asks above, highest first, the spread between, and bids below, best first', () => {
    const view = ladderRows(BOOK, []);
    expect(view.asks.map((l) => `${l.price}:${l.size}`)).toEqual(['60001.0:4', '60000.5:0.3']);
    expect(view.bids.map((l) => `${l.price}:${l.size}`)).toEqual(['60000.0:1.5', '59999.5:2']);
    expect(view.spread).toBe('0.5');
  });

  it('shows our working orders\' remaining quantity at their levels, prices compared exactly', () => {
    const orders = [
      order({ clientOrderId: 'a', side: 'buy', price: '60000', quantity: '1', filledQuantity: '0.25' }),
      order({ clientOrderId: 'b', side: 'buy', price: '60000.00', quantity: '2' }),
      order({ clientOrderId: 'c', side: 'sell', price: '60001.0', quantity: '0.5' }),
      order({ clientOrderId: 'd', side: 'sell', price: '61000', quantity: '1' }), // away from the book
      order({ clientOrderId: 'e', side: 'buy', price: '59999.5', quantity: '1', status: 'filled', filledQuantity: '1' }),
      order({ clientOrderId: 'f', side: 'sell', type: 'stop-loss-limit', price: '60000.5', triggerPrice: '60100', quantity: '1' }), // not triggered: not on the book
      order({ clientOrderId: 'g', side: 'buy', price: '60000', quantity: '1', instrumentId: 'XETHZUSD' }),
    ];
    const view = ladderRows(BOOK, orders);
    expect(view.bids[0]).toMatchObject({ price: '60000.0', ownBuy: '2.75' });
    expect(view.bids[1]!.ownBuy).toBeUndefined();
    expect(view.asks[0]).toMatchObject({ price: '60001.0', ownSell: '0.5' });
    expect(view.asks[1]!.ownSell).toBeUndefined();
    expect(view.ownElsewhere).toBe(1);
  });

  it('has no spread when a side is empty', () => {
    expect(ladderRows(book([['1', '1']], []), []).spread).toBeUndefined();
  });

  it('starts at 10 levels where offered, else the nearest depth', () => {
    expect(defaultDepth([1, 10, 20, 50])).toBe(10);
    expect(defaultDepth([25, 100])).toBe(25);
    expect(defaultDepth([])).toBeUndefined();
  });
});

describe('ladder painting', () => {
  function stage() {
    const bridge = new FakeBridge();
    const store = createAppStore(bridge);
    const frames: (() => void)[] = [];
    const drain = new FrameDrain({ commitFrame: (f) => store.getState().commitFrame(f) }, (fn) => frames.push(fn));
    const drawn: LadderView[] = [];
    const surface: LadderSurface = { draw: (v) => drawn.push(v) };
    const painter = new LadderPainter(surface);
    const stop = paintFromStore(store, bookKeyId('kraken', 'XXBTZUSD', 10), painter);
    const frame = () => {
      const due = frames.splice(0);
      for (const fn of due) fn();
    };
    return { store, drain, painter, drawn, frame, stop };
  }

  it('paints once per frame under a burst of books, with the newest', () => {
    const { drain, painter, drawn, frame } = stage();
    let seq = 0;
    for (let f = 0; f < 5; f += 1) {
      // 40 batches a frame, each with a new book (and another instrument's book that is not shown).
      for (let i = 0; i < 40; i += 1) {
        const bid = String(60000 + f * 100 + i);
        seq += 1;
        drain.batch(batch(seq, { books: [book([[bid, '1']], [['70000', '1']]), book([['1', '1']], [['2', '1']], { instrumentId: 'XETHZUSD' })] }));
      }
      expect(painter.paints).toBe(f);
      frame();
      expect(painter.paints).toBe(f + 1);
      expect(drawn.at(-1)!.bids[0]!.price).toBe(String(60000 + f * 100 + 39));
    }
    frame(); // nothing new came: no paint
    expect(painter.paints).toBe(5);
  });

  it('paints again when our orders change, and not for other changes of the store', () => {
    const { store, drain, painter, frame } = stage();
    drain.batch(batch(1, { books: [BOOK] }));
    frame();
    expect(painter.paints).toBe(1);
    drain.batch(batch(2, { quotes: [{ venue: 'kraken', instrumentId: 'XXBTZUSD', last: '1', time: 1 }] }));
    frame();
    store.getState().setOneClick(true);
    expect(painter.paints).toBe(1);
    drain.batch(batch(3, { orders: [order({ clientOrderId: 'x', side: 'buy', price: '60000.0', quantity: '1' })] }));
    frame();
    expect(painter.paints).toBe(2);
  });

  it('stops painting once its view is gone', () => {
    const { drain, painter, frame, stop } = stage();
    stop();
    drain.batch(batch(1, { books: [BOOK] }));
    frame();
    expect(painter.paints).toBe(0);
  });
});
