/**
 * The JetStream behaviour the gateway's order stream will stand on, checked against Debian's
 * nats-server 2.9 with the client packages the console ships: de-duplication by message id,
 * resuming a consumer at a sequence after a reconnect, and a store that survives a restart.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startNats, type NatsServer } from './nats-server.js';

const NS_PER_S = 1_000_000_000;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(): Promise<NatsServer> {
  const s = await startNats({ jetstream: true });
  cleanups.push(() => s.close());
  return s;
}

async function client(s: NatsServer): Promise<NatsConnection> {
  const nc = await connect({ servers: s.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  cleanups.push(() => nc.close());
  return nc;
}

async function ordersStream(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: 'ORDERS',
    subjects: ['orders.>'],
    storage: StorageType.File,
    duplicate_window: 120 * NS_PER_S,
  });
}

describe('JetStream on nats-server 2.9', () => {
  it('a second publish with the same msgID inside duplicate_window is acknowledged as a duplicate and stored once', async () => {
    const nc = await client(await server());
    await ordersStream(nc);
    const js = jetstream(nc);
    const first = await js.publish('orders.placed', 'cid-1', { msgID: 'cid-1' });
    const again = await js.publish('orders.placed', 'cid-1', { msgID: 'cid-1' });
    const other = await js.publish('orders.placed', 'cid-2', { msgID: 'cid-2' });
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ duplicate: true, seq: first.seq, stream: 'ORDERS' });
    expect(other).toMatchObject({ duplicate: false, seq: first.seq + 1 });
    const info = await (await jetstreamManager(nc)).streams.info('ORDERS');
    expect(info.state.messages).toBe(2);
  });

  it('a consumer started at opt_start_seq after the client reconnects delivers exactly the messages from that sequence on', async () => {
    const s = await server();
    const nc = await client(s);
    await ordersStream(nc);
    const js = jetstream(nc);
    for (let i = 1; i <= 10; i++) await js.publish(`orders.e${i}`, `event-${i}`, { msgID: `e${i}` });

    // The client saw up to sequence 6, then its connection dropped (the server restarted under it).
    const lastSeen = 6;
    await s.restart();
    // Reconnected: a publish acknowledged on the restarted server proves the link is back.
    const ack = await until('the client reconnects and JetStream answers', async () =>
      js.publish('orders.e11', 'event-11', { msgID: 'e11' }).catch(() => undefined),
    );
    expect(ack.seq).toBe(11);

    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add('ORDERS', {
      durable_name: 'console-a',
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: lastSeen + 1,
    });
    const durable = await js.consumers.get('ORDERS', 'console-a');
    const durableGot = await take(durable, 5);
    expect(durableGot).toEqual([7, 8, 9, 10, 11].map((seq) => ({ seq, data: `event-${seq}` })));

    // An ordered (ephemeral) consumer from the same position does the same.
    const ordered = await js.consumers.get('ORDERS', { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSeen + 1 });
    expect(await take(ordered, 5)).toEqual(durableGot);
  });

  it('a restart on the same store keeps the stream and its messages (graceful stop and SIGKILL alike)', async () => {
    const s = await server();
    const nc = await client(s);
    await ordersStream(nc);
    const js = jetstream(nc);
    for (let i = 1; i <= 20; i++) await js.publish('orders.fill', `fill-${i}`, { msgID: `f${i}` });

    await s.restart();
    await s.kill();
    await s.restart();
    const info = await until('the stream answers after the restarts', async () => {
      const jsm = await jetstreamManager(nc).catch(() => undefined);
      return jsm?.streams.info('ORDERS').catch(() => undefined);
    });
    expect(info.state).toMatchObject({ messages: 20, first_seq: 1, last_seq: 20 });
    const c = await js.consumers.get('ORDERS', { deliver_policy: DeliverPolicy.All });
    const all = await take(c, 20);
    expect(all.map((m) => m.data)).toEqual(Array.from({ length: 20 }, (_, i) => `fill-${i + 1}`));
    // Still inside the window after the restart: the de-duplication state survived too.
    expect((await js.publish('orders.fill', 'fill-1', { msgID: 'f1' })).duplicate).toBe(true);
  });
});

interface Taken {
  seq: number;
  data: string;
}

/** Reads `n` messages with next(); each wait is bounded, a missing message fails the test. */
async function take(c: { next(o?: { expires?: number }): Promise<{ seq: number; string(): string; ack(): void } | null> }, n: number): Promise<Taken[]> {
  const out: Taken[] = [];
  for (let i = 0; i < n; i++) {
    const m = await c.next({ expires: 10_000 });
    if (m === null) throw new Error(`message ${i + 1} of ${n} did not arrive within 10 s (got ${JSON.stringify(out)})`);
    m.ack();
    out.push({ seq: m.seq, data: m.string() });
  }
  return out;
}

/** Polls until `probe` gives a value; bounded, never a fixed sleep in the test's assertions. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, patienceMs = 60_000): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
