/**
 * The release tree on its own: `npm run build`, then exactly the files the `files` globs of
 * build/electron-builder.json select, copied into an empty folder, production dependencies
 * installed there from the lockfile, and `node dist/electron/headless.js` run from it with
 * plain Node. In Debian Chromium its page shows live candles on both demo venues, and an
 * order goes out and is cancelled on each over the bridge; afterwards its database (migrated by
 * the app, with the charts' history cached) is read with the tree's better-sqlite3. This is what proves the packaged
 * app carries everything it needs: no tsx, no TypeScript source, no devDependency.
 *
 * Slow by nature (a build and an `npm ci` on a busy 2-core box): the bounds below are for
 * failure only; nothing here asserts how fast anything is.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { glob } from 'tinyglobby';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dec } from '../../common/decimal.js';
import { DB_FILE } from '../../electron/store/db.js';
import { MIGRATIONS } from '../../electron/store/migrations.js';
import { PATIENCE_MS, requireChromium, until, Workspace } from '../e2e/workspace-page.js';
import { startNats } from '../nats/nats-server.js';
import { BridgeClient } from '../bridge/bridge-client.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const MINUTES = 60_000;

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** The parts of package-lock.json (v3) read here. */
interface PackageLock {
  packages: Record<string, { dev?: boolean; dependencies?: Record<string, string> }>;
}

/** Production (not dev-marked) packages of the lockfile that list `name` as a dependency. */
function neededBy(lock: PackageLock, name: string): string[] {
  return Object.entries(lock.packages)
    .filter(([key, entry]) => key !== '' && entry.dev !== true && entry.dependencies?.[name] !== undefined)
    .map(([key]) => key.replace(/^.*node_modules\//, ''));
}

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

async function filePatterns(): Promise<string[]> {
  const config = await readJson<{ files?: unknown }>(path.join(ROOT, 'build', 'electron-builder.json'));
  const patterns = config.files;
  if (!Array.isArray(patterns) || !patterns.every((p): p is string => typeof p === 'string')) {
    throw new Error('build/electron-builder.json has no `files` list of globs');
  }
  return patterns;
}

/** What electron-builder packs: its `files` globs, expanded against the built tree (not a list kept here). */
async function packedFiles(): Promise<string[]> {
  return (await glob(await filePatterns(), { cwd: ROOT, onlyFiles: true, dot: true, expandDirectories: false })).sort();
}

/**
 * The files of an installed node_modules that electron-builder would pack: all of them but the
 * ones our `files` list excludes (`!node_modules/…`: a native addon's sources and build leftovers)
 * and the ones app-builder-lib always leaves out (object files, archives, makefiles, .d.ts, test
 * folders, .bin).
 */
async function packedModules(treeDir: string): Promise<string[]> {
  const ours = (await filePatterns()).filter((p) => p.startsWith('!node_modules/')).map((p) => p.slice(1));
  const always = ['**/*.{o,a,obj,mk,cc,d.ts,iml,hprof,orig,pyc,pyo,rbc,swp}', 'node_modules/.bin/**', 'node_modules/**/{test,__tests__,tests,example,examples}/**'];
  return glob(['node_modules/**'], { cwd: treeDir, onlyFiles: true, dot: true, ignore: [...ours, ...always] });
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Pids whose parent is `pid` (Linux /proc): the demo venues the headless app started. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Field 4 of stat is the parent pid; the command name (field 2) may hold spaces, so read after its ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

/** The one stdout line the headless script prints: the URL to open. */
function urlLine(child: ChildProcess, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /open (http:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`headless exited (${code}) before printing its URL; stderr: ${stderr()}`)));
    setTimeout(() => reject(new Error(`no URL line within ${PATIENCE_MS} ms; stdout: ${out}; stderr: ${stderr()}`)), PATIENCE_MS).unref();
  });
}

