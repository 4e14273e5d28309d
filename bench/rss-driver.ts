/**
 * Run by bench/bridge.ts as a bundled plain-node child (no tsx in the process), so its RSS is
 * what the main process weighs: the hub, the T-Invest adapter and 50 live bridge
 * subscriptions on the simulator, every batch serialized as the WebSocket transport does.
 * Prints one JSON line: {"rssBefore": bytes, "rss": bytes, "bytes": n, "keys": n}.
 */
import os from 'node:os';
import { INTERVALS } from '../common/domain.js';
import { createApp } from '../electron/app/create-app.js';
import { startDemoVenues } from '../electron/app/demo-venues.js';
import { Session } from '../electron/bridge/session.js';
import { encodePush } from '../electron/bridge/wire.js';
import { silentLogger } from '../electron/core/log.js';

const LIVE_SUBSCRIPTIONS = 50;
const STREAM_SECONDS = Number(process.env.RSS_STREAM_SECONDS ?? 10);

async function main(): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const demo = await startDemoVenues({ seed: 7, log: silentLogger });
  const app = await createApp({
    demoLines: demo.lines.filter((l) => typeof l === 'object' && l !== null && 'venue' in l && l.venue === 'tinvest'),
    stateDir: os.tmpdir(),
    connect: false,
    log: silentLogger,
  });
  const sessions: Session[] = [];
  try {
    await app.hub.connect('tinvest');
    const instruments = await app.hub.searchInstruments('tinvest', '', 50);
    const keys = instruments.flatMap((i) => INTERVALS.map((interval) => ({ venue: 'tinvest' as const, instrumentId: i.id, interval })));
    if (keys.length === 0) throw new Error('the simulator lists no instruments');
    let bytes = 0;
    const push = (topic: 'batch' | 'diagnostics', payload: unknown): void => {
      bytes += topic === 'batch' ? encodePush('batch', payload as never).length : JSON.stringify(payload).length;
    };
    for (let n = 0; n < LIVE_SUBSCRIPTIONS; n++) {
      if (n % keys.length === 0) sessions.push(new Session({ hub: app.hub, transport: 'websocket', push }));
      const r = await sessions[sessions.length - 1]!.handle('candles.subscribe', keys[n % keys.length]);
      if (!r.ok) throw new Error(`subscribe failed: ${r.message}`);
    }
    await new Promise((r) => setTimeout(r, STREAM_SECONDS * 1000));
    if (bytes === 0) throw new Error('no batches flowed');
    const distinct = Math.min(keys.length, LIVE_SUBSCRIPTIONS);
    process.stdout.write(`${JSON.stringify({ rssBefore, rss: process.memoryUsage().rss, bytes, keys: distinct })}\n`);
  } finally {
    for (const s of sessions) s.close();
    await app.close();
    await demo.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`rss-driver: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
