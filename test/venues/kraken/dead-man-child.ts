/** Run by dead-man.test.ts in its own process, which the test then kills without warning. */
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { RecordingSink } from './helpers.js';

const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`missing ${k}`);
  return v;
};

const venue = createKrakenVenue({
  rest: env('KR_REST'),
  ws: env('KR_WS'),
  wsAuth: env('KR_WS'),
  apiKey: env('KR_KEY'),
  apiSecret: env('KR_SECRET'),
  mode: 'demo',
  sink: new RecordingSink(),
  stateDir: env('KR_STATE'),
  deadManSwitchSec: 2,
});
await venue.connect();
const o = await venue.placeOrder({
  venue: 'kraken', accountId: 'spot', instrumentId: 'XXBTZUSD', side: 'buy', type: 'limit', quantity: '0.001', price: '30000', clientOrderId: 'dms-child',
});
process.stdout.write(JSON.stringify({ clientOrderId: o.clientOrderId }) + '\n');
// Keep re-arming until killed.
setInterval(() => undefined, 1_000);
