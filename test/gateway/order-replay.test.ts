/**
 * The console's reader of ORDERS closes within a bound whatever it is doing: closing while the
 * consumer is still being created used to wait forever for an iterator nobody read (found by CI:
 * a console quitting right after its gateway came up hung its test's teardown).
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../electron/core/log.js';
import { OrderReplay } from '../../electron/gateway/console/order-replay.js';
import { ORDER_STREAM, ORDER_STREAM_SUBJECTS } from '../../electron/gateway/protocol.js';
import { startNats, type NatsServer } from '../nats/nats-server.js';

let nats: NatsServer | undefined;
let nc: NatsConnection | undefined;

beforeAll(async () => {
  nats = await startNats({ jetstream: true });
  nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: ORDER_STREAM, subjects: [ORDER_STREAM_SUBJECTS] });
}, 120_000);

afterAll(async () => {
  await nc?.close();
  await nats?.close();
}, 60_000);

function replay(): OrderReplay {
  return new OrderReplay({ nc: nc!, log: silentLogger, onUpdate: () => undefined, onMalformed: () => undefined, onReading: () => undefined });
}

/** Resolves 'closed', or 'hung' if close() has not returned in 10 s (it takes milliseconds). */
async function closeWithin(r: OrderReplay): Promise<'closed' | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), 10_000);
  });
  try {
    return await Promise.race([r.close().then(() => 'closed' as const), hung]);
  } finally {
    clearTimeout(timer);
  }
}

describe('the console reading ORDERS', () => {
  it('closes at once when closed while its consumer is still being created', async () => {
    const r = replay();
    r.start();
    expect(await closeWithin(r)).toBe('closed');
  }, 30_000);

  it('closes at once while reading, and after a resume', async () => {
    const r = replay();
    r.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    r.resume();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await closeWithin(r)).toBe('closed');
  }, 30_000);
});
