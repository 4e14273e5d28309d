/**
 * A private Secret Service for the Electron tests on Linux: our own D-Bus session bus and an
 * unlocked gnome-keyring on it, in a throwaway HOME, the way scripts/keychain-test.sh runs the
 * keychain suites. Electron's safeStorage (libsecret) talks to whatever session bus
 * DBUS_SESSION_BUS_ADDRESS names, so the app launched with `env` uses this keyring and never
 * the developer's. Done here
 * rather than by wrapping the run in dbus-run-session so `vitest run --config
 * vitest.electron.config.ts` works on its own, and the keyring outlives an app restart (the
 * key that encrypted the vault lives in it).
 *
 * Elsewhere (macOS Keychain, Windows DPAPI) safeStorage needs nothing started: `env` is the
 * process's own.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { until } from '../e2e/workspace-page.js';

const run = promisify(execFile);

export interface SecretService {
  /** The environment to launch the app with. */
  readonly env: Record<string, string>;
  /** Stops the keyring and the bus and removes the throwaway HOME; calling again does nothing. */
  close(): Promise<void>;
}

function ownEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

/** Ends a child we started and waits for it, bounded; a child already gone is fine. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(forced);
}

/** The first line a child prints on stdout, or the reason it never did. */
function firstLine(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) return reject(new Error(`${what} has no stdout`));
    const lines = createInterface({ input: child.stdout });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    lines.once('line', (line) => resolve(line.trim()));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready: ${stderr.trim()}`)));
  });
}

export async function startSecretService(): Promise<SecretService> {
  if (process.platform !== 'linux') return { env: ownEnv(), close: async () => undefined };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-keyring-'));
  const home = path.join(dir, 'home');
  const runtime = path.join(dir, 'run');
  await mkdir(home, { recursive: true });
  await mkdir(runtime, { mode: 0o700 });
  // The bus and the keyring live in the throwaway HOME; anything the bus starts inherits it.
  const env: Record<string, string> = {
    ...ownEnv(),
    HOME: home,
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_RUNTIME_DIR: runtime,
  };
  const children: ChildProcess[] = [];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const child of children.splice(0).reverse()) await stop(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1', `--address=unix:path=${path.join(dir, 'bus')}`], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(bus);
    const address = await firstLine(bus, 'dbus-daemon');
    env.DBUS_SESSION_BUS_ADDRESS = address;
    // In the foreground, so the keyring is our child and ends with close(); the password on
    // stdin creates and unlocks the login keyring, so nothing ever prompts.
    const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    children.push(keyring);
    keyring.stdin?.end(randomBytes(16).toString('hex'));
    // A client that asks before our daemon owns the name makes the bus start a second, locked one.
    await until(
      'gnome-keyring-daemon to own the Secret Service name',
      async () => {
        if (keyring.exitCode !== null) throw new Error(`gnome-keyring-daemon exited (${keyring.exitCode})`);
        const { stdout } = await run(
          'dbus-send',
          ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'],
          { env },
        );
        return /boolean true/.test(stdout) ? true : undefined;
      },
      30_000,
    );
    // The app keeps its own HOME and XDG_RUNTIME_DIR (the display's sockets and X authority
    // may live there); only the bus it asks for secrets is ours.
    return { env: { ...ownEnv(), DBUS_SESSION_BUS_ADDRESS: address }, close };
  } catch (err) {
    await close();
    throw err;
  }
}
