/**
 * Kraken's REST call counter lives at the venue per API key, across our restarts: an app that
 * starts again within a minute of spending its budget would start at zero and hear
 * "EAPI:Rate limit exceeded" (and wait out the penalty) just when it settles its orders. So the
 * counter as we last knew it is kept in the state folder and taken back, decayed by the time
 * away, on the next start. Best effort: a missing or unreadable file means a fresh counter.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface CounterSnapshot {
  /** The counter (sent costs included) at `at`. */
  value: number;
  /** ms since epoch. */
  at: number;
}

export function counterStatePath(stateDir: string, apiKey: string): string {
  const h = createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
  return join(stateDir, `kraken-rest-counter-${h}.json`);
}

/** The last saved counter, or undefined when there is none worth trusting. */
export function loadCounter(path: string): CounterSnapshot | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { value, at } = raw as { value?: unknown; at?: unknown };
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1e6) return undefined;
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) return undefined;
  return { value, at };
}

/** Makes the folder the counter is kept in; once, before the first save. */
export function prepareCounterFolder(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
}

/** Writes the counter by rename, so a reader never sees half a file. No fsync: it is an estimate. */
export function saveCounter(path: string, s: CounterSnapshot): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify({ value: Math.round(s.value * 1000) / 1000, at: s.at }));
  renameSync(tmp, path);
}
