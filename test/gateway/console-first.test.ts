/**
 * A console started before its gateway (a desk's machines come up in any order): it says no
 * gateway answers yet, keeps asking, and goes live by itself once the gateway starts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../electron/core/log.js';
import { startHeadless } from '../../electron/headless.js';
import type { Headless } from '../../electron/headless.js';
import { BridgeClient } from '../bridge/bridge-client.js';
import { until } from '../e2e/workspace-page.js';
import { startNats } from '../nats/nats-server.js';
import type { NatsServer } from '../nats/nats-server.js';
import { Desk } from './desk-rig.js';

let nats: NatsServer | undefined;
let dir: string | undefined;
let app: Headless | undefined;
let client: BridgeClient | undefined;
let desk: Desk | undefined;

beforeAll(async () => {
  nats = await startNats({ jetstream: true });
  dir = await mkdtemp(path.join(os.tmpdir(), 'sb-console-first-'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>Switchboard</title>');
  app = await startHeadless({ port: 0, gateway: { servers: [nats.url] }, rendererDir: dir, dataDir: path.join(dir, 'data'), log: silentLogger });
  client = await BridgeClient.open(new URL(app.url));
}, 120_000);

afterAll(async () => {
  client?.close();
  await app?.close();
  await desk?.close();
  await nats?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('a console started before its gateway', () => {
  it('says no gateway answers, then goes live by itself when the gateway starts', async () => {
    const info = await client!.value('app.info', {});
    expect(info.notices?.join(' ')).toMatch(/No Switchboard gateway answers on NATS nats:\/\/127\.0\.0\.1:\d+ yet/);
    // Its timeline (newest first) says why it is not live.
    await until('the link says no gateway answers', async () => {
      const l = await client!.value('gateway.link', {});
      return l && l.state === 'reconnecting' && /no gateway answers/.test(l.timeline[0]?.reason ?? '') ? l : undefined;
    });

    desk = new Desk({ nats: () => ({ servers: [nats!.url] }) });
    await desk.start();
    const live = await until('the link goes live once the gateway runs', async () => {
      const l = await client!.value('gateway.link', {});
      return l?.state === 'live' ? l : undefined;
    });
    expect(live.gatewayId).toBe(desk.gateway!.service.gatewayId);
    expect((await client!.value('venues.list', {})).map((v) => v.id).sort()).toEqual(['kraken', 'tinvest']);
    expect((await client!.value('app.info', {})).notices).toBeUndefined();
  });
});
