/**
 * How the client packages surface a refusal by the desk's permissions
 * (electron/gateway/nats-config.ts, shown in docs/gateway.md) — what a read-only console turns
 * into a clear message — and TLS to the server with a self-signed root. What each role may and
 * may not do is test/gateway/desk-permissions.test.ts.
 */
import { DeliverPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import {
  AuthorizationError,
  connect,
  PermissionViolationError,
  RequestError,
  type NatsConnection,
  type Status,
} from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNats, type NatsServer } from './nats-server.js';
import { inboxPrefixOf } from '../../electron/gateway/protocol.js';
import { ORDER_STREAM, TEST_PASSWORDS as PASSWORDS, testDeskUsers } from './desk-config.js';
let server: NatsServer;
const open: NatsConnection[] = [];

async function as(user: keyof typeof PASSWORDS): Promise<NatsConnection> {
  const nc = await connect({ servers: server.url, user, pass: PASSWORDS[user], ...(user === 'gateway' ? {} : { inboxPrefix: inboxPrefixOf(user) }) });
  open.push(nc);
  return nc;
}

/** The first PermissionViolationError the connection's status stream reports (bounded). */
function nextViolation(nc: NatsConnection): Promise<PermissionViolationError> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no permissions violation reported within 20 s')), 20_000);
    void (async () => {
      for await (const s of nc.status() as AsyncIterable<Status>) {
        if (s.type === 'error' && s.error instanceof PermissionViolationError) {
          clearTimeout(timer);
          resolve(s.error);
          return;
        }
      }
    })();
  });
}

beforeAll(async () => {
  server = await startNats({ jetstream: true, users: testDeskUsers() });
  const gw = await as('gateway');
  await (await jetstreamManager(gw)).streams.add({ name: ORDER_STREAM, subjects: ['sb.orders.>'], storage: StorageType.File });
  await jetstream(gw).publish('sb.orders.acct1', 'placed cid-1', { msgID: 'cid-1' });
});

afterAll(async () => {
  await Promise.all(open.splice(0).map((nc) => nc.close()));
  await server?.close();
});

describe('a refusal by the desk permissions, as the 3.4 client reports it against nats-server 2.9', () => {
  it('a wrong password is refused at connect with AuthorizationError', async () => {
    const err = await connect({ servers: server.url, user: 'viewer', pass: 'wrong', maxReconnectAttempts: 0 }).then(
      (nc) => nc.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuthorizationError);
  });

  it('a read-only console publishing a command gets no error from publish(); the server refuses it and the status stream reports PermissionViolationError, and nobody receives it', async () => {
    const viewer = await as('viewer');
    const gw = await as('gateway');
    const commands = gw.subscribe('sb.cmd.>', { max: 1 });
    await gw.flush();
    const violation = nextViolation(viewer);
    viewer.publish('sb.cmd.place', 'buy 1'); // does not throw: core publish is fire-and-forget
    expect(await violation).toMatchObject({ operation: 'publish', subject: 'sb.cmd.place' });
    expect((await violation).message).toBe('Permissions Violation for Publish to "sb.cmd.place"');
    // The connection stays up; and the next command the gateway sees is the trader's, not the viewer's.
    await viewer.flush();
    expect(viewer.isClosed()).toBe(false);
    const trader = await as('trader');
    trader.publish('sb.cmd.place', 'trader buy 1');
    const got: string[] = [];
    for await (const m of commands) got.push(m.string());
    expect(got).toEqual(['trader buy 1']);
  });

  it('a command sent as a request is refused with RequestError whose cause is the PermissionViolationError', async () => {
    const viewer = await as('viewer');
    const err = await viewer.request('sb.cmd.place', 'buy 1', { timeout: 20_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RequestError);
    expect((err as RequestError).cause).toBeInstanceOf(PermissionViolationError);
    expect((err as RequestError).message).toBe('Permissions Violation for Publish to "sb.cmd.place"');
  });

  it('a subscription the user may not make ends its iterator with PermissionViolationError (operation "subscription")', async () => {
    const viewer = await as('viewer');
    const sub = viewer.subscribe('sb.cmd.>');
    const ended = (async () => {
      for await (const m of sub) void m;
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    await viewer.flush();
    const err = await ended;
    expect(err).toBeInstanceOf(PermissionViolationError);
    expect(err).toMatchObject({ operation: 'subscription', subject: 'sb.cmd.>' });
  });

  it('a read-only console reads the order stream but cannot publish into it or delete it', async () => {
    const viewer = await as('viewer');
    const js = jetstream(viewer);
    const c = await js.consumers.get(ORDER_STREAM, { deliver_policy: DeliverPolicy.All }); // an ordered consumer
    const m = await c.next({ expires: 10_000 });
    expect(m?.string()).toBe('placed cid-1');

    const pub = await js.publish('sb.orders.acct1', 'forged', { timeout: 20_000 }).then(() => undefined, (e: unknown) => e);
    expect(pub).toBeInstanceOf(RequestError);
    expect((pub as RequestError).cause).toBeInstanceOf(PermissionViolationError);
    const del = await (await jetstreamManager(viewer)).streams.delete(ORDER_STREAM).then(() => undefined, (e: unknown) => e);
    expect((del as RequestError).cause).toMatchObject({ operation: 'publish', subject: `$JS.API.STREAM.DELETE.${ORDER_STREAM}` });
    const info = await (await jetstreamManager(await as('gateway'))).streams.info(ORDER_STREAM);
    expect(info.state.messages).toBe(1);
  });
});

describe('TLS to nats-server', () => {
  it('a client that trusts the self-signed root connects; one that does not is refused', async () => {
    const s = await startNats({ tls: true });
    try {
      expect(s.url).toMatch(/^tls:\/\/127\.0\.0\.1:\d+$/);
      const nc = await connect(s.connectOptions());
      await nc.flush();
      expect(nc.info?.tls_required).toBe(true);
      await nc.close();
      const untrusted = await connect({ servers: s.url, maxReconnectAttempts: 0 }).then(
        (c) => c.close().then(() => undefined),
        (e: unknown) => e,
      );
      expect(untrusted).toBeInstanceOf(Error);
      expect(String(untrusted)).toMatch(/certificate/i);
    } finally {
      await s.close();
    }
  });
});
