/**
 * A 3-node NATS cluster with ORDERS replicated 3 ways; the gateway and two consoles know every
 * node. The node the gateway is connected to is SIGKILLed mid-trading (and started again after):
 * no command without an answer, every journal order on its venue once, each console's orders
 * equal the journal with nothing lost or delivered twice, no gap in the chart. JetStream calls
 * may time out for a few seconds while the cluster elects new leaders. Figures: one
 * GATEWAY-FIGURES line.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { until } from '../e2e/workspace-page.js';
import { startNatsCluster } from '../nats/nats-server.js';
import { failureDesk, tradeThroughOutage } from './failure-figures.js';

const rig = failureDesk(() => startNatsCluster(3), (cluster) => ({ nats: () => ({ servers: cluster.urls() }), replicas: 3 }));

/** Node index (0..2) from a server name (n1..n3). */
function nodeOf(name: string | undefined): number {
  const i = Number(/^n(\d)$/.exec(name ?? '')?.[1]) - 1;
  if (!Number.isInteger(i) || i < 0) throw new Error(`not a node name: ${String(name)}`);
  return i;
}

/** The node the gateway's connection is on, and the ORDERS stream's leader. */
async function whereThingsAre(): Promise<{ gatewayNode: number; leaderNode: number }> {
  const nc = await connect({ servers: rig.nats.urls(), maxReconnectAttempts: -1 });
  try {
    // No API check up front (it is one more request to time out during an election); `until` retries the info.
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    const leader = await until('ORDERS has a leader', async () => (await jsm.streams.info('ORDERS')).cluster?.leader || undefined, 60_000);
    return { gatewayNode: nodeOf(rig.desk.gateway!.service.nc.info?.server_name), leaderNode: nodeOf(leader) };
  } finally {
    await nc.close();
  }
}

describe('a 3-node NATS cluster loses a node mid-trading', () => {
  it("the gateway's node is SIGKILLed: no command without an answer, every order on its venue once, consoles equal to the journal, no candle gap", async () => {
    const d = rig.desk;
    const { gatewayNode, leaderNode } = await whereThingsAre();
    const g = d.gateway!;
    const f = await tradeThroughOutage(d, rig.consoles, rig.setup, {
      name: `cluster: node n${gatewayNode + 1} (the gateway's; ORDERS leader n${leaderNode + 1}) SIGKILLed + restarted`,
      linkGoesDown: false,
      fail: () => rig.nats.node(gatewayNode).kill(),
      recover: () => rig.nats.node(gatewayNode).restart(),
      journal: () => g.core.app.hub.journal.list(),
      published: () => ({ published: g.service.orders.published, duplicates: g.service.orders.duplicates }),
    });
    expect(f.commandsSent).toBe(40);
  }, 240_000);

  it("the ORDERS stream's leader is SIGKILLed (another node when the gateway's holds it): the same outcome", async () => {
    const d = rig.desk;
    const { gatewayNode, leaderNode } = await whereThingsAre();
    const victim = leaderNode !== gatewayNode ? leaderNode : (gatewayNode + 1) % rig.nats.size;
    const g = d.gateway!;
    const before = { published: g.service.orders.published, duplicates: g.service.orders.duplicates };
    const f = await tradeThroughOutage(d, rig.consoles, rig.setup, {
      name: `cluster: node n${victim + 1} (ORDERS leader n${leaderNode + 1}; the gateway's n${gatewayNode + 1}) SIGKILLed + restarted`,
      linkGoesDown: false,
      fail: () => rig.nats.node(victim).kill(),
      recover: () => rig.nats.node(victim).restart(),
      journal: () => g.core.app.hub.journal.list(),
      published: () => ({ published: g.service.orders.published - before.published, duplicates: g.service.orders.duplicates - before.duplicates }),
    });
    expect(f.commandsSent).toBe(40);
  }, 240_000);
});
