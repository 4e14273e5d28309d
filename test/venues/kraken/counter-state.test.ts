import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { counterStatePath, loadCounter, prepareCounterFolder, saveCounter } from '../../../electron/venues/kraken/counter-state.js';
import { KrakenLimits } from '../../../electron/venues/kraken/limits.js';

const dirs: string[] = [];
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kraken-counter-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("Kraken's REST counter across restarts", () => {
  it('keeps the counter per key in the state folder and reads it back', () => {
    const d = dir();
    const a = counterStatePath(d, 'key-a');
    expect(counterStatePath(d, 'key-b')).not.toBe(a);
    expect(loadCounter(a)).toBeUndefined();
    prepareCounterFolder(a);
    saveCounter(a, { value: 12.5, at: 1_000 });
    expect(loadCounter(a)).toEqual({ value: 12.5, at: 1_000 });
  });

  it('reads a broken or strange file as no counter', () => {
    const p = counterStatePath(dir(), 'k');
    for (const text of ['', '{', 'null', '[]', '{"value":-1,"at":5}', '{"value":"3","at":5}', '{"value":3,"at":1.5}', '{"value":1e9,"at":5}']) {
      writeFileSync(p, text);
      expect(loadCounter(p), text).toBeUndefined();
    }
  });

  it('a new limiter starts from the saved counter, decayed by the time away, and queues what no longer fits', async () => {
    let t = 100_000;
    const limits = new KrakenLimits({ tier: 'starter', now: () => t });
    // Starter: 15 at most, decaying 0.33 a second; 3 s away took about 1 off the 15 saved.
    limits.rest.seed(15, t - 3_000);
    expect(limits.rest.level()).toBeCloseTo(15 - 3 * 0.33, 1);
    let sent = false;
    const call = limits.restCall('Balance').then((land) => {
      sent = true;
      land();
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(sent, 'the venue would refuse it: it waits for the counter to decay').toBe(false);
    t += 10_000;
    await call;
    expect(sent).toBe(true);
    limits.close();
  });

  it('never lowers what it has counted itself', () => {
    const t = 50_000;
    const limits = new KrakenLimits({ tier: 'starter', now: () => t });
    limits.rest.seed(6, t);
    limits.rest.seed(2, t);
    expect(limits.rest.level()).toBe(6);
    limits.close();
  });
});
