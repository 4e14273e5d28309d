/**
 * The desk's NATS permissions (electron/gateway/nats-config.ts) against Debian's nats-server 2.9
 * and the 3.4 client: for each console role, what it may do works and what it may not is refused
 * by the server — it cannot impersonate the gateway (publish market data, events or order
 * entries), overhear it (subscribe to requests or commands), or change the order stream; it can
 * replay ORDERS the two ways a console does. And `npm run nats-config`'s output is a config the
 * server accepts, with passwords that work.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DeliverPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import {
  AuthorizationError,
  connect,
  PermissionViolationError,
  RequestError,
  type NatsConnection,
  type Status,
  type Subscription,
} from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESK_ROLES, type ConsoleRole, type DeskRole } from '../../electron/gateway/nats-config.js';
import { inboxPrefixOf,
  candleSubject,
  CONTROL,
  EVENTS,
  marketSubject,
  METHOD_ACCESS,
  methodSubject,
  ORDER_STREAM,
  ORDER_STREAM_SUBJECTS,
  orderSubject,
  type Access,
  type ForwardedMethod,
} from '../../electron/gateway/protocol.js';
import { runNatsConfigCli } from '../../scripts/nats-config.js';
import { makeLocalCertificate } from '../../sim/tls.js';
import { natsServerBinary, startNats, type NatsServer } from '../nats/nats-server.js';
import { TEST_PASSWORDS, testDeskUsers } from '../nats/desk-config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
/** Generous bounds for a busy 2-core box: a refusal comes back at once, these only stop a hang. */
const PATIENCE_MS = 20_000;

const CONSOLE_ROLES: readonly ConsoleRole[] = ['lead', 'trader', 'viewer'];
const MAY: Readonly<Record<ConsoleRole, readonly Access[]>> = { lead: ['read', 'trade', 'admin'], trader: ['read', 'trade'], viewer: ['read'] };

/** Order entries the gateway put in ORDERS: two updates of one order, one of another. */
const ORDER_A = orderSubject('kraken', 'cid-a');
const ORDER_B = orderSubject('tinvest', 'cid.b *');
const ENTRIES: ReadonlyArray<[string, string]> = [
  [ORDER_A, 'a placed'],
  [ORDER_B, 'b placed'],
  [ORDER_A, 'a filled'],
];

let server: NatsServer;
let gateway: NatsConnection;
const open: NatsConnection[] = [];
/** Every request the gateway's responders received, by subject. */
const served: string[] = [];

async function as(role: DeskRole, url = server.url, password = TEST_PASSWORDS[role]): Promise<NatsConnection> {
  // A console's replies come under its own prefix, the only inbox its user may read (as the console link does).
  const nc = await connect({ servers: url, user: role, pass: password, maxReconnectAttempts: 0, ...(role === 'gateway' ? {} : { inboxPrefix: inboxPrefixOf(role) }) });
  open.push(nc);
  return nc;
}

/** What a promise rejected with, or undefined when it resolved. */
function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

