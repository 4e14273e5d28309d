/**
 * The gateway's side of the protocol against a real nats-server with the desk's users: leases
 * counted across consoles and released when a console goes silent, commands remembered by
 * request id, subjects that refuse methods of another class, hostile bytes answered and
 * counted; and the console's side: a sequence gap brings a snapshot, a bad message is skipped,
 * a read-only console is told why it may not trade.
 */
import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CandleKey } from '../../common/domain.js';
import { candleKeyId } from '../../common/domain.js';
import { deskUsers } from '../../electron/gateway/nats-config.js';
import { CONTROL, candleSubject, inboxPrefixOf, methodSubject } from '../../electron/gateway/protocol.js';
import type { GatewayReply, GatewayRequest } from '../../electron/gateway/protocol.js';
import { startNats } from '../nats/nats-server.js';
import type { NatsServer } from '../nats/nats-server.js';
import { until } from '../e2e/workspace-page.js';
import { Desk } from './desk-rig.js';

const PASSWORDS = { gateway: randomUUID(), lead: randomUUID(), trader: randomUUID(), viewer: randomUUID() };
let nats: NatsServer | undefined;
let desk: Desk | undefined;
/** A raw client logged in as a trader: what any console could send. */
let raw: NatsConnection | undefined;
let key: CandleKey;

const as = (user: keyof typeof PASSWORDS) => ({ servers: [nats!.url], user, password: PASSWORDS[user] });
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const dec = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) as unknown;

beforeAll(async () => {
  nats = await startNats({ jetstream: true, users: deskUsers(PASSWORDS) });
  desk = new Desk({ nats: () => as('gateway'), natsAs: (role) => (role === 'gateway' ? as('gateway') : as('trader')), leaseMs: 1_500, metrics: true });
  await desk.start();
  raw = await connect({ servers: nats.url, user: 'trader', pass: PASSWORDS.trader, inboxPrefix: inboxPrefixOf('trader') });
  const c = await desk.addConsole('probe');
  // The gateway connects its venues itself; a trader may not (that is the lead's, sb.admin).
  await until('Kraken is live at the gateway', async () => ((await c.client.value('venues.list', {})).find((v) => v.id === 'kraken')?.state === 'live' ? true : undefined));
  const pair = (await c.client.value('instruments.search', { venue: 'kraken', query: 'BTC', limit: 1 }))[0]!;
  key = { venue: 'kraken', instrumentId: pair.id, interval: '1m' };
}, 180_000);

afterAll(async () => {
  await raw?.close();
  await desk?.close();
  await nats?.close();
}, 120_000);

async function request(subject: string, body: unknown): Promise<unknown> {
  const m = await raw!.request(subject, enc(body), { timeout: 10_000 });
  return dec(m.data);
}

function call(method: Parameters<typeof methodSubject>[0], consoleId: string, requestId: string, req: unknown): Promise<GatewayReply> {
  const envelope: GatewayRequest = { consoleId, clientId: 'c1', requestId, request: req };
  return request(methodSubject(method), envelope) as Promise<GatewayReply>;
}

describe('the gateway', () => {
  it('holds one venue subscription for a key however many consoles lease it, and releases a silent console when its lease runs out', async () => {
    const hub = desk!.gateway!.core.app.hub;
    const consoles = desk!.gateway!.service.consoles;
    const before = consoles.count;
    await request(CONTROL.lease, { consoleId: 'lease-a', candles: [key], markets: [] });
    await request(CONTROL.lease, { consoleId: 'lease-b', candles: [key], markets: [] });
    expect(hub.refCount(key)).toBe(1);
    expect(consoles.count).toBe(before + 2);
    // b says goodbye: a still holds it.
    await request(CONTROL.bye, { consoleId: 'lease-b' });
    expect(hub.refCount(key)).toBe(1);
    // a just stops renewing (a console that crashed): its lease runs out, the key goes.
    await until('the silent console is released', async () => (hub.refCount(key) === 0 ? true : undefined));
    expect(consoles.count).toBe(before);
    expect(desk!.gateway!.service.consoles.expired).toBeGreaterThanOrEqual(1);
  });

  it('answers a repeated command (same request id) with the first answer, and the venue gets one order', async () => {
    const c = desk!.consoles[0]!;
    const make = await desk!.restingOrder(c, 'kraken', 'BTC');
    const order = make();
    const requestId = randomUUID();
    const [first, second] = await Promise.all([call('orders.place', 'retrier', requestId, order), call('orders.place', 'retrier', requestId, order)]);
    expect(first).toEqual(second);
    expect(first.ok).toBe(true);
    // A new request id for the same client order id: the journal's order, nothing sent again.
    const third = await call('orders.place', 'retrier', randomUUID(), order);
    expect(third.ok && (third.value as { clientOrderId: string }).clientOrderId).toBe(order.clientOrderId);
    expect([...desk!.kraken.record.orders.values()].filter((o) => o.clOrdId === order.clientOrderId)).toHaveLength(1);
    expect(desk!.gateway!.service.commands.repeats).toBeGreaterThanOrEqual(1);
    await call('orders.cancel', 'retrier', randomUUID(), { venue: 'kraken', accountId: order.accountId, clientOrderId: order.clientOrderId });
  });

  it('serves a method only on its own class of subject, and answers unreadable requests without stopping', async () => {
    const onRead = await request('sb.req.orders.place', { consoleId: 'x', clientId: 'c', requestId: 'r1', request: {} });
    expect(onRead).toMatchObject({ ok: false, code: 'bad-request' });
    expect((onRead as { message: string }).message).toContain('sb.cmd.orders.place');
    expect(await request('sb.req.no.such', { consoleId: 'x', clientId: 'c', requestId: 'r2', request: {} })).toMatchObject({ ok: false, code: 'unknown-method' });
    const garbage = await raw!.request('sb.req.venues.list', new TextEncoder().encode('{"consoleId": 5'), { timeout: 10_000 });
    expect(dec(garbage.data)).toMatchObject({ ok: false, code: 'bad-request' });
    // A request the contract refuses: the bridge's own validation, at the gateway.
    expect(await call('candles.history', 'x', 'r3', { venue: 'nowhere' })).toMatchObject({ ok: false, code: 'bad-request' });
    // Still serving.
    expect(await call('venues.list', 'x', 'r4', {})).toMatchObject({ ok: true });
  });
});

