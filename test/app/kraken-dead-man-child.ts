/**
 * The app as a trader runs it, in its own process for kraken-dead-man.test.ts to kill without
 * warning: createApp with a live Kraken config (keys, the local venue's endpoints and the
 * timeout the test asks for), one resting order placed through the hub, and one stdout line
 * with what the diagnostics say about the dead man's switch once it is armed.
 */
import { join } from 'node:path';
import type { DeadManSwitchState } from '../../common/domain.js';
import { createApp } from '../../electron/app.js';
import { createLogger } from '../../electron/core/log.js';

const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`missing ${k}`);
  return v;
};

const dir = env('SB_DIR');
const app = await createApp({
  venues: [
    {
      venue: 'kraken',
      mode: 'live',
      rest: env('KR_REST'),
      ws: env('KR_WS'),
      wsAuth: env('KR_WS'),
      apiKey: env('KR_KEY'),
      apiSecret: env('KR_SECRET'),
      deadManSwitchSec: Number(env('KR_DEAD_MAN_SEC')),
    },
  ],
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
