/**
 * Consoles on a gateway, end to end over a real nats-server with JetStream: market data fans out
 * with one venue subscription for every console, an order placed in one console reaches the
 * other's pushes and list, a retried command places nothing twice, a console that vanishes
 * releases its interest when its lease runs out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candle } from '../../common/domain.js';
import { candleKeyId } from '../../common/domain.js';
import { startNats } from '../nats/nats-server.js';
import type { NatsServer } from '../nats/nats-server.js';
import { until } from '../e2e/workspace-page.js';
import { Desk } from './desk-rig.js';
import type { DeskConsole } from './desk-rig.js';

let nats: NatsServer | undefined;
let desk: Desk | undefined;
let a: DeskConsole;
let b: DeskConsole;

beforeAll(async () => {
  nats = await startNats({ jetstream: true });
  desk = new Desk({ nats: () => ({ servers: [nats!.url] }), leaseMs: 3_000 });
  await desk.start();
  a = await desk.addConsole('a');
  b = await desk.addConsole('b');
}, 180_000);

afterAll(async () => {
  await desk?.close();
  await nats?.close();
}, 120_000);

function candlesOf(c: DeskConsole, keyId: string): Candle[] {
  return c.batches.flatMap((x) => x.candles).filter((k) => candleKeyId(k) === keyId);
}

describe('consoles attached to a gateway', () => {
  it('answer app.info and the link as consoles, and list the venues the gateway runs', async () => {
    const info = await a.client.value('app.info', {});
    expect(info.gateway?.servers).toEqual([nats!.url]);
    const link = await until('the link is live', async () => {
      const l = await a.client.value('gateway.link', {});
      return l?.state === 'live' ? l : undefined;
    });
    expect(link.gatewayId).toBe(desk!.gateway!.service.gatewayId);
    const venues = await until('the gateway reports its venues', async () => {
      const v = await a.client.value('venues.list', {});
      return v.length === 2 ? v : undefined;
    });
    expect(venues.map((v) => v.id).sort()).toEqual(['kraken', 'tinvest']);
  });

  it('fan out one chart to both consoles over one venue subscription', async () => {
    await a.client.value('venues.connect', { venue: 'kraken' });
    const pair = (await a.client.value('instruments.search', { venue: 'kraken', query: 'BTC', limit: 1 }))[0]!;
    const key = { venue: 'kraken' as const, instrumentId: pair.id, interval: '1m' as const };
    await a.client.value('candles.subscribe', key);
    await b.client.value('candles.subscribe', key);
    const id = candleKeyId(key);
    await until('both consoles get candles of the chart', async () => (candlesOf(a, id).length > 2 && candlesOf(b, id).length > 2 ? true : undefined));
    expect(desk!.gateway!.core.app.hub.refCount(key)).toBe(1);
  });

  it('show an order placed in one console in the other, once placed however often it is sent', async () => {
    const make = await desk!.restingOrder(a, 'kraken', 'BTC');
    const req = make();
    const placed = await a.client.value('orders.place', req);
    expect(placed.status).toBe('open');
    // The same client order id again (a retry after a timeout): the journal's order, nothing sent.
    const again = await a.client.value('orders.place', req);
    expect(again.clientOrderId).toBe(req.clientOrderId);
    const seen = await until('console b gets the order pushed', async () => b.orderEvents.get(req.clientOrderId)?.find((o) => o.status === 'open'));
    expect(seen.price).toBe(req.price);
    const listed = await b.client.value('orders.list', {});
    expect(listed.some((o) => o.clientOrderId === req.clientOrderId)).toBe(true);
    expect([...desk!.kraken.record.orders.values()].filter((o) => o.clOrdId === req.clientOrderId)).toHaveLength(1);
    await b.client.value('orders.cancel', { venue: 'kraken', accountId: req.accountId, clientOrderId: req.clientOrderId });
    await until('console a sees b cancel it', async () => a.orderEvents.get(req.clientOrderId)?.find((o) => o.status === 'cancelled'));
  });
});
