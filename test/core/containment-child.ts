/**
 * A small app in its own process for the containment test: a hub with a venue, a bridge
 * session holding a key, and then everything that must not end the process — a listener that
 * throws on every candle, a venue event shaped wrong, an exception thrown from a callback
 * (as from a socket's frame handler the adapter failed to guard), a rejected promise nobody
 * awaited. Prints one JSON line when it is still standing and the session still gets batches.
 * Usage: node --import tsx test/core/containment-child.ts guard|noguard
 */
import type { Candle, CandleKey } from '../../common/domain.js';
import { Hub } from '../../electron/core/hub.js';
import { Session } from '../../electron/bridge/session.js';
import { installCrashGuard } from '../../electron/core/crash-guard.js';
import { createLogger } from '../../electron/core/log.js';
import { candle, memoryVenues } from './memory-venue.js';

const KEY: CandleKey = { venue: 'tinvest', instrumentId: 'id-SBER', interval: '1m' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

if (process.argv[2] === 'guard') installCrashGuard(createLogger('child:process'));
const hub = new Hub({ log: createLogger('child:hub') });
const venues = memoryVenues();
hub.addVenue(venues.factory);
await hub.connect('tinvest');
let batches = 0;
let candles = 0;
const session = new Session({
  hub,
  transport: 'websocket',
  diagnosticsMs: 0,
  batchMs: 5,
  push: (topic, payload) => {
    if (topic !== 'batch') return;
    batches += 1;
    candles += (payload as { candles: unknown[] }).candles.length;
  },
});
const sub = await session.handle('candles.subscribe', KEY);
if (!sub.ok) throw new Error(sub.message);
hub.on({
  candle: () => {
    throw new Error('listener bug holding token=abc123SecretValue');
  },
});
const v = venues.current();
v.emit(null as unknown as Candle);
v.emit({ ...candle(KEY, 0, 1), open: { toString: null } } as unknown as Candle);
setTimeout(() => {
  throw new Error('frame handler bug, api-key: Kr4kenKeyThatMustNotBeLogged');
}, 0);
void Promise.reject(new Error('a rejected promise nobody awaited'));
for (let i = 1; i <= 5; i++) {
  v.emit(candle(KEY, i * 60, i));
  await sleep(20);
}
await sleep(50);
process.stdout.write(`${JSON.stringify({ alive: true, batches, candles })}\n`);
session.close();
await hub.close();
process.exit(0);
