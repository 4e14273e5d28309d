/**
 * One WS v2 order book kept at its subscribed depth and checked against the venue's CRC32
 * on every message (doc §4.4). Each level keeps its checksum token (price and qty digits at
 * the wire precision) and that token's CRC piece from the moment it arrives, so a check
 * costs a few table lookups per level; running states are kept per position, so a change
 * redoes only the positions after it.
 */
import type { BookLevel as DomainLevel, Dec } from '../../../common/domain.js';
import { CHECKSUM_LEVELS } from './constants.js';
import { CRC32_START, crc32Append, crc32Final, crc32Update } from './crc32.js';
import type { Int, WsBookData, WsBookLevel } from './messages.js';
import { MalformedFrame, checksumDigits, decText } from './parse.js';

interface Level {
  /** Price digits at the wire precision, no leading zeros: an exact, comparable key. */
  key: string;
  price: string;
  qty: string;
  /** Qty digits: the level's checksum text is key + qtyDigits, whose CRC piece (see crc32Append) is kept. */
  qtyDigits: string;
  piece: number;
  tokenLength: number;
  /** The level as the sink gets it, made the first time a held book key asks and shared while the level stands. */
  out: DomainLevel | undefined;
}

export interface BookLevel {
  price: Dec;
  qty: Dec;
}

/** What listeners see: a read-only view, materialised only when asked. */
export interface BookView {
  readonly symbol: string;
  readonly depth: number;
  bids(n?: number): BookLevel[];
  asks(n?: number): BookLevel[];
  /** The venue's checksum this state was verified against. */
  readonly checksum: number;
}

