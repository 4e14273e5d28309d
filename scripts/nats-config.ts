/**
 * npm run nats-config -- --out DIR [--listen 127.0.0.1:4222] [--store-dir DIR] [--server-name NAME]
 *                        [--tls-cert FILE --tls-key FILE] [--console NAME:ROLE …]
 *
 * What a desk's operations engineer runs first: writes DIR/nats-server.conf (the desk's users and
 * permissions, electron/gateway/nats-config.ts) and one password file per user,
 * DIR/<user>.password, fresh random passwords. The users: `gateway`, and one per console — by
 * default one per role named after it (lead, trader, viewer); with `--console alice:trader
 * --console bob:viewer` one per person, each revocable on its own and reading only its own
 * replies. The config holds only bcrypt hashes of them
 * (nats-server checks a `$2…` password as a hash), so the file a server reads reveals no
 * password; both kinds of file are the owner's only (0600). Never overwrites: a desk's passwords
 * are handed out, and a second run must not silently change them.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import bcrypt from 'bcryptjs';
import { deskServerConfig, deskUsersFor, type ConsoleRole } from '../electron/gateway/nats-config.js';

export const USAGE =
  'usage: npm run nats-config -- --out DIR [--listen 127.0.0.1:4222] [--store-dir DIR] [--server-name NAME] [--tls-cert FILE --tls-key FILE] [--console NAME:ROLE …]';

/** A console user: a person (or a role) and what it may do. */
export interface ConsoleLogin {
  name: string;
  role: ConsoleRole;
}

/** Without --console: one user per role, named after it. */
export const ROLE_LOGINS: readonly ConsoleLogin[] = [
  { name: 'lead', role: 'lead' },
  { name: 'trader', role: 'trader' },
  { name: 'viewer', role: 'viewer' },
];

const CONSOLE_ROLES: readonly ConsoleRole[] = ['lead', 'trader', 'viewer'];

/** `alice:trader` → a login; names are one subject token (letters, digits, _ and -), never `gateway`. */
export function parseConsoleLogin(text: string): ConsoleLogin {
  const m = /^([A-Za-z0-9_-]{1,64}):([a-z]+)$/.exec(text);
  if (!m) throw new Error(`--console wants NAME:ROLE (a name of letters, digits, _ or -; a role of ${CONSOLE_ROLES.join(', ')}), not ${JSON.stringify(text)}`);
  const [, name, role] = m;
  if (name === 'gateway') throw new Error('--console: "gateway" is the gateway\'s own user');
  if (!(CONSOLE_ROLES as readonly string[]).includes(role!)) throw new Error(`--console ${text}: the role is one of ${CONSOLE_ROLES.join(', ')}`);
  return { name: name!, role: role as ConsoleRole };
}
/** nats-server's own default work factor for `nats server passwd` is 11. */
const BCRYPT_COST = 11;

export interface NatsConfigFiles {
  config: string;
  /** Per user (gateway and each console login): its password file. */
  passwords: Record<string, string>;
}

