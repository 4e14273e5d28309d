/**
 * `npm run replay -- FILE`: reads a recording and replays it through its venue's real adapter
 * offline (replay-kraken.ts). T-Invest recordings are read and summarised, not replayed yet.
 */
import { readFile } from 'node:fs/promises';
import type { KrakenReplayOptions } from './replay-kraken.js';
import { replayKraken } from './replay-kraken.js';
import type { ReplayReport } from './replay-driver.js';
import { RecordingFormatError, parseRecording } from './format.js';
import type { Recording } from './format.js';

export async function readRecording(file: string): Promise<Recording> {
  return parseRecording(await readFile(file, 'utf8'));
}

export function replayRecording(rec: Recording, opts: KrakenReplayOptions = {}): Promise<ReplayReport> {
  if (rec.header.venue === 'kraken') return replayKraken(rec, opts);
  throw new RecordingFormatError(`replaying ${rec.header.venue} recordings is not supported yet (Kraken only)`);
}
