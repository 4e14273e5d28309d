/**
 * The one nonce source per API key. Kraken rejects any nonce not above the last one it
 * accepted for the key, forever (doc §1.4), so the floor must survive restarts and clock
 * steps: we reserve blocks ahead and persist the reservation (atomic rename) before any
 * nonce of the block is used. Scale is µs (ms × 1000) and must never change for a key.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** How far ahead (in nonce units, µs) one persisted reservation reaches: ~30 s of clock. */
const RESERVE_AHEAD = 30_000_000n;

export interface NonceSourceOptions {
  stateDir: string;
  apiKey: string;
  /** ms clock. */
  now?: () => number;
}

export function nonceStatePath(stateDir: string, apiKey: string): string {
  // The public key half is not a secret, but a hash keeps file names short and plain.
  const h = createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
  return join(stateDir, `kraken-nonce-${h}.json`);
}

export class NonceSource {
  private readonly path: string;
  private readonly now: () => number;
  private last: bigint;
  private reserved: bigint;

  constructor(opts: NonceSourceOptions) {
    this.now = opts.now ?? Date.now;
    this.path = nonceStatePath(opts.stateDir, opts.apiKey);
    mkdirSync(opts.stateDir, { recursive: true });
    const floor = readFloor(this.path);
    // Everything up to the previous reservation may have been used by the last run.
    this.last = floor;
    this.reserved = floor;
  }

  /** The next nonce: strictly above every nonce issued before, in this run or any earlier one. */
  next(): bigint {
    const clock = BigInt(Math.floor(this.now())) * 1000n;
    const n = clock > this.last ? clock : this.last + 1n;
    if (n > this.reserved) {
      const upTo = n + RESERVE_AHEAD;
      writeFloor(this.path, upTo);
      this.reserved = upTo;
    }
    this.last = n;
    return n;
  }

  /** Lifts the floor after the venue said a nonce was too low (another client, or a clock step). */
  bump(atLeast: bigint): void {
    if (atLeast > this.last) this.last = atLeast;
  }
}

function readFloor(path: string): bigint {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return 0n;
  }
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'object' && v !== null && 'reserved' in v && typeof v.reserved === 'string' && /^\d+$/.test(v.reserved)) {
      return BigInt(v.reserved);
    }
  } catch {
    // fall through: a torn file cannot happen with rename, but a hand-edited one can
  }
  throw new Error(`nonce state file is unreadable: ${path}; refusing to guess a floor`);
}

function writeFloor(path: string, reserved: bigint): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify({ reserved: reserved.toString(), scale: 'us' }));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
