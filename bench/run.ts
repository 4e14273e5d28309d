/**
 * `npm run bench`: runs every benchmark suite and prints its figures beside the raw ceiling
 * measured in the same run. `npm run bench -- --json` prints one JSON object per figure.
 * `--only NAME[,NAME]` runs a subset (tinvest, bridge, kraken, ui, start, cache, journal, ticks, inspector, alerts,
 * recording, gateway).
 */
import { parseArgs } from 'node:util';
import type { Figure } from './figures.js';

type Suite = () => Promise<Figure[]>;

const SUITES: Record<string, () => Promise<Suite>> = {
  tinvest: async () => (await import('./tinvest.js')).runTInvestBench,
  bridge: async () => (await import('./bridge.js')).runBridgeBench,
  kraken: async () => (await import('./kraken.js')).runKrakenBench,
  ui: async () => (await import('./ui.js')).runUiBench,
  start: async () => (await import('./cold-start.js')).runColdStartBench,
  cache: async () => (await import('./candle-cache.js')).runCandleCacheBench,
  journal: async () => (await import('./journal.js')).runJournalBench,
  ticks: async () => (await import('./ticks.js')).runTicksBench,
  inspector: async () => (await import('./inspector.js')).runInspectorBench,
  alerts: async () => (await import('./alerts.js')).runAlertsBench,
  recording: async () => (await import('./recording.js')).runRecordingBench,
  gateway: async () => (await import('./gateway.js')).runGatewayBench,
};

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  return a >= 100 ? n.toFixed(0) : a >= 10 ? n.toFixed(1) : n.toFixed(2);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { json: { type: 'boolean', default: false }, only: { type: 'string' } },
    strict: true,
  });
  const names = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(SUITES);
  for (const name of names) {
    const load = SUITES[name];
    if (!load) throw new Error(`unknown bench suite ${name}; have ${Object.keys(SUITES).join(', ')}`);
    const figures = await (await load())();
    for (const f of figures) {
      if (values.json) {
        const out: Record<string, unknown> = { name: f.name, value: f.value, unit: f.unit };
        if (f.ceiling !== undefined) out['ceiling'] = f.ceiling;
        if (f.beside !== undefined) out['beside'] = f.beside;
        if (f.note !== undefined) out['note'] = f.note;
        process.stdout.write(`${JSON.stringify(out)}\n`);
      } else {
        const ratio = f.ceiling ? `  (${(f.value / f.ceiling).toFixed(2)}× of ceiling ${fmt(f.ceiling)})` : '';
        const beside = f.beside ? `  (beside ${f.beside.label}: ${fmt(f.beside.value)} ${f.unit}, ${(f.value / f.beside.value).toFixed(2)}×)` : '';
        const target = f.target ? `  target ${f.target}` : '';
        process.stdout.write(`${name.padEnd(8)} ${f.name.padEnd(52)} ${fmt(f.value).padStart(9)} ${f.unit}${ratio}${beside}${target}\n`);
        if (f.note) process.stdout.write(`${''.padEnd(9)}${f.note}\n`);
      }
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
