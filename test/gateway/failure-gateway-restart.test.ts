/**
 * The gateway goes away mid-trading and comes back on the same data folder: once cleanly
 * (shutdown: orders in flight settled, every update stored in ORDERS) and once as a crash (its
 * own process, SIGKILLed). Two consoles on a Kraken chart keep placing and cancelling on both
 * venues throughout; afterwards every command has an answer, every journal order is on its venue
 * once, each console's orders equal the journal with nothing lost or delivered twice, and the
 * chart has no gap. Figures: one GATEWAY-FIGURES line per scenario.
 */
import { describe, expect, it } from 'vitest';
import { until } from '../e2e/workspace-page.js';
import { startNats } from '../nats/nats-server.js';
import { failureDesk, tradeThroughOutage } from './failure-figures.js';

const rig = failureDesk(() => startNats({ jetstream: true }), (nats) => ({ nats: () => ({ servers: [nats.url] }) }));

describe('the gateway restarts mid-trading', () => {
  it('a clean restart: every command answered, every order on its venue once, consoles equal to the journal, no candle gap', async () => {
    const d = rig.desk;
    let before = { published: 0, duplicates: 0 };
    const f = await tradeThroughOutage(d, rig.consoles, rig.setup, {
      name: 'gateway clean restart',
      linkGoesDown: true,
      fail: async () => {
        const g = d.gateway!;
        await d.stopGateway();
        before = { published: g.service.orders.published, duplicates: g.service.orders.duplicates };
      },
      recover: async () => {
        await d.startGateway();
      },
      journal: () => d.gateway!.core.app.hub.journal.list(),
      published: () => ({ published: before.published + d.gateway!.service.orders.published, duplicates: before.duplicates + d.gateway!.service.orders.duplicates }),
    });
    expect(f.commandsSent).toBe(40);
  }, 240_000);

  it('a crash (SIGKILL of its process) and a start on the same data: the same outcome', async () => {
    const d = rig.desk;
    await d.stopGateway();
    const child = await d.startGatewayChild();
    for (const c of rig.consoles)
      await until(`${c.name} is on the gateway's process`, async () => {
        const l = await c.client.value('gateway.link', {});
        return l?.state === 'live' && l.gatewayId === child.gatewayId ? true : undefined;
      }, 90_000);
    const f = await tradeThroughOutage(d, rig.consoles, rig.setup, {
      name: 'gateway SIGKILL + restart',
      linkGoesDown: true,
      fail: () => child.kill(),
      recover: async () => {
        await d.startGateway();
      },
      journal: () => d.gateway!.core.app.hub.journal.list(),
      published: () => undefined,
    });
    expect(f.commandsSent).toBe(40);
  }, 240_000);
});
