/**
 * Tick-to-screen as a trader's window reads it: both local venues, the headless app on them,
 * Debian Chromium on its page with the default workspace (two charts, nothing else going on).
 * After a settling pause the Diagnostics panel's Charts card is read every second for a while;
 * the figures are its last reading (p50/p99 over the probe's sample window) and the worst p99
 * it showed in that time, beside the card's arrival-in-the-page figures and one frame of the
 * page (its frame rate at the reading). Needs `npm run build:renderer` first. TICKS_BENCH_SECONDS sets the
 * watch (default 60 s, as in the report of the 12 s p99).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { startStage } from '../test/e2e/workspace-page.js';
import type { Figure } from './figures.js';

export interface ChartsCard {
  p50: number;
  p99: number;
  max: number;
  /** From the candle's arrival in the page (NaN where the card does not show it). */
  hereP50: number;
  hereP99: number;
  /** Samples in the probe's window. */
  samples: number;
  /** Frames per second the page drew (its animation-frame loop) at the reading. */
  fps: number;
}

const SETTLE_MS = 10_000;

function msOf(text: string): number {
  const m = /([\d.]+) ms/.exec(text);
  return m ? Number(m[1]) : NaN;
}

/** The Charts card's figures now (the Diagnostics tab must be open); undefined until it has samples. */
export async function readChartsCard(page: Page): Promise<ChartsCard | undefined> {
  const card = page.getByRole('article', { name: 'Chart rendering diagnostics' });
  const rows = await card.locator('dt').allTextContents();
  const values = await card.locator('dd').allTextContents();
  const value = (term: string) => values[rows.findIndex((r) => r.startsWith(term))] ?? '';
  const samples = Number(value('Samples'));
  if (!(samples > 0)) return undefined;
  return {
    p50: msOf(value('Tick-to-screen p50')),
    p99: msOf(value('Tick-to-screen p99')),
    max: msOf(value('Tick-to-screen max')),
    hereP50: msOf(value('In this window p50')),
    hereP99: msOf(value('In this window p99')),
    samples,
    fps: Number(/([\d.]+) fps/.exec(value('Frame rate'))?.[1] ?? NaN),
  };
}

export async function runTicksBench(): Promise<Figure[]> {
  const seconds = Number(process.env.TICKS_BENCH_SECONDS ?? 60);
  const stage = await startStage();
  try {
    await stage.w.waitForCharts(['SBER', 'BTC/USD']);
    await stage.w.tab('Diagnostics');
    await sleep(SETTLE_MS);
    let last: ChartsCard | undefined;
    let worstP99 = 0;
    const readings: number[] = [];
    for (let s = 0; s < seconds; s++) {
      await sleep(1000);
      const r = await readChartsCard(stage.page);
      if (!r) continue;
      last = r;
      readings.push(r.p99);
      worstP99 = Math.max(worstP99, r.p99);
    }
    if (!last) throw new Error('the Charts card showed no samples');
    const what = `2 charts, idle, ${seconds} s`;
    // Ceiling: one frame of the page in the same run; the bridge's batch window adds up to 25 ms on top.
    const frame = 1000 / last.fps;
    return [
      { name: `tick-to-screen p50, main → drawn (${what})`, value: last.p50, unit: 'ms', ceiling: frame, beside: { label: 'arrival in the page → drawn', value: last.hereP50 } },
      { name: `tick-to-screen p99, main → drawn (${what})`, value: last.p99, unit: 'ms', ceiling: frame, beside: { label: 'arrival in the page → drawn', value: last.hereP99 }, target: '≤ 2 frames + 25 ms batch window' },
      { name: `tick-to-screen max in the window (${what})`, value: last.max, unit: 'ms' },
      { name: `worst p99 the card showed (${what})`, value: worstP99, unit: 'ms', note: `p99 each second: ${readings.join(' ')}` },
      { name: `arrival in the page → drawn p50 (${what})`, value: last.hereP50, unit: 'ms' },
      { name: `arrival in the page → drawn p99 (${what})`, value: last.hereP99, unit: 'ms' },
      { name: 'samples in the window', value: last.samples, unit: 'n' },
    ];
  } finally {
    await stage.close();
  }
}
