/**
 * What alert rules cost the hot path: 200k live candles of 50 keys through the hub, CPU per
 * candle with the alert engine attached and 100 price rules (5 of them on instruments that are
 * streaming, at levels never crossed, so every one of their candles is compared; the rest on
 * instruments that are not) beside the same hub without alerts, and beside the hub with one
 * listener that does nothing (the hub's own dispatch cost, which any listener pays), in the
 * same run. Median of 5 after a warm-up.
 */
import type { Candle, CandleKey } from '../common/domain.js';
import { Alerts } from '../electron/alerts/alerts.js';
import { Hub } from '../electron/core/hub.js';
import { AlertStore } from '../electron/store/alert-store.js';
import { openDatabase } from '../electron/store/db.js';
import { T0, candle, memoryVenues } from '../test/core/memory-venue.js';
import type { Figure } from './figures.js';
import { cpuMicros } from './figures.js';

const KEYS = 50;
const BARS = 400;
const UPDATES = 10;
const RULES = 100;
const RULES_ON_STREAMING = 5;
const RUNS = 5;

type Variant = 'none' | 'listener' | 'alerts';

async function run(variant: Variant): Promise<number> {
  const withAlerts = variant === 'alerts';
  const hub = new Hub();
  const venues = memoryVenues();
  hub.addVenue(venues.factory);
  await hub.connect('tinvest');
  const keys: CandleKey[] = Array.from({ length: KEYS }, (_, k) => ({ venue: 'tinvest', instrumentId: `id-${k}`, interval: '1m' }));
  for (const key of keys) hub.retain(key);
  const db = withAlerts ? openDatabase({ file: ':memory:' }) : undefined;
  const alerts = db ? new Alerts({ hub, store: new AlertStore(db), vault: undefined }) : undefined;
  for (let r = 0; alerts && r < RULES; r++) {
    const instrumentId = r < RULES_ON_STREAMING ? `id-${r}` : `other-${r}`;
    alerts.create({ kind: 'price-above', venue: 'tinvest', instrumentId, level: '100000', repeat: 'rearm', channels: { os: false, webhooks: [] } });
  }
  // The hub's dispatch to one more listener, doing nothing: what any listener costs the hot path.
  let seen = 0;
  const off = variant === 'listener' ? hub.on({ candle: () => void (seen += 1) }) : undefined;
  const venue = venues.current();
  const candles: Candle[][] = keys.map((key) => Array.from({ length: UPDATES }, (_, u) => candle(key, 0, 100 + u)));
  try {
    const us = await cpuMicros(() => {
      for (let b = 0; b < BARS; b++) {
        for (let u = 0; u < UPDATES; u++) {
          for (let k = 0; k < KEYS; k++) venue.emit({ ...candles[k]![u]!, time: T0 + b * 60 });
        }
      }
    });
    if (variant === 'listener' && seen === 0) throw new Error('the listener saw no candle');
    return us / (KEYS * BARS * UPDATES);
  } finally {
    off?.();
    alerts?.close();
    await hub.close();
    db?.close();
  }
}

export async function runAlertsBench(): Promise<Figure[]> {
  const without: number[] = [];
  const listener: number[] = [];
  const withRules: number[] = [];
  // One of each to warm up, discarded; then interleaved, so a busy moment falls on all three.
  for (const v of ['none', 'listener', 'alerts'] as const) await run(v);
  for (let i = 0; i < RUNS; i++) {
    without.push(await run('none'));
    listener.push(await run('listener'));
    withRules.push(await run('alerts'));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return [
    {
      name: `µs CPU per live candle, ${RULES} price rules`,
      value: median(withRules),
      unit: 'µs',
      beside: { label: 'no alerts', value: median(without) },
      target: '≈ 1.0× beside',
      note: `runs with rules ${withRules.map((x) => x.toFixed(2)).join(', ')}; without ${without.map((x) => x.toFixed(2)).join(', ')}`,
    },
    {
      name: `µs CPU per live candle, ${RULES} price rules (vs an empty listener)`,
      value: median(withRules),
      unit: 'µs',
      beside: { label: 'one empty hub listener', value: median(listener) },
      target: '≈ 1.0× beside',
      note: `runs with an empty listener ${listener.map((x) => x.toFixed(2)).join(', ')}`,
    },
  ];
}