/** Ascending by price: shorter digit strings are smaller (no leading zeros). */
function cmpKey(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

export class OrderBook implements BookView {
  readonly symbol: string;
  readonly depth: number;
  private readonly pricePrecision: number;
  private readonly qtyPrecision: number;
  /** Best first on both sides: bids descending, asks ascending. */
  private bidLevels: Level[] = [];
  private askLevels: Level[] = [];
  /**
   * Running CRC after each token of the checksum input (top-10 asks, then top-10 bids):
   * states[k] is the state after k tokens. A change at position p only redoes p onward.
   */
  private readonly states = new Int32Array(2 * CHECKSUM_LEVELS + 1);
  /** How many leading states are still right. */
  private validTokens = 0;
  checksum = 0;

  constructor(symbol: string, depth: number, pricePrecision: number, qtyPrecision: number) {
    this.symbol = symbol;
    this.depth = depth;
    this.pricePrecision = pricePrecision;
    this.qtyPrecision = qtyPrecision;
  }

  /** Replaces the book; true when the venue's checksum matches. */
  applySnapshot(d: WsBookData): boolean {
    this.bidLevels = [];
    this.askLevels = [];
    this.applySide(d.bids, false);
    this.applySide(d.asks, true);
    this.validTokens = 0;
    return this.verify(d.checksum, 0, 0);
  }

  /** Applies every change of one update, cuts to depth, then checks; true when it matches. */
  applyUpdate(d: WsBookData): boolean {
    const bidFrom = this.applySide(d.bids, false);
    const askFrom = this.applySide(d.asks, true);
    return this.verify(d.checksum, askFrom, bidFrom);
  }

  clear(): void {
    this.bidLevels = [];
    this.askLevels = [];
    this.validTokens = 0;
    this.checksum = 0;
  }

  bids(n = this.depth): BookLevel[] {
    return view(this.bidLevels, n);
  }

  asks(n = this.depth): BookLevel[] {
    return view(this.askLevels, n);
  }

  /** Top `n` levels of a side as the domain has them: unchanged levels keep their objects, so a message costs two arrays. */
  levels(asks: boolean, n: number): DomainLevel[] {
    const src = asks ? this.askLevels : this.bidLevels;
    const m = Math.min(n, src.length);
    const out = new Array<DomainLevel>(m);
    for (let i = 0; i < m; i++) {
      const l = src[i]!;
      out[i] = l.out ??= { price: decText(l.price), quantity: decText(l.qty) };
    }
    return out;
  }

  /** The text the checksum covers: top 10 asks then top 10 bids (for tests and diagnostics). */
  checksumInput(): string {
    const top = (l: readonly Level[]): string => l.slice(0, CHECKSUM_LEVELS).map((x) => x.key + x.qtyDigits).join('');
    return top(this.askLevels) + top(this.bidLevels);
  }

  /** The checksum of the current state (for tests and diagnostics). */
  computeChecksum(): number {
    return crc32Final(sectionCrc(this.bidLevels, sectionCrc(this.askLevels, CRC32_START)));
  }

  /** Applies one side's changes; returns the first top-10 index touched (CHECKSUM_LEVELS when none). */
  private applySide(changes: readonly WsBookLevel[] | undefined, asks: boolean): number {
    if (changes === undefined) return CHECKSUM_LEVELS;
    if (!Array.isArray(changes)) throw new MalformedFrame('book side is not an array');
    const levels = asks ? this.askLevels : this.bidLevels;
    let first = CHECKSUM_LEVELS;
    for (const c of changes) {
      if (typeof c !== 'object' || c === null || typeof c.price !== 'string' || typeof c.qty !== 'string') {
        throw new MalformedFrame('book level without price/qty');
      }
      const key = checksumDigits(c.price, this.pricePrecision);
      const qtyDigits = checksumDigits(c.qty, this.qtyPrecision);
      const i = findLevel(levels, key, asks);
      const found = i < levels.length && levels[i]!.key === key;
      if (qtyDigits === '0') {
        if (found) {
          // By hand: splice allocates, and these arrays are short.
          for (let j = i + 1; j < levels.length; j++) levels[j - 1] = levels[j]!;
          levels.length--;
          if (i < first) first = i;
        }
        continue;
      }
      const lvl: Level = {
        key,
        price: c.price,
        qty: c.qty,
        qtyDigits,
        piece: crc32Update(crc32Update(0, key), qtyDigits),
        tokenLength: key.length + qtyDigits.length,
        out: undefined,
      };
      if (found) levels[i] = lvl;
      else {
        levels.push(lvl);
        for (let j = levels.length - 1; j > i; j--) levels[j] = levels[j - 1]!;
        levels[i] = lvl;
      }
      if (i < first) first = i;
    }
    // The venue sends no deletes for levels pushed past the depth: cut them ourselves.
    if (levels.length > this.depth) levels.length = this.depth;
    return first;
  }

  private verify(expectedWire: Int, askFrom: number, bidFrom: number): boolean {
    const expected = typeof expectedWire === 'number' ? expectedWire : /^\d+$/.test(expectedWire) ? Number(expectedWire) : NaN;
    if (!Number.isInteger(expected) || expected < 0) throw new MalformedFrame('book without checksum');
    const askTop = Math.min(CHECKSUM_LEVELS, this.askLevels.length);
    const bidTop = Math.min(CHECKSUM_LEVELS, this.bidLevels.length);
    // First token position whose running state is stale.
    let from = askFrom < CHECKSUM_LEVELS ? askFrom : askTop + bidFrom;
    if (from > this.validTokens) from = this.validTokens;
    const total = askTop + bidTop;
    if (from < total || this.validTokens !== total) {
      const states = this.states;
      states[0] = CRC32_START;
      let s = states[from]!;
      for (let k = from; k < total; k++) {
        const l = k < askTop ? this.askLevels[k]! : this.bidLevels[k - askTop]!;
        s = crc32Append(s, l.piece, l.tokenLength);
        states[k + 1] = s;
      }
      this.validTokens = total;
      this.checksum = crc32Final(states[total]!);
    }
    return this.checksum === expected;
  }
}

function sectionCrc(levels: readonly Level[], state: number): number {
  const n = Math.min(CHECKSUM_LEVELS, levels.length);
  let s = state;
  for (let i = 0; i < n; i++) s = crc32Update(crc32Update(s, levels[i]!.key), levels[i]!.qtyDigits);
  return s;
}

/** Index of `key` or where it would go, in best-first order. */
function findLevel(levels: readonly Level[], key: string, ascending: boolean): number {
  let lo = 0;
  let hi = levels.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = cmpKey(levels[mid]!.key, key);
    if (ascending ? c < 0 : c > 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function view(levels: readonly Level[], n: number): BookLevel[] {
  const out: BookLevel[] = [];
  const m = Math.min(n, levels.length);
  for (let i = 0; i < m; i++) out.push({ price: decText(levels[i]!.price), qty: decText(levels[i]!.qty) });
  return out;
}
