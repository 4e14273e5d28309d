/**
 * KeyringStore against the real thing. The Secret Service suite needs an unlocked keyring on
 * a private D-Bus session: scripts/keychain-test.sh provides one and sets
 * SWITCHBOARD_KEYCHAIN_TEST=1 (CI runs it). The failure cases need no keyring and always run:
 * they start the store in child processes without a usable D-Bus session.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KrakenCredentials, TInvestCredentials } from '../../electron/credentials.js';
import { KEYRING_SERVICE, KeyringStore } from '../../electron/vault/keyring-store.js';
import { SecretStoreError } from '../../electron/vault/secret-store.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const probe = join(root, 'test', 'vault', 'keyring-probe.ts');
const LIVE = process.env['SWITCHBOARD_KEYCHAIN_TEST'] === '1';
const SKIP_REASON = 'skipped: needs an unlocked Secret Service; run scripts/keychain-test.sh (sets SWITCHBOARD_KEYCHAIN_TEST=1)';

const tinvest: TInvestCredentials = {
  token: 't.Qm9ndXNUb2tlbkZvclRlc3RzT25seU5vdEFSZWFsT25lX19fX19fX19fX19fX19fX18',
  accountId: '2000123456',
  mode: 'sandbox',
};
const kraken: KrakenCredentials = {
  apiKey: 'KrakenTestApiKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  apiSecret: `${'S2VjcmV0'.repeat(10)}${'A'.repeat(6)}==`,
  mode: 'live',
};

interface ProbeLine {
  op: string;
  ok: boolean;
  code?: string;
  message?: string;
  value?: unknown;
}

function parseProbe(stdout: string): ProbeLine[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as ProbeLine);
}

/** A throwaway HOME (and XDG dirs in it), so nothing a store might write lands anywhere real. */
function tempHome(): { env: NodeJS.ProcessEnv; home: string } {
  const home = mkdtempSync(join(tmpdir(), 'sb-keyring-home-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
  };
  delete env['XDG_RUNTIME_DIR'];
  return { env, home };
}

function runProbe(env: NodeJS.ProcessEnv, service: string, ops: string[]): ProbeLine[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', probe, service, ...ops], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
  const lines = parseProbe(r.stdout);
  expect(lines.map((l) => l.op), r.stderr).toEqual(ops);
  return lines;
}

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

describe('KeyringStore without a usable Secret Service', () => {
  const homes: string[] = [];
  afterAll(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));

  function expectUnavailable(lines: ProbeLine[], detail: RegExp): void {
    for (const l of lines) {
      expect(l, l.op).toMatchObject({ ok: false, code: 'keyring-unavailable' });
      expect(l.message).toMatch(/gnome-keyring/);
      expect(l.message).toMatch(detail);
    }
  }

  it.runIf(process.platform === 'linux')('fails with keyring-unavailable when there is no D-Bus session, and keeps nothing anywhere', () => {
    const { env, home } = tempHome();
    homes.push(home);
    delete env['DBUS_SESSION_BUS_ADDRESS'];
    // set then get in one process: a silent in-memory fallback would hand the value back.
    const lines = runProbe(env, 'switchboard-test', ['set', 'get', 'has', 'delete']);
    expectUnavailable(lines, /DBUS_SESSION_BUS_ADDRESS is not set/);
    expect(readdirSync(home, { recursive: true })).toEqual([]);
  });

  it.runIf(process.platform === 'linux')('fails with keyring-unavailable when the D-Bus address leads nowhere', () => {
    const { env, home } = tempHome();
    homes.push(home);
    env['DBUS_SESSION_BUS_ADDRESS'] = `unix:path=${join(home, 'no-bus-here')}`;
    expectUnavailable(runProbe(env, 'switchboard-test', ['set', 'get']), /no-bus-here/);
    expect(readdirSync(home, { recursive: true })).toEqual([]);
  });

  it.runIf(process.platform === 'linux' && hasCommand('dbus-daemon'))(
    'fails with keyring-unavailable on a D-Bus session that has no Secret Service',
    async () => {
      const { env, home } = tempHome();
      homes.push(home);
      // A bus with no service directories: nothing can be activated, like a server without a keyring.
      const conf = join(home, 'bus.conf');
      writeFileSync(
        conf,
        `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:dir=${home}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>`,
      );
      const bus = spawn('dbus-daemon', [`--config-file=${conf}`, '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
      try {
        const address = await new Promise<string>((resolve, reject) => {
          bus.once('error', reject);
          createInterface({ input: bus.stdout }).once('line', resolve);
        });
        env['DBUS_SESSION_BUS_ADDRESS'] = address.trim();
        expectUnavailable(runProbe(env, 'switchboard-test', ['set', 'get', 'has']), /org\.freedesktop\.secrets/);
      } finally {
        bus.kill();
      }
    },
  );
});

/** Items the Secret Service holds for a service, as their `username` (= venue) attributes. */
function secretToolAccounts(service: string): string[] {
  // secret-tool prints the item to stdout and its attributes to stderr.
  const r = spawnSync('secret-tool', ['search', '--all', 'service', service], { encoding: 'utf8' });
  return [...r.stderr.matchAll(/^attribute\.username = (.*)$/gm)].map((m) => m[1] ?? '').sort();
}

function secretToolStore(service: string, account: string, secret: string): void {
  const r = spawnSync('secret-tool', ['store', '--label=test item', 'service', service, 'username', account], { input: secret, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

/**
 * gnome-keyring-daemon daemonizes, and can outlive its bus when a script fails half-way: stop
 * it by the PID the bus knows for the Secret Service name.
 */
const STOP_KEYRING_ON_EXIT = [
  'stop_keyring() {',
  '  local reply',
  '  reply=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \\',
  '    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null) || return 0',
  '  kill "${reply##* }" 2>/dev/null || true',
  '}',
  'trap stop_keyring EXIT',
].join('\n');

/**
 * Runs a shell script on a private D-Bus session with its own gnome-keyring in a throwaway
 * HOME, so a scenario can lock or lack a keyring without touching the suite's session.
 */
function inPrivateSession(script: string): ProbeLine[] {
  const { env, home } = tempHome();
  try {
    env['PROBE_NODE'] = process.execPath;
    env['PROBE_SCRIPT'] = probe;
    env['PW'] = 'private-session-password';
    const prelude = `probe() { "$PROBE_NODE" --import tsx "$PROBE_SCRIPT" "$@"; }\n${STOP_KEYRING_ON_EXIT}\n`;
    const r = spawnSync('dbus-run-session', ['--', 'bash', '-euc', prelude + script], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    return parseProbe(r.stdout);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

describe.skipIf(!LIVE)(`KeyringStore on a real Secret Service${LIVE ? '' : ` (${SKIP_REASON})`}`, () => {
  beforeAll(() => {
    expect(process.platform, 'the live suite drives the Linux Secret Service').toBe('linux');
    expect(hasCommand('secret-tool'), 'apt-get install libsecret-tools').toBe(true);
    // Never touch a keyring that holds someone's real keys.
    expect(secretToolAccounts(KEYRING_SERVICE), `the keyring already holds "${KEYRING_SERVICE}" items; refusing to touch them`).toEqual([]);
  });

  it('keeps credentials in the Secret Service under service "switchboard", account = venue', async () => {
    const store = new KeyringStore();
    expect(store.backend).toBe('secret-service');
    await store.set('tinvest', tinvest);
    await store.set('kraken', kraken);
    expect(await store.get('tinvest')).toEqual(tinvest);
    expect(await store.get('kraken')).toEqual(kraken);
    expect(await store.has('kraken')).toBe(true);
    // Seen by another Secret Service client: proof it isn't the kernel keyutils fallback.
    expect(secretToolAccounts(KEYRING_SERVICE)).toEqual(['kraken', 'tinvest']);
  });

  it('reads them back from a new store instance, as after a restart', async () => {
    const restarted = new KeyringStore();
    expect(await restarted.get('tinvest')).toEqual(tinvest);
    expect(await restarted.get('kraken')).toEqual(kraken);
  });

  it('replaces a venue’s credentials on a second set, keeping one item', async () => {
    const store = new KeyringStore();
    const next: TInvestCredentials = { token: `${tinvest.token}X`, mode: 'live' };
    await store.set('tinvest', next);
    expect(await new KeyringStore().get('tinvest')).toEqual(next);
    expect(secretToolAccounts(KEYRING_SERVICE)).toEqual(['kraken', 'tinvest']);
  });

  it('deletes them: get is null, has is false, and secret-tool finds nothing', async () => {
    const store = new KeyringStore();
    await store.delete('tinvest');
    await store.delete('kraken');
    expect(await store.get('tinvest')).toBeNull();
    expect(await new KeyringStore().get('kraken')).toBeNull();
    expect(await store.has('kraken')).toBe(false);
    const r = spawnSync('secret-tool', ['search', 'service', KEYRING_SERVICE], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(secretToolAccounts(KEYRING_SERVICE)).toEqual([]);
    await expect(store.delete('kraken')).resolves.toBeUndefined();
  });

  it('reports an unreadable item as corrupt, without quoting it', async () => {
    const store = new KeyringStore();
    const leaked = 'S3cr3tValueThatMustNotAppear';
    for (const junk of [`not json ${leaked}`, JSON.stringify({ v: 1, venue: 'kraken', credentials: { apiKey: leaked } })]) {
      secretToolStore(KEYRING_SERVICE, 'kraken', junk);
      const err = await store.get('kraken').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SecretStoreError);
      expect(err).toMatchObject({ code: 'corrupt', venue: 'kraken' });
      expect(String((err as Error).message) + String((err as SecretStoreError).detail)).not.toContain(leaked);
      expect(await store.has('kraken')).toBe(true);
      await store.delete('kraken');
      expect(secretToolAccounts(KEYRING_SERVICE)).toEqual([]);
    }
  });

  it('reports a locked keyring as keyring-locked, for every operation', () => {
    const lines = inPrivateSession(`
      eval "$(printf %s "$PW" | gnome-keyring-daemon --unlock --components=secrets)"
      probe switchboard-test set >/dev/null
      dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
        org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
      probe switchboard-test get set has delete
    `);
    expect(lines.map((l) => [l.op, l.code])).toEqual([
      ['get', 'keyring-locked'],
      ['set', 'keyring-locked'],
      ['has', 'keyring-locked'],
      ['delete', 'keyring-locked'],
    ]);
    expect(lines[0]?.message).toMatch(/is locked\. Unlock it/);
  });

  it('reports a Secret Service without any keyring as keyring-unavailable, not a silent success', () => {
    // gnome-keyring started but never given a password: no login keyring, nowhere to write.
    const lines = inPrivateSession(`
      gnome-keyring-daemon --start --components=secrets >/dev/null
      probe switchboard-test set get
    `);
    expect(lines[0]).toMatchObject({ op: 'set', ok: false, code: 'keyring-unavailable' });
    expect(lines[0]?.message).toMatch(/no default keyring/);
    expect(lines[1]).toMatchObject({ op: 'get', ok: true, value: null });
  });
});
