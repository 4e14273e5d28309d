/**
 * npm run replay -- FILE [--speed N] [--quiet] [--options JSON]
 * Replays a session recording (<dataDir>/recordings/*.sbrec) through the venue's adapter
 * offline and prints its domain events as JSON lines, then a summary line on stderr; exits 1
 * when the replay diverged from the recording (docs/recording.md). --options gives the adapter
 * timing the session ran with when it was not the app's default: {"timing": {...}} (Kraken),
 * {"adapter": {...}} (T-Invest).
 */
import { parseArgs } from 'node:util';
import { readRecording, replayRecording } from '../electron/recording/replay.js';
import type { ReplayOptions } from '../electron/recording/replay.js';

function optionsOf(text: string | undefined): Pick<ReplayOptions, 'timing' | 'adapter'> {
  if (text === undefined) return {};
  const v: unknown = JSON.parse(text);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('--options wants a JSON object');
  const o = v as Record<string, unknown>;
  const out: Pick<ReplayOptions, 'timing' | 'adapter'> = {};
  if (typeof o.timing === 'object' && o.timing !== null) out.timing = o.timing as NonNullable<ReplayOptions['timing']>;
  if (typeof o.adapter === 'object' && o.adapter !== null) out.adapter = o.adapter as NonNullable<ReplayOptions['adapter']>;
  return out;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { speed: { type: 'string' }, quiet: { type: 'boolean' }, options: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const file = positionals[0];
  if (file === undefined || positionals.length > 1) {
    process.stderr.write('usage: npm run replay -- FILE [--speed N] [--quiet] [--options JSON]\n');
    return 2;
  }
  const speed = values.speed === undefined ? 1 : Number(values.speed);
  if (!(speed > 0 && Number.isFinite(speed))) {
    process.stderr.write('--speed wants a positive number\n');
    return 2;
  }
  const rec = await readRecording(file);
  const h = rec.header;
  process.stderr.write(`${h.venue} ${h.mode ?? ''} recording of ${new Date(h.started).toISOString()} by app ${h.app}: ${rec.events.length} events${rec.skipped ? `, ${rec.skipped} unreadable lines skipped` : ''}\n`);
  const report = await replayRecording(rec, { speed, ...optionsOf(values.options) });
  if (!values.quiet) for (const e of report.events) process.stdout.write(`${JSON.stringify(e)}\n`);
  process.stderr.write(`${report.events.length} domain events; ${report.commands} commands asked, ${report.sameOutcomes}/${report.outcomes} answered as recorded\n`);
  for (const d of report.divergences) process.stderr.write(`divergence: ${d}\n`);
  return report.divergences.length === 0 ? 0 : 1;
}

/** Exits once what was written to stdout has left (a pipe is written asynchronously). */
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

main().then(
  (code) => exitAfterFlush(code),
  (err: unknown) => {
    process.stderr.write(`replay failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
