import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../../electron/venues/kraken/book.js';
import { crc32 } from '../../../electron/venues/kraken/crc32.js';
import type { WsBookFrame } from '../../../electron/venues/kraken/messages.js';
import { readFrame } from '../../../electron/venues/kraken/parse.js';

// The doc's official example (§4.4): BTC/USD, price_precision 1, qty_precision 8.
const ASKS = [
  ['45285.2', '0.00100000'], ['45286.4', '1.54571953'], ['45286.6', '1.54571109'], ['45289.6', '1.54560911'],
  ['45290.2', '0.15890660'], ['45291.8', '1.54553491'], ['45294.7', '0.04454749'], ['45296.1', '0.35380000'],
  ['45297.5', '0.09945542'], ['45299.5', '0.18772827'],
];
const BIDS = [
  ['45283.5', '0.10000000'], ['45283.4', '1.54582015'], ['45282.1', '0.10000000'], ['45281.0', '0.10000000'],
  ['45280.3', '1.54592586'], ['45279.0', '0.07990000'], ['45277.6', '0.03310103'], ['45277.5', '0.30000000'],
  ['45277.3', '1.54602737'], ['45276.6', '0.15445238'],
];

/** Frame text the way Kraken writes it: numbers with their full precision. */
function frame(type: 'snapshot' | 'update', bids: string[][], asks: string[][], checksum: number): string {
  const side = (l: string[][]): string => '[' + l.map(([p, q]) => `{"price":${p},"qty":${q}}`).join(',') + ']';
  return `{"channel":"book","type":"${type}","data":[{"symbol":"BTC/USD","bids":${side(bids)},"asks":${side(asks)},"checksum":${checksum},"timestamp":"2023-10-06T17:35:55.440295Z"}]}`;
}

function data(text: string): WsBookFrame['data'][number] {
  return (readFrame(text) as WsBookFrame).data[0]!;
}

describe('Kraken book checksum', () => {
  it('CRC32 is the IEEE/zlib one', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
  });

  it('matches the official example 3310070434 from exact precision strings', () => {
    const book = new OrderBook('BTC/USD', 10, 1, 8);
    expect(book.applySnapshot(data(frame('snapshot', BIDS, ASKS, 3310070434)))).toBe(true);
    const input = book.checksumInput();
    expect(input.startsWith('452852100000452864154571953')).toBe(true);
    expect(input).toHaveLength(281);
    expect(book.checksum).toBe(3310070434);
    expect(book.bids(1)).toEqual([{ price: '45283.5', qty: '0.1' }]);
    expect(book.asks(2)[1]).toEqual({ price: '45286.4', qty: '1.54571953' });
  });

  it('pads numbers that lost trailing zeros to the wire precision, so the checksum still matches', () => {
    const trimmed = (l: string[][]): string[][] => l.map(([p, q]) => [String(Number(p)), String(Number(q))]);
    const book = new OrderBook('BTC/USD', 10, 1, 8);
    expect(book.applySnapshot(data(frame('snapshot', trimmed(BIDS), trimmed(ASKS), 3310070434)))).toBe(true);
  });

  it('rejects a snapshot whose checksum does not match', () => {
    const book = new OrderBook('BTC/USD', 10, 1, 8);
    expect(book.applySnapshot(data(frame('snapshot', BIDS, ASKS, 3310070435)))).toBe(false);
  });

  it('applies deletes and inserts, cuts to depth itself, and verifies each update', () => {
    const book = new OrderBook('BTC/USD', 10, 1, 8);
    book.applySnapshot(data(frame('snapshot', BIDS, ASKS, 3310070434)));
    // Delete the best bid and bring a new 10th level into view; also a new best ask that pushes the 10th ask out.
    const reference = new OrderBook('BTC/USD', 25, 1, 8);
    const bids2 = [...BIDS.slice(1), ['45276.0', '0.50000000']];
    const asks2 = [['45284.0', '0.20000000'], ...ASKS.slice(0, 9)];
    reference.applySnapshot(data(frame('snapshot', bids2, asks2, 0)));
    const expected = reference.computeChecksum();
    const update = frame('update', [['45283.5', '0.00000000'], ['45276.0', '0.50000000']], [['45284.0', '0.20000000']], expected);
    expect(book.applyUpdate(data(update))).toBe(true);
    expect(book.asks()).toHaveLength(10);
    expect(book.asks().at(-1)!.price).toBe('45297.5');
    expect(book.bids()[0]!.price).toBe('45283.4');
    // The same update with a wrong checksum is reported, not accepted.
    const other = new OrderBook('BTC/USD', 10, 1, 8);
    other.applySnapshot(data(frame('snapshot', BIDS, ASKS, 3310070434)));
    expect(other.applyUpdate(data(frame('update', [['45283.5', '0.00000000']], [], expected)))).toBe(false);
  });

  it('reuses the asks section when only bids move, and still checks every message', () => {
    const book = new OrderBook('BTC/USD', 10, 1, 8);
    book.applySnapshot(data(frame('snapshot', BIDS, ASKS, 3310070434)));
    const probe = new OrderBook('BTC/USD', 10, 1, 8);
    const bids2 = BIDS.map((l, i) => (i === 3 ? [l[0]!, '0.20000000'] : l));
    probe.applySnapshot(data(frame('snapshot', bids2, ASKS, 0)));
    expect(book.applyUpdate(data(frame('update', [['45281.0', '0.20000000']], [], probe.computeChecksum())))).toBe(true);
    expect(book.applyUpdate(data(frame('update', [], [], probe.computeChecksum())))).toBe(true);
    expect(book.applyUpdate(data(frame('update', [], [], 1)))).toBe(false);
  });
});

describe('CRC pieces', () => {
  it('appending pieces equals the CRC of the whole text', async () => {
    const { crc32Append, crc32Piece, crc32Final, CRC32_START } = await import('../../../electron/venues/kraken/crc32.js');
    const parts = ['452852', '100000', '4528641', '54571953', '', '0', '123456789012345678901'];
    let s = CRC32_START;
    for (const p of parts) s = crc32Append(s, crc32Piece(p), p.length);
    expect(crc32Final(s)).toBe(crc32(parts.join('')));
  });
});
