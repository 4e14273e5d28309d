/**
 * `npm run replay -- FILE`: reads a recording and replays it through its venue's real adapter
 * offline (replay-kraken.ts, replay-tinvest.ts).
 */
import { readFile } from 'node:fs/promises';
import type { KrakenReplayOptions } from './replay-kraken.js';
import { replayKraken } from './replay-kraken.js';
import type { TInvestReplayOptions } from './replay-tinvest.js';
import { replayTInvest } from './replay-tinvest.js';
import type { ReplayReport } from './replay-driver.js';
import { RecordingFormatError, parseRecording } from './format.js';
import type { Recording } from './format.js';

export type ReplayOptions = KrakenReplayOptions & TInvestReplayOptions;

export async function readRecording(file: string): Promise<Recording> {
  return parseRecording(await readFile(file, 'utf8'));
}

export function replayRecording(rec: Recording, opts: ReplayOptions = {}): Promise<ReplayReport> {
  if (rec.header.venue === 'kraken') return replayKraken(rec, opts);
  if (rec.header.venue === 'tinvest') return replayTInvest(rec, opts);
  throw new RecordingFormatError(`no replay for ${rec.header.venue} recordings`);
}