/** A limit buy 20 % under the market on chart `n`, seen open in the blotter, then cancelled and seen in history. */
async function orderRoundTrip(w: Workspace, n: number, symbol: string, quantity: string, tick: string): Promise<void> {
  await w.select(n);
  const price = dec(await w.priceAway(n, '0.8', tick));
  await w.order({ side: 'buy', type: 'limit', quantity, price });
  await w.tab('Open orders');
  const row = w.openRows(symbol);
  await row.waitFor({ timeout: PATIENCE_MS });
  await until(`the ${symbol} order to be open`, async () => ((await row.textContent())?.includes('open') ? true : undefined));
  await row.getByRole('button', { name: /^Cancel / }).click();
  await row.waitFor({ state: 'detached', timeout: PATIENCE_MS });
  await w.tab('Order history');
  await expect.poll(() => w.historyRows(symbol).first().textContent(), { timeout: PATIENCE_MS }).toContain('cancelled');
}

describe('the release tree', () => {
  let dir: string;
  let home: string;
  let app: ChildProcess | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-release-'));
    home = await mkdtemp(path.join(os.tmpdir(), 'switchboard-release-home-'));
  });

  afterAll(async () => {
    await browser?.close();
    if (app?.exitCode === null && app.signalCode === null) {
      app.kill('SIGKILL');
      await new Promise((r) => app!.once('exit', r));
    }
    await rm(dir, { recursive: true, force: true });
    await rm(home, { recursive: true, force: true });
  }, 2 * MINUTES);

  it('builds, installs production dependencies only from the lockfile, builds better-sqlite3 and loads both native addons', async () => {
    // What this build makes, not what an earlier build or bench left in dist/.
    await rm(path.join(ROOT, 'dist'), { recursive: true, force: true });
    await run('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 64 << 20 });
    const files = await packedFiles();
    for (const needed of ['package.json', 'dist/electron/headless.js', 'dist/electron/gateway.js', 'dist/electron/main.js', 'dist/sim/cli.js', 'renderer/dist/index.html']) {
      expect(files, `the release must carry ${needed}`).toContain(needed);
    }
    expect(files.some((f) => f.startsWith('proto/') && f.endsWith('.proto'))).toBe(true);
    expect(files.filter((f) => /\.tsx?$/.test(f)), 'no TypeScript source is packed').toEqual([]);
    // package-lock.json is not packed (electron-builder installs from it on the packaging
    // machine); it is copied here only so `npm ci` installs the locked versions.
    for (const f of [...files, 'package-lock.json']) {
      await mkdir(path.join(dir, path.dirname(f)), { recursive: true });
      await copyFile(path.join(ROOT, f), path.join(dir, f));
    }
    // Not the test runner's npm settings: `npm test` passes its own (npm_config_*) through env.
    const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, maxBuffer: 64 << 20, env: npmEnv });
    // better-sqlite3 is a native addon built per runtime, so `--ignore-scripts` left it without
    // its binary. Its own install script runs here, the one script allowed (as package.json's
    // allowScripts says), rather than copying the binary from the development node_modules: a
    // copy would prove only that the JavaScript loads; building it proves the locked version
    // compiles where no prebuilt can be fetched (prebuild-install fails offline, node-gyp
    // compiles against Node's headers), which is what electron-builder's npmRebuild does on a
    // packaging machine, there against Electron 45's headers (fetched from the network, so not
    // verifiable here).
    await run('npm', ['rebuild', 'better-sqlite3', '--no-audit', '--no-fund'], { cwd: dir, maxBuffer: 64 << 20, env: npmEnv });

    const mb = bytesUnder(dir) / 2 ** 20;
    const modules = bytesUnder(path.join(dir, 'node_modules')) / 2 ** 20;
    const packed = await packedModules(dir);
    const packedMb = packed.reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0) / 2 ** 20;
    console.log(
      `release tree: ${files.length} packed files + package-lock.json, ${mb.toFixed(1)} MB in all (${modules.toFixed(1)} MB of it node_modules, ${packedMb.toFixed(1)} MB of which electron-builder packs)`,
    );
    // The exclusions leave both native addons in: what the app loads at run time is packed.
    expect(packed).toContain('node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    expect(packed.some((f) => f.startsWith('node_modules/@napi-rs/keyring') && f.endsWith('.node')), 'the keyring addon is packed').toBe(true);

    const pkg = await readJson<PackageJson>(path.join(ROOT, 'package.json'));
    const lock = await readJson<PackageLock>(path.join(ROOT, 'package-lock.json'));
    const devOnly = Object.keys(pkg.devDependencies ?? {});
    expect(devOnly.length).toBeGreaterThan(0);
    for (const name of ['tsx', 'typescript', 'vite', 'electron', 'esbuild', 'vitest', 'react', 'react-dom', 'zustand', 'lightweight-charts']) {
      expect(existsSync(path.join(dir, 'node_modules', name)), `${name} is not installed`).toBe(false);
    }
    // A devDependency may be present only where a production package depends on it; then the
    // lockfile does not mark it dev and names who needs it (protobufjs declares @types/node as
    // a runtime dependency). Anything the lockfile marks dev must be absent.
    const present = devOnly.filter((name) => existsSync(path.join(dir, 'node_modules', name)));
    const unexplained = present.filter((name) => lock.packages[`node_modules/${name}`]?.dev === true || neededBy(lock, name).length === 0);
    expect(unexplained, 'no devDependency is installed unless production code needs it').toEqual([]);
    for (const name of present) console.log(`release tree: ${name} is a devDependency and present, required at run time by ${neededBy(lock, name).join(', ')}`);
    const devMarked = Object.entries(lock.packages).filter(([key, entry]) => entry.dev === true && key.startsWith('node_modules/') && existsSync(path.join(dir, key)));
    expect(devMarked.map(([key]) => key), 'nothing the lockfile marks dev is installed').toEqual([]);
    for (const name of Object.keys(pkg.dependencies ?? {})) expect(existsSync(path.join(dir, 'node_modules', name)), `${name} is installed`).toBe(true);

    // @napi-rs/keyring is an N-API addon: N-API is ABI-stable across Node versions, so the one
    // prebuilt binary npm installs here loads in Node 20 (headless) and in Electron 45's Node 24
    // (the desktop app) alike; no electron-rebuild step exists or is needed.
    const probe = await run(process.execPath, ['--input-type=module', '-e', "const { Entry } = await import('@napi-rs/keyring'); new Entry('switchboard-release-test', 'probe'); process.stdout.write(typeof Entry);"], { cwd: dir });
    expect(probe.stdout).toBe('function');

    // The database: better-sqlite3 from the tree, in plain Node, on a file in WAL mode.
    const sqlite = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const { default: Database } = await import('better-sqlite3'); const db = new Database('probe.db'); db.pragma('journal_mode = WAL'); db.exec('CREATE TABLE t (x TEXT)'); db.prepare('INSERT INTO t VALUES (?)').run('1.10'); process.stdout.write(db.prepare('SELECT x FROM t').pluck().get() + ' ' + db.pragma('journal_mode', { simple: true })); db.close();",
      ],
      { cwd: dir },
    );
    expect(sqlite.stdout).toBe('1.10 wal');
    await rm(path.join(dir, 'probe.db'), { force: true });
  }, 15 * MINUTES);

  it('runs headless with plain node: live candles on both demo venues, an order placed and cancelled on each', async () => {
    requireChromium();
    expect(existsSync(path.join(dir, 'dist', 'electron', 'headless.js')), 'the tree of the first case').toBe(true);
    const args = ['dist/electron/headless.js', '--port', '0'];
    console.log(`release tree: (cd ${dir} && HOME=${home} ${process.execPath} ${args.join(' ')})`);
    const started = Date.now();
    // Plain node, no loader, and HOME elsewhere: the app's data (~/.switchboard) lands in the temp home.
    const child = spawn(process.execPath, args, { cwd: dir, env: { PATH: process.env['PATH'] ?? '', HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    app = child;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await urlLine(child, () => stderr);

    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page: Page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    await page.goto(url);
    const w = new Workspace(page);
    await w.waitForCharts(['SBER', 'BTC/USD']);
    const legends = [1, 2].map((n) => w.chart(n).getByRole('status', { name: 'Last candle' }));
    const isCandle = (t: string | null): t is string => t !== null && /\bC \d+(?:\.\d+)? /.test(t);
    const first = await until('a candle on both charts', async () => {
      const texts = await Promise.all(legends.map((l) => l.textContent()));
      return texts.every(isCandle) ? texts : undefined;
    });
    console.log(`release tree: first candle on both charts ${((Date.now() - started) / 1000).toFixed(1)} s after spawn (browser start included)`);
    // Live: each chart's last candle is replaced by a new or changed one.
    for (const [i, legend] of legends.entries()) {
      await until(`chart ${i + 1}'s last candle to change`, async () => {
        const t = await legend.textContent();
        return isCandle(t) && t !== first[i] ? true : undefined;
      });
    }

    await orderRoundTrip(w, 1, 'SBER', '1', '0.01');
    await orderRoundTrip(w, 2, 'BTC/USD', '0.01', '0.1');
    expect(problems).toEqual([]);

    // The demo venues run as a child of the app and end with it.
    const demo = childrenOf(child.pid!);
    expect(demo.length, 'the demo venues run as a child process').toBeGreaterThan(0);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await until('the demo venues to end with the app', async () => (demo.some(alive) ? undefined : true));

    // The app opened its database from the packed tree and migrated it, and the charts' history went into it.
    const kept = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { default: Database } = await import('better-sqlite3'); const db = new Database(${JSON.stringify(path.join(home, '.switchboard', DB_FILE))}, { readonly: true }); process.stdout.write(JSON.stringify({ version: db.pragma('user_version', { simple: true }), candles: db.prepare("SELECT count(*) FROM candles JOIN candle_series ON candles.series = candle_series.id WHERE mode = 'demo'").pluck().get() })); db.close();`,
      ],
      { cwd: dir },
    );
    const { version, candles } = JSON.parse(kept.stdout) as { version: number; candles: number };
    expect(version).toBe(MIGRATIONS.at(-1)?.version);
    expect(candles).toBeGreaterThan(0);
  }, 10 * MINUTES);
  it('runs a gateway and a console from it with plain node: the console sees the demo venues live and candles', async () => {
    expect(existsSync(path.join(dir, 'dist', 'electron', 'gateway.js')), 'the tree of the first case').toBe(true);
    const nats = await startNats({ jetstream: true });
    const env = { PATH: process.env['PATH'] ?? '', HOME: home };
    const children: ChildProcess[] = [];
    const started = (child: ChildProcess, what: string, line: RegExp): Promise<string> =>
      new Promise((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = line.exec(out);
          if (m) resolve(m[1] ?? m[0]);
        });
        child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
        child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before its line; stdout: ${out}; stderr: ${err}`)));
        setTimeout(() => reject(new Error(`${what}: no line within ${PATIENCE_MS} ms; stdout: ${out}; stderr: ${err}`)), PATIENCE_MS).unref();
      });
    try {
      const gateway = spawn(process.execPath, ['dist/electron/gateway.js', '--nats', nats.url, '--demo', '--data-dir', path.join(home, 'gateway')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(gateway);
      await started(gateway, 'the gateway', /Switchboard gateway: serving on (\S+)/);
      const console_ = spawn(process.execPath, ['dist/electron/headless.js', '--port', '0', '--gateway', nats.url, '--data-dir', path.join(home, 'console')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(console_);
      const url = await started(console_, 'the console', /open (http:\/\/\S+)\n/);
      const client = await BridgeClient.open(new URL(url));
      try {
        const venues = await until('both demo venues live at the gateway, seen from the console', async () => {
          const v = await client.value('venues.list', {});
          return v.length === 2 && v.every((x) => x.state === 'live') ? v : undefined;
        });
        expect(venues.map((v) => v.id).sort()).toEqual(['kraken', 'tinvest']);
        const pair = (await client.value('instruments.search', { venue: 'kraken', query: 'BTC', limit: 1 }))[0]!;
        let candles = 0;
        client.onBatch((b) => (candles += b.candles.length));
        await client.value('candles.subscribe', { venue: 'kraken', instrumentId: pair.id, interval: '1m' });
        await until('candles reach the console through the gateway', async () => (candles > 2 ? true : undefined));
        expect((await client.value('gateway.link', {}))?.state).toBe('live');
      } finally {
        client.close();
      }
      // Both quit cleanly on a signal.
      for (const child of [console_, gateway]) {
        const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      }
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await nats.close();
    }
  }, 5 * MINUTES);
});