/** 24 random bytes, base64url: 32 characters that need no quoting in a shell or a config. */
function freshPassword(): string {
  return randomBytes(24).toString('base64url');
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

export class NatsConfigExistsError extends Error {
  override readonly name = 'NatsConfigExistsError';
}

/** Writes the config and the password files into `out`; refuses if any of them exists. */
export async function writeNatsConfig(o: {
  out: string;
  listen: string;
  storeDir: string;
  serverName: string;
  tls?: { cert: string; key: string };
  consoles?: readonly ConsoleLogin[];
}): Promise<NatsConfigFiles> {
  const out = path.resolve(o.out);
  const consoles = o.consoles ?? ROLE_LOGINS;
  const names = ['gateway', ...consoles.map((c) => c.name)];
  if (new Set(names).size !== names.length) throw new Error('each --console needs a name of its own');
  const files: NatsConfigFiles = {
    config: path.join(out, 'nats-server.conf'),
    passwords: Object.fromEntries(names.map((n) => [n, path.join(out, `${n}.password`)])),
  };
  const targets = [files.config, ...Object.values(files.passwords)];
  const present = (await Promise.all(targets.map(async (f) => ((await exists(f)) ? f : undefined)))).filter((f) => f !== undefined);
  if (present.length > 0) throw new NatsConfigExistsError(`refusing to overwrite ${present.join(', ')} (the desk's passwords may be in use): choose another --out`);

  const plain = new Map(names.map((n) => [n, freshPassword()]));
  const hashed = (n: string): string => bcrypt.hashSync(plain.get(n)!, BCRYPT_COST);
  const text = deskServerConfig({
    serverName: o.serverName,
    listen: o.listen,
    storeDir: path.resolve(o.storeDir),
    users: deskUsersFor(
      hashed('gateway'),
      consoles.map((c) => ({ ...c, password: hashed(c.name) })),
    ),
    ...(o.tls !== undefined ? { tls: { cert: path.resolve(o.tls.cert), key: path.resolve(o.tls.key) } } : {}),
  });

  await mkdir(out, { recursive: true, mode: 0o700 });
  // 'wx': a file that appeared since the check above is still not overwritten.
  for (const n of names) await writeFile(files.passwords[n]!, `${plain.get(n)!}\n`, { mode: 0o600, flag: 'wx' });
  await writeFile(files.config, text, { mode: 0o600, flag: 'wx' });
  return files;
}

/** Exit code: 0 written, 1 refused (files exist or cannot be written), 2 usage. */
export async function runNatsConfigCli(argv: readonly string[], print: (line: string) => void, printError: (line: string) => void): Promise<number> {
  let values: { out?: string; listen?: string; 'store-dir'?: string; 'server-name'?: string; 'tls-cert'?: string; 'tls-key'?: string; console?: string[] };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        out: { type: 'string' },
        listen: { type: 'string' },
        'store-dir': { type: 'string' },
        'server-name': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        console: { type: 'string', multiple: true },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    printError(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.out === undefined || values.out === '') {
    printError(USAGE);
    return 2;
  }
  const listen = values.listen ?? '127.0.0.1:4222';
  if (!/^[^\s:]+:-?\d+$/.test(listen)) {
    printError(`--listen wants host:port, not ${JSON.stringify(listen)}\n${USAGE}`);
    return 2;
  }
  const cert = values['tls-cert'];
  const key = values['tls-key'];
  if ((cert === undefined) !== (key === undefined)) {
    printError(`TLS needs both --tls-cert and --tls-key\n${USAGE}`);
    return 2;
  }
  const tls = cert !== undefined && key !== undefined ? { cert, key } : undefined;
  let consoles: ConsoleLogin[] | undefined;
  try {
    consoles = values.console?.map(parseConsoleLogin);
  } catch (err) {
    printError(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const storeDir = values['store-dir'] ?? path.join(values.out, 'jetstream');
  let files: NatsConfigFiles;
  try {
    files = await writeNatsConfig({
      out: values.out,
      listen,
      storeDir,
      serverName: values['server-name'] ?? 'desk-nats-1',
      ...(tls !== undefined ? { tls } : {}),
      ...(consoles !== undefined ? { consoles } : {}),
    });
  } catch (err) {
    printError(err instanceof NatsConfigExistsError ? err.message : `could not write the NATS config: ${(err as Error).message}`);
    return 1;
  }
  const host = listen.replace(/:-?\d+$/, '');
  // With TLS the server requires it of every client: tls:// URLs, and the CA that signed the certificate.
  const url = `${tls !== undefined ? 'tls' : 'nats'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${listen.slice(listen.lastIndexOf(':') + 1)}`;
  const ca = tls !== undefined ? ' --nats-ca CA.pem' : '';
  const logins = consoles ?? ROLE_LOGINS;
  print(`wrote ${files.config} (users gateway, ${logins.map((c) => `${c.name} (${c.role})`).join(', ')}; bcrypt hashes only; JetStream store ${path.resolve(storeDir)})`);
  for (const file of Object.values(files.passwords)) print(`wrote ${file} (0600)`);
  print('');
  print('next:');
  print(`  nats-server -c ${files.config}`);
  print(`  npm run gateway -- --nats ${url} --nats-user gateway --nats-password-file ${files.passwords.gateway}${ca}`);
  print('');
  const example = logins.find((c) => c.role === 'trader') ?? logins[0]!;
  print(`then each console with its own user and password file, e.g.:`);
  print(`  npm run headless -- --gateway ${url} --nats-user ${example.name} --nats-password-file ${files.passwords[example.name]!}${ca}`);
  return 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await runNatsConfigCli(
    process.argv.slice(2),
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  );
}
