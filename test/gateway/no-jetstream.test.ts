/**
 * A gateway pointed at a NATS server without JetStream refuses to start at once, saying what is
 * missing (it keeps orders in the ORDERS stream), instead of retrying for a minute.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../electron/core/log.js';
import { startGateway } from '../../electron/gateway-cli.js';
import { NoJetStreamError } from '../../electron/gateway/server/order-stream.js';
import { startNats, type NatsServer } from '../nats/nats-server.js';

let nats: NatsServer | undefined;
let dir = '';

beforeAll(async () => {
  nats = await startNats({ jetstream: false });
  dir = await mkdtemp(path.join(os.tmpdir(), 'sb-no-js-'));
}, 120_000);

afterAll(async () => {
  await nats?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('a gateway on NATS without JetStream', () => {
  it('refuses to start with a message that says to turn JetStream on', async () => {
    const err: unknown = await startGateway({ nats: { servers: [nats!.url] }, dataDir: dir, demo: false, log: silentLogger }).then(
      () => new Error('the gateway started'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NoJetStreamError);
    expect((err as Error).message).toMatch(/JetStream does not answer on this NATS server.*-js/);
  }, 60_000);
});
