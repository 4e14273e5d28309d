/**
 * A 3-node NATS cluster on loopback with the order stream replicated 3 ways: the node leading
 * the stream is SIGKILLed in the middle of a bounded run of acknowledged publishes. Every
 * acknowledged publish must be in the stream afterwards, read through another node, and none
 * twice — publishes whose ack was lost are retried with the same msgID, and de-duplication must
 * hold across the leader change.
 */
import { DeliverPolicy, jetstream, jetstreamManager, StorageType, type StreamInfo } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsCluster, type NatsCluster } from './nats-server.js';

const PUBLISHES = 200;
const KILL_AT = 100;
const MAX_ATTEMPTS_PER_PUBLISH = 40;
const NS_PER_S = 1_000_000_000;

let cluster: NatsCluster;
const open: NatsConnection[] = [];

beforeAll(async () => {
  cluster = await startNatsCluster(3);
}, 180_000);

afterAll(async () => {
  await Promise.all(open.splice(0).map((nc) => nc.close()));
  await cluster?.close();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, patienceMs = 90_000): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('3-node NATS cluster, R3 order stream', () => {
  it('loses the stream leader mid-publishing: every acknowledged publish is stored exactly once, read through another node', async () => {
    const admin = await connect({ servers: cluster.urls(), maxReconnectAttempts: -1 });
    open.push(admin);
    const jsm = await jetstreamManager(admin);
    // The meta leader answers; a new R3 stream still needs all three peers known to it.
    const created = await until('the R3 stream is created', () =>
      jsm.streams.add({ name: 'ORDERS', subjects: ['sb.orders.>'], storage: StorageType.File, num_replicas: 3, duplicate_window: 300 * NS_PER_S }),
    );
    expect(created.config.num_replicas).toBe(3);
    const leaderName = await until('the stream has a leader', async () => (await jsm.streams.info('ORDERS')).cluster?.leader || undefined);
    const leader = Number(/^n(\d)$/.exec(leaderName)?.[1]) - 1;
    expect(cluster.node(leader).running).toBe(true);

    // The publisher talks to the leader's node first, so the kill takes its connection too.
    const urls = cluster.urls();
    const pubNc = await connect({ servers: [urls[leader]!, ...urls.filter((_, i) => i !== leader)], noRandomize: true, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    open.push(pubNc);
    const js = jetstream(pubNc, { timeout: 5_000 });

    const acked = new Map<string, number>();
    let retries = 0;
    let duplicateAcks = 0;
    let killed: Promise<void> | undefined;
    let killedAt = 0;
    let recoveredAfterMs: number | undefined;
    for (let i = 1; i <= PUBLISHES; i++) {
      if (i === KILL_AT) {
        killedAt = performance.now();
        killed = cluster.node(leader).kill();
      }
      const id = `cid-${i}`;
      for (let attempt = 1; ; attempt++) {
        try {
          const ack = await js.publish(`sb.orders.acct${i % 3}`, id, { msgID: id });
          if (ack.duplicate) duplicateAcks++;
          acked.set(id, ack.seq);
          // A figure for the report, not an assertion: how long publishing stalled.
          if (i >= KILL_AT && recoveredAfterMs === undefined) recoveredAfterMs = performance.now() - killedAt;
          break;
        } catch (err) {
          // Outcome unknown (timeout, disconnect, no leader yet): the same msgID again.
          if (attempt >= MAX_ATTEMPTS_PER_PUBLISH) throw new Error(`${id} not acknowledged after ${attempt} attempts: ${String(err)}`);
          retries++;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    }
    await killed;
    expect(acked.size).toBe(PUBLISHES);

    // Read everything back through a node that was never killed, with a fresh connection.
    const reader = await connect({ servers: urls[(leader + 1) % 3]!, maxReconnectAttempts: -1 });
    open.push(reader);
    // Right after losing a node (it may have led the meta group too) JetStream API requests can
    // time out for a few seconds while leaders are elected: a console retries, so does this test.
    const readerJsm = await jetstreamManager(reader, { checkAPI: false });
    const info: StreamInfo = await until('stream info through another node', () => readerJsm.streams.info('ORDERS'));
    const c = await until('an ordered consumer through another node', () =>
      jetstream(reader).consumers.get('ORDERS', { deliver_policy: DeliverPolicy.All }),
    );
    const seen = new Map<string, number>();
    for (let n = 0; n < info.state.messages; n++) {
      const m = await c.next({ expires: 10_000 });
      if (m === null) throw new Error(`message ${n + 1} of ${info.state.messages} did not arrive`);
      seen.set(m.string(), (seen.get(m.string()) ?? 0) + 1);
    }
    const missing = [...acked.keys()].filter((id) => !seen.has(id));
    const twice = [...seen].filter(([, count]) => count > 1).map(([id]) => id);
    console.info(
      `cluster failover: ${PUBLISHES} publishes, ${acked.size} acknowledged, ${retries} retries, ${duplicateAcks} acks reported duplicate, ` +
        `first ack ${recoveredAfterMs?.toFixed(0)} ms after the kill, ` +
        `${info.state.messages} stored (new leader ${info.cluster?.leader}), missing ${missing.length}, twice ${twice.length}`,
    );
    expect(missing).toEqual([]);
    expect(twice).toEqual([]);
    expect(info.state.messages).toBe(PUBLISHES);
    expect(info.cluster?.leader).not.toBe(leaderName);
    // The de-duplication state moved with the leadership: a retry of an id acknowledged by the
    // old leader, before the kill, is recognised by the new one.
    const retryOfOld = await until('a publish through the new leader', () => jetstream(reader).publish('sb.orders.acct1', 'cid-1', { msgID: 'cid-1' }));
    expect(retryOfOld).toMatchObject({ duplicate: true, seq: acked.get('cid-1') });

    // The killed node comes back on its port and store and catches up as a current replica.
    await cluster.node(leader).restart();
    const caughtUp = await until('the restarted node is a current replica again', async () => {
      const i = await jsm.streams.info('ORDERS');
      const replica = [i.cluster?.leader === leaderName ? { name: leaderName, current: true } : undefined, ...(i.cluster?.replicas ?? [])].find(
        (r) => r?.name === leaderName,
      );
      return replica?.current === true ? i : undefined;
    });
    expect(caughtUp.state.messages).toBe(PUBLISHES);
  }, 300_000);
});
