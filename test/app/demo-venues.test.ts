/**
 * The demo venues' process as the app starts it: ready lines read, stopped on close, a
 * process that fails said so with a typed error — and the app opens without them, saying why,
 * with sandbox and live unaffected. --demo-from files checked line by line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeClient } from '../bridge/bridge-client.js';
import type { VenueSummary } from '../../electron/core/types.js';
import type { DemoLauncher } from '../../electron/app/demo-venues.js';
import { DemoVenuesError, nodeDemoLauncher, prestartedLauncher, readDemoFile, startDemoVenues } from '../../electron/app/demo-venues.js';
import { appConfig } from '../../electron/app/config-file.js';
import { silentLogger } from '../../electron/core/log.js';
import { startHeadless } from '../../electron/headless.js';
import type { Headless } from '../../electron/headless.js';
import { startTInvestSim } from '../../sim/tinvest/server.js';
import type { TInvestSim } from '../../sim/tinvest/server.js';
import { MemorySecretStore } from '../e2e/memory-secret-store.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-demo-'));
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** A launcher running `node -e SCRIPT`: a stand-in process that fails the way a broken install would. */
const scriptLauncher =
  (script: string): DemoLauncher =>
  () => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    return {
      stdout: child.stdout,
      stderr: child.stderr,
      onExit: (listener) => child.once('exit', (code, signal) => listener(signal ?? `code ${code}`)),
      stop: () => child.kill('SIGTERM'),
      kill: () => child.kill('SIGKILL'),
    };
  };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('starting the demo venues', () => {
  it('reads one ready line per venue from the simulator and stops it on close', { timeout: 90_000 }, async () => {
    const demo = await startDemoVenues({ launcher: nodeDemoLauncher(), seed: 4242, log: silentLogger });
    closers.push(() => demo.close());
    const venues = demo.lines.map((l) => (l as { venue?: unknown }).venue).sort();
    expect(venues).toEqual(['kraken', 'tinvest']);
    const ps = spawn('pgrep', ['-f', 'cli\\.(ts|js) --seed 4242']);
    let out = '';
    ps.stdout.on('data', (d: Buffer) => (out += String(d)));
    await new Promise((r) => ps.once('exit', r));
    // From the process list: the child is the only simulator started with this seed.
    const pid = Number(out.trim().split('\n')[0]);
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(true);
    await demo.close();
    expect(alive(pid)).toBe(false);
  });

  it('says why when the process exits before it is ready', async () => {
    const err = await startDemoVenues({ launcher: scriptLauncher('process.exit(3)'), log: silentLogger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DemoVenuesError);
    expect((err as Error).message).toMatch(/exited \(code 3\) before they were ready/);
  });

  it('says why when the process cannot be started at all', async () => {
    const launcher: DemoLauncher = () => {
      throw new Error('no such file: dist/sim/cli.js');
    };
    await expect(startDemoVenues({ launcher, log: silentLogger })).rejects.toThrow(/could not be started: no such file/);
  });

  it('gives up on a process that never reports, and stops it', async () => {
    const err = await startDemoVenues({ launcher: scriptLauncher('setInterval(() => {}, 1000)'), timeoutMs: 500, log: silentLogger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DemoVenuesError);
    expect((err as Error).message).toMatch(/reported nothing within 500 ms/);
  });

  it('goes on with the venues that reported when the rest stay silent', async () => {
    const line = JSON.stringify({ venue: 'tinvest', endpoint: '127.0.0.1:1', token: 'x' });
    const demo = await startDemoVenues({ launcher: scriptLauncher(`console.log(${JSON.stringify(line)}); setInterval(() => {}, 1000)`), settleMs: 200, log: silentLogger });
    closers.push(() => demo.close());
    expect(demo.lines).toEqual([JSON.parse(line)]);
  });
});

describe('demo venues started before the app loads (the release entry)', () => {
  it('hands the early process to the first launch with the same arguments, once; others start their own', () => {
    const started: string[][] = [];
    const base: DemoLauncher = (args) => {
      started.push([...args]);
      return scriptLauncher('')(args);
    };
    const launcher = prestartedLauncher(['--seed', '3'], base);
    expect(started).toEqual([['--seed', '3']]);
    const first = launcher(['--seed', '3']);
    expect(started).toHaveLength(1);
    launcher(['--seed', '3']);
    launcher(['--seed', '4']);
    expect(started).toEqual([['--seed', '3'], ['--seed', '3'], ['--seed', '4']]);
    first.kill();
  });

  it('reads the ready lines of a process started early, and tells how one that ended before anyone listened ended', async () => {
    const early = prestartedLauncher(['--seed', '1'], () => scriptLauncher(`console.log(JSON.stringify({ venue: 'kraken' })); setInterval(() => {}, 1000)`)([]));
    await new Promise((r) => setTimeout(r, 300));
    const demo = await startDemoVenues({ launcher: early, seed: 1, settleMs: 100, log: silentLogger });
    closers.push(() => demo.close());
    expect(demo.lines).toEqual([{ venue: 'kraken' }]);

    // A node child that ended while nobody listened: its end is kept for the listener that comes later.
    const gone = prestartedLauncher(['--seed', '1'], nodeDemoLauncher({ execPath: '/bin/false' }));
    await new Promise((r) => setTimeout(r, 300));
    await expect(startDemoVenues({ launcher: gone, seed: 1, timeoutMs: 20_000, log: silentLogger })).rejects.toThrow(/exited \(code 1\) before they were ready/);
  });
});

describe('--demo-from FILE', () => {
  it('reads the JSON lines npm run sim prints', async () => {
    const f = join(dir, 'ok.jsonl');
    writeFileSync(f, '{"venue":"tinvest","endpoint":"127.0.0.1:1","token":"t"}\n\n{"venue":"kraken"}\n');
    expect(await readDemoFile(f)).toEqual([{ venue: 'tinvest', endpoint: '127.0.0.1:1', token: 't' }, { venue: 'kraken' }]);
  });

  it('names the line that is not JSON, an empty file, and a missing one', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"venue":"tinvest"}\nsim: started\n');
    await expect(readDemoFile(bad)).rejects.toThrow(/bad\.jsonl:2 is not a JSON line/);
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '\n');
    await expect(readDemoFile(empty)).rejects.toThrow(/holds no ready lines/);
    await expect(readDemoFile(join(dir, 'absent.jsonl'))).rejects.toThrow(DemoVenuesError);
  });
});

