/**
 * Demo mode never opens the secret store (the OS keyring, which may prompt, be locked, or
 * start a daemon) until the trader stores credentials: start-up, the page's calls and the
 * credentials status are answered from the index in the data folder. Storing, deleting and
 * the status after a restart then go through the store exactly as often as they must.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeClient } from '../bridge/bridge-client.js';
import { silentLogger } from '../../electron/core/log.js';
import { startHeadless } from '../../electron/headless.js';
import type { Headless } from '../../electron/headless.js';
import { startKrakenSim, type KrakenSim } from '../../sim/kraken/server.js';
import { krakenReadyLine, tinvestReadyLine } from '../../sim/ready-lines.js';
import { startTInvestSim, type TInvestSim } from '../../sim/tinvest/server.js';
import { RecordingSecretStore } from '../e2e/recording-secret-store.js';

let tinvest: TInvestSim | undefined;
let kraken: KrakenSim | undefined;
let app: Headless | undefined;
let client: BridgeClient | undefined;
let dir: string | undefined;
afterEach(async () => {
  client?.close();
  await app?.close();
  await tinvest?.close();
  await kraken?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  client = app = tinvest = kraken = dir = undefined;
});

const KRAKEN_LIVE = { apiKey: 'K'.repeat(24), apiSecret: Buffer.alloc(64, 7).toString('base64'), mode: 'live' as const };

describe('the secret store in demo mode', () => {
  it('is not called by start-up, the page or the credentials status; storing and deleting call it once each', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-keyring-'));
    const rendererDir = path.join(dir, 'renderer');
    await mkdir(rendererDir);
    await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Switchboard</title>');
    tinvest = await startTInvestSim({ seed: 5 });
    kraken = await startKrakenSim({ seed: 5 });
    const demoLines = [tinvestReadyLine(tinvest), krakenReadyLine(kraken)];
    const secrets = new RecordingSecretStore();
    const start = () => startHeadless({ port: 0, demoLines, rendererDir, dataDir: path.join(dir!, 'data'), secretStore: secrets, log: silentLogger });

    app = await start();
    client = await BridgeClient.open(new URL(app.url));
    // What the page asks for on opening, and with the credentials panel open.
    await client.value('app.info', {});
    expect(await client.value('venues.list', {})).toHaveLength(2);
    await client.value('venues.connect', { venue: 'kraken' });
    await client.value('venues.connect', { venue: 'tinvest', mode: 'demo' });
    expect(await client.value('credentials.status', {})).toEqual({
      backend: 'memory (test)',
      venues: [
        { venue: 'tinvest', stored: false },
        { venue: 'kraken', stored: false },
      ],
    });
    expect(secrets.calls).toEqual([]);

    // The trader stores keys: the one call that must reach the store; the status still needs none.
    await client.value('credentials.store', { venue: 'kraken', credentials: KRAKEN_LIVE });
    expect(secrets.calls).toEqual(['set kraken']);
    const storedStatus = {
      backend: 'memory (test)',
      venues: [
        { venue: 'tinvest', stored: false },
        { venue: 'kraken', stored: true, mode: 'live' },
      ],
    };
    expect(await client.value('credentials.status', {})).toEqual(storedStatus);
    expect(secrets.calls).toEqual(['set kraken']);

    // After a restart (demo still chosen) the status comes from the index, not the store.
    client.close();
    await app.close();
    app = await start();
    client = await BridgeClient.open(new URL(app.url));
    expect(await client.value('credentials.status', {})).toEqual(storedStatus);
    expect(secrets.calls).toEqual(['set kraken']);

    await client.value('credentials.delete', { venue: 'kraken' });
    expect(secrets.calls).toEqual(['set kraken', 'delete kraken']);
    expect(await client.value('credentials.status', {})).toMatchObject({ venues: [{ venue: 'tinvest', stored: false }, { venue: 'kraken', stored: false }] });
    expect(secrets.stored('kraken')).toBeUndefined();
  }, 120_000);
});
