/**
 * The UI bench's far side: candle updates at a set rate across a set of instruments, sent as
 * the JSON text frames the WebSocket bridge receives, one batch every `batchMs`. Not
 * coalesced per instrument (the main side would): the renderer's own coalescing is under test too.
 */
export interface TickerStart {
  instruments: { venue: string; id: string; price: number }[];
  perSecond: number;
  batchMs: number;
  /** The seq of the snapshot the page applied; batches follow it. */
  seq: number;
  /** Book updates of one instrument beside the candles, each a whole book stamped `receivedAt` as it is made. */
  books?: { venue: string; id: string; price: number; perSecond: number; depth: number };
}

/** A book of `depth` levels a side around `mid`, sizes random: every level changes, as in a busy market. */
function makeBook(b: NonNullable<TickerStart['books']>, mid: number) {
  const step = 0.01;
  const best = Math.round(mid / step) * step;
  const side = (dir: number) =>
    Array.from({ length: b.depth }, (_, k) => ({ price: (best + dir * (k + 1) * step).toFixed(2), quantity: (Math.random() * 10).toFixed(4) }));
  return {
    venue: b.venue,
    instrumentId: b.id,
    depth: b.depth,
    bids: side(-1),
    asks: side(1),
    receivedAt: performance.timeOrigin + performance.now(),
    health: { verification: 'checksum', verified: 1, failures: 0, resyncs: 0, consistent: true },
  };
}

interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

const text = (n: number) => n.toFixed(2);

self.onmessage = (ev: MessageEvent<TickerStart | 'stop'>) => {
  if (ev.data === 'stop') {
    close();
    return;
  }
  const { instruments, perSecond, batchMs } = ev.data;
  let seq = ev.data.seq;
  const bars = instruments.map((i): Bar => ({ time: 0, open: i.price, high: i.price, low: i.price, close: i.price, volume: 0 }));
  const started = performance.now();
  let sent = 0;
  let booksSent = 0;
  let mid = ev.data.books?.price ?? 0;
  let next = 0;
  const bookFeed = ev.data.books;
  setInterval(() => {
    const elapsed = performance.now() - started;
    const books = [];
    if (bookFeed) {
      const dueBooks = Math.floor((elapsed * bookFeed.perSecond) / 1000) - booksSent;
      for (let k = 0; k < dueBooks; k++) {
        mid = Math.max(1, mid * (1 + (Math.random() - 0.5) * 0.0004));
        books.push(makeBook(bookFeed, mid));
      }
      booksSent += Math.max(0, dueBooks);
    }
    const due = Math.floor((elapsed * perSecond) / 1000) - sent;
    if (due <= 0 && books.length === 0) return;
    const minute = Math.floor(Date.now() / 60_000) * 60;
    const candles = [];
    const made: number[] = [];
    for (let k = 0; k < due; k++) {
      const i = next;
      next = (next + 1) % instruments.length;
      const b = bars[i]!;
      const inst = instruments[i]!;
      const price = Math.max(0.01, b.close * (1 + (Math.random() - 0.5) * 0.002));
      if (b.time !== minute) Object.assign(b, { time: minute, open: b.close, high: b.close, low: b.close, volume: 0 });
      b.close = price;
      b.high = Math.max(b.high, price);
      b.low = Math.min(b.low, price);
      b.volume += 1;
      candles.push({
        venue: inst.venue,
        instrumentId: inst.id,
        interval: '1m',
        time: b.time,
        open: text(b.open),
        high: text(b.high),
        low: text(b.low),
        close: text(b.close),
        volume: String(b.volume),
      });
      // As the main side stamps its arrival: this worker stands in for it.
      made.push(performance.timeOrigin + performance.now());
    }
    sent += Math.max(0, due);
    seq += 1;
    const sentAt = performance.timeOrigin + performance.now();
    const stamps = candles.length > 0 ? { sentAt, candlesAgeUs: made.map((t) => Math.round((sentAt - t) * 1000)) } : {};
    const base = { seq, candles, ...stamps, orders: [], connections: [] };
    const payload = books.length > 0 ? { ...base, books } : base;
    self.postMessage(JSON.stringify({ topic: 'batch', payload }));
  }, batchMs);
};