/** The next PermissionViolationError the connection's status stream reports for `subject`. */
function violationOn(nc: NatsConnection, subject: string): Promise<PermissionViolationError> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no permissions violation for ${subject} within ${PATIENCE_MS} ms`)), PATIENCE_MS);
    void (async () => {
      for await (const s of nc.status() as AsyncIterable<Status>) {
        if (s.type === 'error' && s.error instanceof PermissionViolationError && s.error.subject === subject) {
          clearTimeout(timer);
          resolve(s.error);
          return;
        }
      }
    })();
  });
}

/** The error a subscription's iterator ends with (bounded). */
function subscriptionEnd(sub: Subscription): Promise<unknown> {
  const ended = (async () => {
    for await (const m of sub) void m;
  })();
  const bound = new Promise((_, reject) => setTimeout(() => reject(new Error('the subscription was not refused')), PATIENCE_MS).unref());
  return rejection(Promise.race([ended, bound]));
}

/** The refusal of a request as the 3.4 client reports it: RequestError caused by the server's violation. */
function expectPublishRefused(err: unknown, subject: string): void {
  expect(err).toBeInstanceOf(RequestError);
  expect((err as RequestError).cause).toBeInstanceOf(PermissionViolationError);
  expect((err as RequestError).cause).toMatchObject({ operation: 'publish', subject });
}

beforeAll(async () => {
  server = await startNats({ jetstream: true, users: testDeskUsers() });
  gateway = await as('gateway');
  // The gateway answers everything a console may ask: the reply names the subject it came on.
  for (const s of ['sb.req.>', 'sb.cmd.>', 'sb.admin.>']) {
    gateway.subscribe(s, {
      callback: (err, m) => {
        if (err !== null) return;
        served.push(m.subject);
        m.respond(m.subject);
      },
    });
  }
  await gateway.flush();
  await (await jetstreamManager(gateway)).streams.add({ name: ORDER_STREAM, subjects: [ORDER_STREAM_SUBJECTS], storage: StorageType.File });
  const js = jetstream(gateway);
  for (const [subject, body] of ENTRIES) await js.publish(subject, body);
});

afterAll(async () => {
  await Promise.all(open.splice(0).map((nc) => nc.close()));
  await server?.close();
});

describe('the desk roles on nats-server 2.9', () => {
  it("a viewer's sb.cmd.orders.place request is refused at once with a message naming the subject", async () => {
    const viewer = await as('viewer');
    const before = served.length;
    // A long timeout: the refusal must come from the server's -ERR, not from waiting it out.
    const err = await rejection(viewer.request(methodSubject('orders.place'), '{}', { timeout: 60_000 }));
    expectPublishRefused(err, 'sb.cmd.orders.place');
    expect((err as Error).message).toBe('Permissions Violation for Publish to "sb.cmd.orders.place"');
    // The gateway never saw it, and the viewer's connection is still up for its reads.
    expect(await viewer.request(methodSubject('orders.list'), '{}', { timeout: PATIENCE_MS }).then((m) => m.string())).toBe('sb.req.orders.list');
    expect(served.slice(before)).toEqual(['sb.req.orders.list']);
  });

  it('a wrong password is refused at connect', async () => {
    expect(await rejection(as('trader', server.url, 'not-the-password'))).toBeInstanceOf(AuthorizationError);
  });

  describe.each(CONSOLE_ROLES)('%s', (role) => {
    it('every forwarded method is answered or refused as METHOD_ACCESS and the role say, and the console control requests are answered', async () => {
      const nc = await as(role);
      const methods = Object.keys(METHOD_ACCESS) as ForwardedMethod[];
      let answered = 0;
      let refused = 0;
      // One after another: each refusal is matched to its own request.
      for (const m of methods) {
        const subject = methodSubject(m);
        const reply = nc.request(subject, '{}', { timeout: PATIENCE_MS });
        if (MAY[role].includes(METHOD_ACCESS[m])) {
          expect((await reply).string()).toBe(subject);
          answered++;
        } else {
          expectPublishRefused(await rejection(reply), subject);
          refused++;
        }
      }
      for (const subject of Object.values(CONTROL)) expect((await nc.request(subject, '{}', { timeout: PATIENCE_MS })).string()).toBe(subject);
      const allowed = methods.filter((m) => MAY[role].includes(METHOD_ACCESS[m])).length;
      expect({ answered, refused }).toEqual({ answered: allowed, refused: methods.length - allowed });
      expect(refused > 0).toBe(role !== 'lead');
    });

    it('receives the market data and events the gateway publishes', async () => {
      const nc = await as(role);
      const candles = nc.subscribe(candleSubject({ venue: 'tinvest', instrumentId: 'BBG004730N88', interval: '1m' }), { max: 1 });
      const books = nc.subscribe(marketSubject({ venue: 'kraken', instrumentId: 'BTC/USD', stream: 'book', depth: 10 }), { max: 1 });
      const events = nc.subscribe(EVENTS.connection, { max: 1 });
      await nc.flush();
      gateway.publish(candleSubject({ venue: 'tinvest', instrumentId: 'BBG004730N88', interval: '1m' }), 'bar');
      gateway.publish(marketSubject({ venue: 'kraken', instrumentId: 'BTC/USD', stream: 'book', depth: 10 }), 'book');
      gateway.publish(EVENTS.connection, 'live');
      const first = async (sub: Subscription): Promise<string> => {
        for await (const m of sub) return m.string();
        return '(none)';
      };
      expect(await Promise.all([first(candles), first(books), first(events)])).toEqual(['bar', 'book', 'live']);
    });

    it('cannot publish as the gateway: market data, events, order entries and the gateway hello are refused and reach nobody', async () => {
      const nc = await as(role);
      const broadcasts = [candleSubject({ venue: 'kraken', instrumentId: 'XBT/USD', interval: '1m' }), EVENTS.status, EVENTS.hello];
      const forged = [...broadcasts, ORDER_A];
      const watch = gateway.subscribe('sb.>', { max: broadcasts.length });
      await gateway.flush();
      for (const subject of forged) {
        const refused = violationOn(nc, subject);
        nc.publish(subject, 'forged');
        expect(await refused).toMatchObject({ operation: 'publish', subject });
      }
      // What the gateway's own subscription to everything sees next is its own broadcasts, none of
      // the forged messages (ORDER_A's would have come first; the ORDERS stream is checked below).
      for (const subject of broadcasts) gateway.publish(subject, 'genuine');
      const seen: string[] = [];
      for await (const m of watch) seen.push(`${m.subject} ${m.string()}`);
      expect(seen).toEqual(broadcasts.map((subject) => `${subject} genuine`));
      expect(nc.isClosed()).toBe(false);
    });

    it("cannot overhear the gateway nor another console: subscribing to requests, commands, admin, the order subjects, the JetStream API or another user's replies is refused", async () => {
      const nc = await as(role);
      // Nor another console's replies: only its own user's inbox prefix.
      const others = (['lead', 'trader', 'viewer'] as const).filter((r) => r !== role).map((r) => `${inboxPrefixOf(r)}.>`);
      for (const subject of ['sb.req.>', 'sb.cmd.>', 'sb.admin.>', 'sb.cmd.orders.place', ORDER_STREAM_SUBJECTS, '$JS.API.>', '>', '_INBOX.>', ...others]) {
        const err = await subscriptionEnd(nc.subscribe(subject));
        expect(err).toBeInstanceOf(PermissionViolationError);
        expect(err).toMatchObject({ operation: 'subscription', subject });
      }
    });

    it('cannot create, delete or purge a stream, nor publish into ORDERS; the stream is untouched', async () => {
      const nc = await as(role);
      const jsm = await jetstreamManager(nc);
      expectPublishRefused(await rejection(jsm.streams.add({ name: 'FORGED', subjects: ['forged.>'] })), '$JS.API.STREAM.CREATE.FORGED');
      expectPublishRefused(await rejection(jsm.streams.delete(ORDER_STREAM)), `$JS.API.STREAM.DELETE.${ORDER_STREAM}`);
      expectPublishRefused(await rejection(jsm.streams.purge(ORDER_STREAM)), `$JS.API.STREAM.PURGE.${ORDER_STREAM}`);
      expectPublishRefused(await rejection(jetstream(nc).publish(ORDER_A, 'forged', { timeout: PATIENCE_MS })), ORDER_A);
      const info = await (await jetstreamManager(gateway)).streams.info(ORDER_STREAM);
      expect(info.state.messages).toBe(ENTRIES.length);
      expect((await (await jetstreamManager(gateway)).streams.names().next()).includes('FORGED')).toBe(false);
    });

    it('replays ORDERS from a sequence with an ordered consumer, and may delete its consumer as a reset does', async () => {
      const nc = await as(role);
      const c = await jetstream(nc).consumers.get(ORDER_STREAM, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 2 });
      const got: Array<[number, string]> = [];
      const messages = await c.consume();
      for await (const m of messages) {
        got.push([m.seq, m.string()]);
        if (got.length === ENTRIES.length - 1) break;
      }
      expect(got).toEqual([
        [2, 'b placed'],
        [3, 'a filled'],
      ]);
      await c.delete();
    });

    it('reads the last entry of every order with a last_per_subject consumer filtered on sb.orders.>', async () => {
      const nc = await as(role);
      const c = await jetstream(nc).consumers.get(ORDER_STREAM, { deliver_policy: DeliverPolicy.LastPerSubject, filter_subjects: ORDER_STREAM_SUBJECTS });
      const got: Array<[string, string]> = [];
      const messages = await c.fetch({ max_messages: 2, expires: PATIENCE_MS });
      for await (const m of messages) got.push([m.subject, m.string()]);
      expect(got).toEqual([
        [ORDER_B, 'b placed'],
        [ORDER_A, 'a filled'],
      ]);
    });
  });
});

describe('an ordered consumer under the desk permissions', () => {
  // Last among the ORDERS tests: it adds an entry to the stream.
  it("recovers when its consumer vanishes (a reset: delete the old, create the next) with no permission refused, and reads on", async () => {
    const viewer = await as('viewer');
    const refusals: string[] = [];
    void (async () => {
      for await (const st of viewer.status() as AsyncIterable<Status>) {
        if (st.type === 'error' && st.error instanceof PermissionViolationError) refusals.push(st.error.message);
      }
    })();
    const c = await jetstream(viewer).consumers.get(ORDER_STREAM, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: ENTRIES.length });
    const first = (await c.info(true)).name;
    // The 3.4 client notices the deletion at once but recreates only after two missed idle
    // heartbeats (half of `expires`): a short expiry keeps that to seconds, not the default 30 s.
    const messages = await c.consume({ expires: 4_000 });
    const got: string[] = [];
    for await (const m of messages) {
      got.push(m.string());
      if (got.length === 1) {
        // As a NATS restart without the consumer's state, or its inactivity limit, would do.
        await (await jetstreamManager(gateway)).consumers.delete(ORDER_STREAM, first);
        await jetstream(gateway).publish(ORDER_B, 'b cancelled');
      }
      if (got.length === 2) break;
    }
    expect(got).toEqual(['a filled', 'b cancelled']);
    expect((await c.info(true)).name).not.toBe(first);
    await viewer.flush();
    expect(refusals).toEqual([]);
  }, 60_000);

  // Last of all: it restarts the server, which closes the connections made without reconnecting.
  it('reads on across a NATS server restart (its in-memory consumer is gone) with no permission refused', async () => {
    const viewer = await connect({ servers: server.url, user: 'viewer', pass: TEST_PASSWORDS.viewer, maxReconnectAttempts: -1, reconnectTimeWait: 250, inboxPrefix: inboxPrefixOf('viewer') });
    open.push(viewer);
    const refusals: string[] = [];
    void (async () => {
      for await (const st of viewer.status() as AsyncIterable<Status>) {
        if (st.type === 'error' && st.error instanceof PermissionViolationError) refusals.push(st.error.message);
      }
    })();
    const last = (await (await jetstreamManager(gateway)).streams.info(ORDER_STREAM)).state.last_seq;
    const c = await jetstream(viewer).consumers.get(ORDER_STREAM, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: last });
    const messages = await c.consume({ expires: 4_000 });
    const got: string[] = [];
    for await (const m of messages) {
      got.push(m.string());
      if (got.length === 1) {
        await server.restart();
        const gw = await as('gateway');
        // JetStream may still be recovering its store: retry the gateway's publish, bounded.
        for (let attempt = 1; ; attempt++) {
          try {
            await jetstream(gw).publish(ORDER_A, 'a cancelled', { msgID: 'a cancelled', timeout: 5_000 });
            break;
          } catch (err) {
            if (attempt >= 10) throw err;
          }
        }
      }
      if (got.length === 2) break;
    }
    expect(got).toEqual(['b cancelled', 'a cancelled']);
    await viewer.flush();
    expect(refusals).toEqual([]);
  }, 120_000);
});

/** Starts nats-server on a config file as it is, until its "Server is ready" line; gives the client port. */
async function serveConfig(file: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(natsServerBinary(), ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server not ready within 60 s:\n${log}`)), 60_000);
    const onData = (b: Buffer): void => {
      log += b.toString('utf8');
      const m = /Listening for client connections on 127\.0\.0\.1:(\d+)/.exec(log);
      if (m !== null && log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited (${code}):\n${log}`));
    });
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('npm run nats-config', () => {
  it('writes a config nats-server -t accepts and 0600 password files that work for their role only; a second run overwrites nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sb-nats-config-'));
    const out = path.join(dir, 'desk');
    const cli = ['tsx', path.join(ROOT, 'scripts/nats-config.ts'), '--out', out, '--listen', '127.0.0.1:-1'];
    try {
      const first = await run('npx', cli, { cwd: ROOT, timeout: 120_000 });
      expect(first.stdout).toContain(`nats-server -c ${path.join(out, 'nats-server.conf')}`);
      expect(first.stdout).toContain(`--nats-user gateway --nats-password-file ${path.join(out, 'gateway.password')}`);
      const conf = path.join(out, 'nats-server.conf');
      await run(natsServerBinary(), ['-c', conf, '-t'], { timeout: 60_000 });

      const passwords = Object.fromEntries(
        await Promise.all(DESK_ROLES.map(async (r) => [r, (await readFile(path.join(out, `${r}.password`), 'utf8')).trim()] as const)),
      ) as Record<DeskRole, string>;
      const text = await readFile(conf, 'utf8');
      for (const r of DESK_ROLES) {
        expect(passwords[r]).toMatch(/^[A-Za-z0-9_-]{32}$/);
        // The config holds a bcrypt hash, never the password itself.
        expect(text).not.toContain(passwords[r]);
        expect((await stat(path.join(out, `${r}.password`))).mode & 0o777).toBe(0o600);
      }
      expect(new Set(Object.values(passwords)).size).toBe(DESK_ROLES.length);
      expect((await stat(conf)).mode & 0o777).toBe(0o600);

      const s = await serveConfig(conf);
      try {
        const gw = await as('gateway', s.url, passwords.gateway);
        gw.subscribe('sb.cmd.>', {
          callback: (err, m) => {
            if (err === null) m.respond('ok');
          },
        });
        await gw.flush();
        await (await jetstreamManager(gw)).streams.add({ name: ORDER_STREAM, subjects: [ORDER_STREAM_SUBJECTS], storage: StorageType.File });
        const trader = await as('trader', s.url, passwords.trader);
        expect((await trader.request('sb.cmd.orders.place', '{}', { timeout: PATIENCE_MS })).string()).toBe('ok');
        const viewer = await as('viewer', s.url, passwords.viewer);
        expectPublishRefused(await rejection(viewer.request('sb.cmd.orders.place', '{}', { timeout: PATIENCE_MS })), 'sb.cmd.orders.place');
        expect(await rejection(as('lead', s.url, passwords.lead))).toBeUndefined();
        // One role's password is not another's.
        expect(await rejection(as('lead', s.url, passwords.viewer))).toBeInstanceOf(AuthorizationError);
      } finally {
        await s.stop();
      }

      const second = await rejection(run('npx', cli, { cwd: ROOT, timeout: 120_000 }));
      expect(second).toMatchObject({ code: 1 });
      expect(String((second as { stderr: string }).stderr)).toContain('refusing to overwrite');
      expect(await readFile(conf, 'utf8')).toBe(text);
      expect((await readFile(path.join(out, 'trader.password'), 'utf8')).trim()).toBe(passwords.trader);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('with --tls-cert and --tls-key writes a TLS config nats-server accepts, where a viewer connects with the CA and is still refused commands; one of the two alone is a usage error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sb-nats-config-tls-'));
    try {
      const cert = await makeLocalCertificate();
      await writeFile(path.join(dir, 'cert.pem'), cert.certPem);
      await writeFile(path.join(dir, 'key.pem'), cert.keyPem, { mode: 0o600 });
      const lines: string[] = [];
      const errors: string[] = [];
      const out = path.join(dir, 'desk');
      const tlsFlags = ['--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem')];
      expect(await runNatsConfigCli(['--out', out, '--tls-cert', path.join(dir, 'cert.pem')], (l) => lines.push(l), (l) => errors.push(l))).toBe(2);
      expect(errors.join('\n')).toContain('TLS needs both --tls-cert and --tls-key');
      expect(await runNatsConfigCli(['--out', out, '--listen', '127.0.0.1:-1', ...tlsFlags], (l) => lines.push(l), (l) => errors.push(l))).toBe(0);
      expect(lines.join('\n')).toMatch(/--gateway tls:\/\/127\.0\.0\.1:-1 --nats-user trader --nats-password-file \S+ --nats-ca CA\.pem/);
      const conf = path.join(out, 'nats-server.conf');
      await run(natsServerBinary(), ['-c', conf, '-t'], { timeout: 60_000 });
      const s = await serveConfig(conf);
      try {
        const viewer = await connect({
          servers: s.url.replace(/^nats:/, 'tls:'),
          user: 'viewer',
          pass: (await readFile(path.join(out, 'viewer.password'), 'utf8')).trim(),
          tls: { ca: cert.certPem },
          maxReconnectAttempts: 0,
          inboxPrefix: inboxPrefixOf('viewer'),
        });
        open.push(viewer);
        expect(viewer.info?.tls_required).toBe(true);
        expectPublishRefused(await rejection(viewer.request('sb.cmd.orders.place', '{}', { timeout: PATIENCE_MS })), 'sb.cmd.orders.place');
      } finally {
        await s.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
