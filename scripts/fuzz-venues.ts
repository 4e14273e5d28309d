/**
 * `npm run fuzz:venues [-- --frames N --seed S --only kraken|tinvest]`: the long hostile-venue run.
 * Each adapter faces its local hostile venue for N frames (default one million) of mutated real
 * frames; prints one line per adapter and fails when any property broke: a crash, a valid frame
 * lost, a series unequal to the valid subset, or a malformed count unequal to the invalid frames.
 */
import { parseArgs } from 'node:util';
import type { FuzzOptions, FuzzReport } from '../test/fuzz/report.js';
import { runKrakenFuzz } from '../test/fuzz/kraken-run.js';
import { runTInvestFuzz } from '../test/fuzz/tinvest-run.js';

const RUNS: Record<FuzzReport['venue'], (o: FuzzOptions) => Promise<FuzzReport>> = {
  kraken: runKrakenFuzz,
  tinvest: runTInvestFuzz,
};

function problems(r: FuzzReport): string[] {
  const out: string[] = [];
  if (r.crashes !== 0) out.push(`${r.crashes} crash(es)`);
  if (r.malformedCounted !== r.invalid) out.push(`malformed counted ${r.malformedCounted} ≠ invalid ${r.invalid}`);
  if (r.deliveredCandles !== r.validCandles) out.push(`delivered ${r.deliveredCandles} ≠ valid ${r.validCandles} candle frames`);
  if (!r.seriesEqual) out.push('series differs from the valid subset');
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { frames: { type: 'string', default: '1000000' }, seed: { type: 'string' }, only: { type: 'string' } },
    strict: true,
  });
  const frames = Number(values.frames);
  if (!Number.isSafeInteger(frames) || frames <= 0) throw new Error('--frames takes a positive whole number');
  const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new Error('--seed takes a whole number');
  const venues = values.only ? (values.only.split(',') as FuzzReport['venue'][]) : (Object.keys(RUNS) as FuzzReport['venue'][]);
  let failed = false;
  for (const venue of venues) {
    const run = RUNS[venue];
    if (!run) throw new Error(`unknown venue ${venue}; have ${Object.keys(RUNS).join(', ')}`);
    const r = await run({ frames, seed, log: (line) => process.stderr.write(`${venue}: ${line}\n`) });
    const bad = problems(r);
    failed ||= bad.length > 0;
    process.stdout.write(
      `${venue.padEnd(8)} frames ${r.frames}  invalid ${r.invalid}  malformed counted ${r.malformedCounted}  ` +
        `candle frames ${r.deliveredCandles}/${r.validCandles}  series ${r.seriesEqual ? 'equal' : 'DIFFERENT'}  ` +
        `crashes ${r.crashes}  ${r.seconds.toFixed(1)} s  seed ${seed}${bad.length ? `  FAILED: ${bad.join('; ')}` : ''}\n`,
    );
  }
  if (failed) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`fuzz:venues: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
