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
  let next = 0;
  setInterval(() => {
    const due = Math.floor(((performance.now() - started) * perSecond) / 1000) - sent;
    if (due <= 0) return;
    const minute = Math.floor(Date.now() / 60_000) * 60;
    const candles = [];
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
    }
    sent += due;
    seq += 1;
    self.postMessage(JSON.stringify({ topic: 'batch', payload: { seq, candles, orders: [], connections: [] } }));
  }, batchMs);
};
