/**
 * The v2 book checksum (doc §4.4): CRC32 over the top 10 asks (lowest first) then the top
 * 10 bids (highest first), each level as price text then qty text with the '.' and the
 * leading zeros removed. The text must carry the instrument's exact precision.
 */
import { crc32 } from 'node:zlib';

export interface LevelText {
  price: string;
  qty: string;
}

function squeeze(decimalText: string): string {
  return decimalText.replace('.', '').replace(/^0+/, '');
}

/** The string the CRC is taken over; exported so a mismatch can be explained. */
export function checksumInput(asks: readonly LevelText[], bids: readonly LevelText[]): string {
  let s = '';
  for (const l of asks.slice(0, 10)) s += squeeze(l.price) + squeeze(l.qty);
  for (const l of bids.slice(0, 10)) s += squeeze(l.price) + squeeze(l.qty);
  return s;
}

/** Unsigned 32-bit checksum of a book's top 10 levels a side. */
export function bookChecksum(asks: readonly LevelText[], bids: readonly LevelText[]): number {
  return crc32(checksumInput(asks, bids)) >>> 0;
}
