/**
 * Ids in Kraken's layout: 6-5-6 upper-case letters and digits, orders starting with O,
 * trades and amends with T. Drawn from a seeded generator so a seeded run repeats, and
 * checked against every id given out so none repeats within a run.
 */
import { prng } from '../market.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export class IdMaker {
  private readonly next: () => number;
  private readonly issued = new Set<string>();

  constructor(seed: number) {
    this.next = prng((seed ^ 0x5bd1e995) >>> 0);
  }

  order(): string {
    return this.make('O');
  }

  trade(): string {
    return this.make('T');
  }

  /** Ledger ids start with L. */
  ledger(): string {
    return this.make('L');
  }

  /** An opaque token like GetWebSocketsToken's (43 base64 characters). */
  token(): string {
    let s = '';
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    for (let i = 0; i < 43; i++) s += chars[Math.floor(this.next() * 64)];
    return s;
  }

  private make(prefix: string): string {
    for (;;) {
      let s = prefix;
      for (let i = 1; i < 17; i++) s += ALPHABET[Math.floor(this.next() * ALPHABET.length)];
      const id = `${s.slice(0, 6)}-${s.slice(6, 11)}-${s.slice(11, 17)}`;
      if (!this.issued.has(id)) {
        this.issued.add(id);
        return id;
      }
    }
  }
}