describe("the gateway's metrics", () => {
  it('serve consoles, leased keys, market data, the order stream and commands beside the core’s own', async () => {
    const url = desk!.gateway!.core.metricsServer!.url;
    const text = await (await fetch(url, { headers: { accept: 'text/plain; version=0.0.4' } })).text();
    const value = (name: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      expect(line, `${name} is served`).toBeDefined();
      return Number(line!.split(' ')[1]);
    };
    expect(value('switchboard_gateway_nats_connected')).toBe(1);
    expect(value('switchboard_gateway_consoles')).toBeGreaterThanOrEqual(1);
    expect(value('switchboard_gateway_order_events_published')).toBeGreaterThan(0);
    expect(value('switchboard_gateway_order_stream_seq')).toBeGreaterThan(0);
    expect(value('switchboard_gateway_order_stream_backlog')).toBe(0);
    expect(text).toMatch(/^switchboard_gateway_commands\{outcome="served"\} [1-9]/m);
    expect(text).toMatch(/^switchboard_gateway_commands\{outcome="repeat"\} [1-9]/m);
    // The core's own metrics are there too: the venues as the gateway connects them.
    expect(text).toMatch(/^switchboard_connection_state\{venue="kraken",connection="[^"]+",state="live"\} 1/m);
  });
});

describe('a console', () => {
  it('asks for a snapshot when a subject skips a sequence number, and skips a message that fails its check', async () => {
    const c = desk!.consoles[0]!;
    await c.client.value('candles.subscribe', key);
    const link = c.app.gateway!;
    await until('candles flow to the console', async () => (link.marketMessages > 2 ? true : undefined));
    const gaps = link.gaps;
    const snapshots = link.snapshots;
    const malformed = link.malformed;
    // The gateway user may publish market data; a message from "the gateway" that jumps ahead.
    const gw = await connect({ servers: nats!.url, user: 'gateway', pass: PASSWORDS.gateway });
    try {
      const forming = await c.client.value('session.snapshot', {});
      const bar = forming.candles.find((x) => candleKeyId(x) === candleKeyId(key))!;
      gw.publish(candleSubject(key), enc({ g: desk!.gateway!.service.gatewayId, s: 1_000_000, candles: [bar] }));
      await until('the gap is noticed and a snapshot asked', async () => (link.gaps > gaps && link.snapshots > snapshots ? true : undefined));
      gw.publish(candleSubject(key), new TextEncoder().encode('{"g": "x", "s": 1, "candles": [{"open": "1e3"}]}'));
      await until('the bad message is counted', async () => (link.malformed > malformed ? true : undefined));
      const status = await c.client.value('gateway.link', {});
      expect(status?.lastError).toMatch(/skipped a message/);
    } finally {
      await gw.close();
    }
    // Still live, still receiving.
    const n = link.marketMessages;
    await until('candles still flow', async () => (link.marketMessages > n + 2 ? true : undefined));
  });

  it('on a read-only user is refused with a clear message when it tries to trade, and nothing reaches the venue', async () => {
    const viewer = await desk!.addConsole('viewer', as('viewer'));
    const trader = desk!.consoles[0]!;
    const make = await desk!.restingOrder(trader, 'kraken', 'BTC');
    const order = make();
    const r = await viewer.client.request('orders.place', order);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('auth');
    expect(r.message).toContain('read-only');
    expect(r.message).toContain('sb.cmd.orders.place');
    expect(r.message).toContain('"viewer"');
    expect([...desk!.kraken.record.orders.values()].filter((o) => o.clOrdId === order.clientOrderId)).toHaveLength(0);
    // Reads still work for it.
    expect((await viewer.client.value('venues.list', {})).length).toBe(2);
  });
});