describe('an app whose demo venues cannot start', () => {
  let sim: TInvestSim | undefined;
  let app: Headless | undefined;
  afterEach(async () => {
    await app?.close();
    await sim?.close();
    app = undefined;
    sim = undefined;
  });

  it('still opens, says why in app.info, and connects sandbox on stored credentials', { timeout: 60_000 }, async () => {
    sim = await startTInvestSim({ seed: 5 });
    const secrets = new MemorySecretStore();
    await secrets.set('tinvest', { token: sim.token, mode: 'sandbox' });
    const data = mkdtempSync(join(dir, 'app-'));
    app = await startHeadless({
      port: 0,
      dataDir: data,
      secretStore: secrets,
      demoLauncher: scriptLauncher('console.error("Cannot find module dist/sim/cli.js"); process.exit(1)'),
      config: appConfig({ venues: { tinvest: { sandbox: { endpoint: sim.endpoint, tls: false } } } }),
      log: silentLogger,
    });
    const client = await BridgeClient.open(new URL(app.url));
    closers.push(async () => client.terminate());
    const info = await client.value('app.info', {});
    expect(info.notices?.join('\n')).toMatch(/Demo mode is unavailable: the demo venues exited \(code 1\) before they were ready\. Sandbox and live connections are unaffected\./);
    // Sandbox doesn't need the demo venues: it connects on the stored token.
    const deadline = Date.now() + 45_000;
    let venues: VenueSummary[] = [];
    while (Date.now() < deadline) {
      venues = await client.value('venues.list', {});
      if (venues.find((v) => v.id === 'tinvest')?.state === 'live') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(venues.find((v) => v.id === 'tinvest')).toMatchObject({ mode: 'sandbox', state: 'live' });
    // No demo build of Kraken and no stored keys: it isn't offered rather than half-there.
    expect(venues.find((v) => v.id === 'kraken')).toBeUndefined();
  });
});
