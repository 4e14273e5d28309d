/**
 * The gateway's own metrics, in the core's registry (served by --metrics beside the venue
 * connections and order latencies): consoles attached, keys leased, market-data messages and
 * candles published, the order stream's position, backlog and counts, commands served. Read from
 * the running service at scrape time; nothing is pushed on the hot path.
 */
import { Counter, Gauge } from 'prom-client';
import type { AppMetrics } from '../../metrics/app-metrics.js';
import type { GatewayService } from './gateway.js';

const P = 'switchboard_gateway_';

export function registerGatewayMetrics(metrics: AppMetrics, service: GatewayService): void {
  const registers = [metrics.registry];
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name: `${P}${name}`,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  };
  // Totals the service counts itself: a counter set to its value at each scrape.
  const total = (name: string, help: string, read: () => number): void => {
    new Counter({
      name: `${P}${name}`,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  };
  gauge('nats_connected', 'Whether the gateway’s NATS connection is up (1) or not (0).', () => (service.nc.isClosed() ? 0 : 1));
  gauge('consoles', 'Consoles holding a lease now.', () => service.consoles.count);
  gauge('leased_keys', 'Market-data keys held for at least one console (one venue subscription each).', () => service.fanout.heldKeys);
  total('consoles_expired', 'Consoles released because their lease ran out (no renewal).', () => service.consoles.expired);
  total('market_messages', 'Market-data messages published to consoles.', () => service.fanout.messages);
  total('market_candles', 'Candle states published to consoles.', () => service.fanout.candles);
  gauge('order_stream_seq', 'The ORDERS stream’s last sequence this gateway stored.', () => service.orders.lastSeq);
  gauge('order_stream_backlog', 'Order updates waiting to be stored in ORDERS.', () => service.orders.backlog);
  total('order_events_published', 'Order updates stored in ORDERS.', () => service.orders.published);
  total('order_events_duplicate', 'Order updates ORDERS had already (a retry the stream dropped by message id).', () => service.orders.duplicates);
  total('order_events_reconciled', 'Order updates sent on start because ORDERS lacked them.', () => service.orders.reconciled);
  new Counter({
    name: `${P}commands`,
    help: 'Console requests: served, answered again from memory (a retry), refused before running.',
    labelNames: ['outcome'],
    registers,
    collect() {
      this.reset();
      this.inc({ outcome: 'served' }, service.commands.served);
      this.inc({ outcome: 'repeat' }, service.commands.repeats);
      this.inc({ outcome: 'refused' }, service.commands.refused);
    },
  });
}
