/**
 * One gateway per desk: a second gateway on the same NATS refuses to start, before it connects a
 * venue or opens a journal, and says which gateway already serves; once that one stops, a new
 * one starts.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../electron/core/log.js';
import { startGateway } from '../../electron/gateway-cli.js';
import { AnotherGatewayError } from '../../electron/gateway/server/sole-gateway.js';
import { startNats, type NatsServer } from '../nats/nats-server.js';
import { Desk } from './desk-rig.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let nats: NatsServer | undefined;
let desk: Desk | undefined;
let dir = '';

beforeAll(async () => {
  nats = await startNats({ jetstream: true });
  desk = new Desk({ nats: () => ({ servers: [nats!.url] }) });
  await desk.start();
  dir = await mkdtemp(path.join(os.tmpdir(), 'sb-sole-gateway-'));
}, 180_000);

afterAll(async () => {
  await desk?.close();
  await nats?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('a second gateway on the same NATS', () => {
  it('refuses to start, naming the gateway that serves, with no data folder of its own made', async () => {
    const first = desk!.gateway!.service;
    const consolesBefore = first.consoles.count;
    const dataDir = path.join(dir, 'second');
    const err: unknown = await startGateway({ nats: { servers: [nats!.url] }, dataDir, demo: false, log: silentLogger }).then(
      () => new Error('a second gateway started'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AnotherGatewayError);
    expect((err as AnotherGatewayError).other.gatewayId).toBe(first.gatewayId);
    expect((err as Error).message).toMatch(/another Switchboard gateway already serves nats:\/\/127\.0\.0\.1:\d+ \(gateway [0-9a-f-]{36}/);
    // It stopped before the core: no journal, no log, nothing in its data folder.
    expect(existsSync(dataDir)).toBe(false);
    // The probe said goodbye: the serving gateway holds no console for it.
    expect(first.consoles.count).toBe(consolesBefore);
  }, 60_000);

  it('as `npm run gateway` ends with one line saying so, and exits 2', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'electron', 'gateway-entry.ts'), '--nats', nats!.url, '--data-dir', path.join(dir, 'cli')], {
      cwd: ROOT,
      env: { ...process.env, HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(out).not.toMatch(/serving on/);
    // The log's own line comes first; the person's line is the last.
    expect(err.trim().split('\n').at(-1)).toMatch(new RegExp(`^Switchboard gateway: another Switchboard gateway already serves .*gateway ${desk!.gateway!.service.gatewayId}.*stop that one first`));
  }, 60_000);

  it('starts once the serving gateway has stopped', async () => {
    const old = desk!.gateway!.service.gatewayId;
    await desk!.restartGateway();
    expect(desk!.gateway!.service.gatewayId).not.toBe(old);
  }, 120_000);
});
