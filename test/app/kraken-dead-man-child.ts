/**
 * The app as a trader runs it, in its own process for kraken-dead-man.test.ts to kill without
 * warning: createApp signed in live with stored Kraken keys, a config pointing live at the local
 * venue with the timeout the test asks for, one resting order placed through the hub, and one stdout line
 * with what the diagnostics say about the dead man's switch once it is armed.
 */
import { join } from 'node:path';
import type { DeadManSwitchState } from '../../common/domain.js';
import { createApp } from '../../electron/app/create-app.js';
import { appConfig } from '../../electron/app/config-file.js';
import { MemorySecretStore } from '../e2e/memory-secret-store.js';
import { createLogger } from '../../electron/core/log.js';

const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`missing ${k}`);
  return v;
};

const dir = env('SB_DIR');
const secrets = new MemorySecretStore();
await secrets.set('kraken', { apiKey: env('KR_KEY'), apiSecret: env('KR_SECRET'), mode: 'live' });
const app = await createApp({
  secretStore: secrets,
  config: appConfig({
    venues: { kraken: { live: { rest: env('KR_REST'), ws: env('KR_WS'), wsAuth: env('KR_WS') }, deadManSwitchSec: Number(env('KR_DEAD_MAN_SEC')) } },
  }),
  stateDir: join(dir, 'state'),
  dataDir: join(dir, 'data'),
  log: createLogger('dead-man-child'),
});
await app.hub.connect('kraken');
await app.hub.journal.place({
  venue: 'kraken', accountId: 'spot', instrumentId: 'XXBTZUSD', side: 'buy', type: 'limit', quantity: '0.001', price: '30000', clientOrderId: 'dms-app',
});

const deadMan = (): DeadManSwitchState | undefined =>
  app.hub.diagnostics.snapshot().find((d) => d.venue === 'kraken' && d.connection === 'ws-private')?.deadManSwitch;
// Bounded: the parent gives up long before, and kills this process either way.
for (let i = 0; i < 600 && deadMan()?.armed !== true; i++) await new Promise((r) => setTimeout(r, 50));
process.stdout.write(`${JSON.stringify({ clientOrderId: 'dms-app', deadManSwitch: deadMan() })}\n`);
// Keeps refreshing the switch until killed.
setInterval(() => undefined, 1_000);
