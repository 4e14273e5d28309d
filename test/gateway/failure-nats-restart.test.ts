/**
 * The desk's NATS server goes away mid-trading and comes back on the same port and JetStream
 * store: once stopped (SIGTERM) and once killed (SIGKILL). The gateway and two consoles on a
 * Kraken chart keep placing and cancelling on both venues throughout; afterwards every command
 * has an answer, every journal order is on its venue once, each console's orders equal the
 * journal with nothing lost or delivered twice, and the chart has no gap. Figures: one
 * GATEWAY-FIGURES line per scenario.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../electron/core/log.js';
import { startNats } from '../nats/nats-server.js';
import { failureDesk, tradeThroughOutage } from './failure-figures.js';
import type { Outage } from './failure-figures.js';

const rig = failureDesk(
  () => startNats({ jetstream: true }),
  (nats) => ({ nats: () => ({ servers: [nats.url] }), ...(process.env.F14_LOG ? { log: createLogger('desk') } : {}) }),
);

function natsOutage(name: string, fail: () => Promise<void>): Outage {
  const d = rig.desk;
  const g = d.gateway!;
  const before = { published: g.service.orders.published, duplicates: g.service.orders.duplicates };
  return {
    name,
    linkGoesDown: true,
    fail,
    recover: () => rig.nats.restart(),
    journal: () => d.gateway!.core.app.hub.journal.list(),
    published: () => ({ published: g.service.orders.published - before.published, duplicates: g.service.orders.duplicates - before.duplicates }),
  };
}

describe('the NATS server restarts mid-trading', () => {
  it('stopped and started: every command answered, every order on its venue once, consoles equal to the journal, no candle gap', async () => {
    const f = await tradeThroughOutage(rig.desk, rig.consoles, rig.setup, natsOutage('NATS stop + restart', () => rig.nats.stop()));
    expect(f.commandsSent).toBe(40);
  }, 240_000);

  it('killed (SIGKILL) and started on the same store: the same outcome', async () => {
    const f = await tradeThroughOutage(rig.desk, rig.consoles, rig.setup, natsOutage('NATS SIGKILL + restart', () => rig.nats.kill()));
    expect(f.commandsSent).toBe(40);
  }, 240_000);
});
