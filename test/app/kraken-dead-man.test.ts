/**
 * Kraken's dead man's switch as the app composes it (electron/app.ts), against the local
 * Kraken venue: armed by default on live with its 60 s timeout, off in demo unless the config
 * asks, shown in the diagnostics, and — with the app killed by SIGKILL — the venue cancels
 * the app's resting order once the configured timeout runs out.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeadManSwitchState } from '../../common/domain.js';
import { createApp } from '../../electron/app/create-app.js';
import type { App } from '../../electron/app/create-app.js';
import { appConfig } from '../../electron/app/config-file.js';
import { krakenReadyLine } from '../../sim/ready-lines.js';
import { silentLogger } from '../../electron/core/log.js';
import { startKrakenSim } from '../../sim/kraken/server.js';
import type { KrakenSim } from '../../sim/kraken/server.js';
import { MemorySecretStore } from '../e2e/memory-secret-store.js';
import { waitFor } from '../venues/kraken/helpers.js';

let sim: KrakenSim | undefined;
let app: App | undefined;
let child: ChildProcessByStdio<null, Readable, Readable> | undefined;
const dirs: string[] = [];

afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await app?.close();
  app = undefined;
  await sim?.close();
  sim = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sb-dead-man-'));
  dirs.push(d);
  return d;
}


function deadManOf(a: App): DeadManSwitchState | undefined {
  return a.hub.diagnostics.snapshot().find((d) => d.venue === 'kraken' && d.connection === 'ws-private')?.deadManSwitch;
}

describe("Kraken's dead man's switch as the app composes it", () => {
  it('arms for 60 s by default on a live venue signed in with stored keys, and the diagnostics show it', async () => {
    sim = await startKrakenSim({ seed: 71 });
    const secrets = new MemorySecretStore();
    await secrets.set('kraken', { apiKey: sim.apiKey, apiSecret: sim.apiSecret, mode: 'live' });
    const dir = tempDir();
    app = await createApp({
      stateDir: join(dir, 'state'),
      dataDir: join(dir, 'data'),
      secretStore: secrets,
      // Live pointed at the local venue the way a trader's config file would.
      config: appConfig({ venues: { kraken: { live: { rest: sim.rest, ws: sim.ws, wsAuth: sim.wsAuth } } } }),
      log: silentLogger,
    });
    expect(app.hub.summary('kraken').mode).toBe('live');
    await app.hub.connect('kraken');
    await waitFor('the switch to be armed', () => deadManOf(app!)?.armed === true, 20_000);
    const s = deadManOf(app)!;
    expect(s).toMatchObject({ armed: true, timeoutSec: 60 });
    // The venue's own trigger time, about a minute out (whole seconds on the wire).
    expect(s.triggerAt! - Date.now()).toBeGreaterThan(30_000);
    expect(s.triggerAt! - Date.now()).toBeLessThanOrEqual(60_000);
  });

  it('leaves it off in demo, and arms it there only when the config asks', async () => {
    sim = await startKrakenSim({ seed: 72 });
    const dir = tempDir();
    app = await createApp({ demoLines: [krakenReadyLine(sim)], stateDir: join(dir, 'state'), dataDir: join(dir, 'data'), log: silentLogger });
    await app.hub.connect('kraken');
    await waitFor('the private socket live', () => app!.hub.diagnostics.snapshot().some((d) => d.connection === 'ws-private' && d.state === 'live'), 20_000);
    expect(deadManOf(app)).toEqual({ armed: false, timeoutSec: 0 });
    await app.close();
    app = undefined;

    app = await createApp({ demoLines: [krakenReadyLine(sim)], config: appConfig({ venues: { kraken: { demoDeadManSwitchSec: 30 } } }), stateDir: join(dir, 'state2'), dataDir: join(dir, 'data2'), log: silentLogger });
    await app.hub.connect('kraken');
    await waitFor('the switch to be armed', () => deadManOf(app!)?.armed === true, 20_000);
    expect(deadManOf(app)).toMatchObject({ armed: true, timeoutSec: 30 });
  });

  it('when the live app is killed, the venue cancels its resting order after the configured timeout', { timeout: 90_000 }, async () => {
    sim = await startKrakenSim({ seed: 73 });
    const dir = tempDir();
    // Refreshed every ~1.7 s: a starved child has more than 3 s of slack before the venue fires.
    const timeoutSec = 5;
    child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./kraken-dead-man-child.ts', import.meta.url))], {
      env: { ...process.env, KR_REST: sim.rest, KR_WS: sim.ws, KR_KEY: sim.apiKey, KR_SECRET: sim.apiSecret, KR_DEAD_MAN_SEC: String(timeoutSec), SB_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = (): boolean => child !== undefined && (child.exitCode !== null || child.signalCode !== null);
    await waitFor('the app to report its order and switch', () => out.includes('\n') || exited(), 60_000).catch((e: Error) => {
      throw new Error(`${e.message}; child stderr:\n${err}`);
    });
    expect(exited(), `the app exited early; stderr:\n${err}`).toBe(false);
    const line = JSON.parse(out.split('\n')[0]!) as { deadManSwitch?: DeadManSwitchState };
    expect(line.deadManSwitch).toMatchObject({ armed: true, timeoutSec });
    const order = () => [...sim!.record.orders.values()].find((r) => r.clOrdId === 'dms-app');
    expect(order()?.status).toBe('open');

    // Alive, the app keeps refreshing: past the first trigger time the order still rests.
    const firstTrigger = line.deadManSwitch!.triggerAt!;
    await waitFor('the first trigger time to pass', () => Date.now() > firstTrigger + 1_000, 15_000);
    expect(order()?.status).toBe('open');

    child.kill('SIGKILL');
    await waitFor('the app to die', exited, 10_000);
    await waitFor("the venue's dead man's switch to cancel the order", () => order()?.status === 'canceled', 30_000);
    expect(order()?.reason).toBe("Dead man's switch");
  });
});
