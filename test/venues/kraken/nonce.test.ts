import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NonceSource, nonceStatePath } from '../../../electron/venues/kraken/nonce.js';

const dirs: string[] = [];
function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kraken-nonce-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('Kraken nonce', () => {
  it('only grows, even when many are taken within one millisecond', () => {
    const n = new NonceSource({ stateDir: stateDir(), apiKey: 'k', now: () => 1_700_000_000_000 });
    let prev = 0n;
    for (let i = 0; i < 1000; i++) {
      const x = n.next();
      expect(x > prev).toBe(true);
      prev = x;
    }
  });

  it('persists its reservation before use, so a restart with a clock behind still grows', () => {
    const dir = stateDir();
    let t = 1_700_000_000_000;
    const a = new NonceSource({ stateDir: dir, apiKey: 'k', now: () => t });
    const last = [a.next(), a.next(), a.next()].at(-1)!;
    const saved = JSON.parse(readFileSync(nonceStatePath(dir, 'k'), 'utf8')) as { reserved: string };
    expect(BigInt(saved.reserved) >= last).toBe(true);
    t -= 3_600_000; // the clock stepped back an hour
    const b = new NonceSource({ stateDir: dir, apiKey: 'k', now: () => t });
    expect(b.next() > last).toBe(true);
  });

  it('keeps one floor per key', () => {
    const dir = stateDir();
    const a = new NonceSource({ stateDir: dir, apiKey: 'k1', now: () => 2_000_000_000_000 });
    a.next();
    const b = new NonceSource({ stateDir: dir, apiKey: 'k2', now: () => 1_000_000_000_000 });
    expect(b.next()).toBe(1_000_000_000_000_000n);
  });

  it('refuses to guess when the state file is damaged', () => {
    const dir = stateDir();
    writeFileSync(nonceStatePath(dir, 'k'), '{"reserved":"12x"}');
    expect(() => new NonceSource({ stateDir: dir, apiKey: 'k' })).toThrow(/unreadable/);
  });
});
