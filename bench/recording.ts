/**
 * The size of a session recording at demo rates: the headless app with `--record` and its own
 * demo venues (the same child process the app starts), one Chromium page on the default
 * workspace (what a new user sees: two 1m charts, the ticket's quote and book), recorded for
 * RECORD_SECONDS (env BENCH_RECORDING_SECONDS, default 60) after both venues are live, then
 * extrapolated to an hour per venue. Beside it, in the same run, the same file gzipped: what a
 * compressed recording would weigh.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startHeadless } from '../electron/headless.js';
import { silentLogger } from '../electron/core/log.js';
import { noSecretStore } from '../electron/vault/no-secret-store.js';
import { RECORDINGS_FOLDER } from '../electron/recording/recorder.js';
import { parseRecording } from '../electron/recording/format.js';
import type { Figure } from './figures.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const RECORD_SECONDS = Number(process.env.BENCH_RECORDING_SECONDS ?? 60);
/** Start-up before the measured window: venues connect, the page subscribes, snapshots land. */
const SETTLE_MS = 15_000;

export async function runRecordingBench(): Promise<Figure[]> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-recbench-'));
  const app = await startHeadless({ port: 0, dataDir, stateDir: dataDir, secretStore: noSecretStore, log: silentLogger, record: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    await page.goto(app.url);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    await new Promise((r) => setTimeout(r, RECORD_SECONDS * 1000));
  } finally {
    await browser.close();
    await app.close();
  }
  const folder = path.join(dataDir, RECORDINGS_FOLDER);
  const figures: Figure[] = [];
  try {
    for (const name of await readdir(folder)) {
      const file = path.join(folder, name);
      const text = await readFile(file, 'utf8');
      const rec = parseRecording(text);
      const venue = rec.header.venue;
      // The rate of the measured window (the start-up burst, pairs and history, is counted apart).
      const from = SETTLE_MS;
      const inWindow = rec.events.filter((e) => e.t >= from);
      const windowMs = Math.max(1, (rec.events.at(-1)?.t ?? from) - from);
      const lines = text.split('\n');
      let windowBytes = 0;
      // Event i is line i+1 (the header is line 0).
      for (const [i, e] of rec.events.entries()) if (e.t >= from) windowBytes += Buffer.byteLength(lines[i + 1]!) + 1;
      const perHour = (windowBytes / windowMs) * 3_600_000;
      const gzRatio = gzipSync(text).length / (await stat(file)).size;
      figures.push({
        name: `${venue}: recording, one hour at demo rates (JSON lines)`,
        value: perHour / 1e6,
        unit: 'MB',
        beside: { label: 'gzipped', value: (perHour * gzRatio) / 1e6 },
        note: `${inWindow.length} events in ${(windowMs / 1000).toFixed(0)} s (${((inWindow.length / windowMs) * 1000).toFixed(1)}/s); whole file ${(text.length / 1e6).toFixed(2)} MB incl. start-up`,
      });
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  return figures;
}
