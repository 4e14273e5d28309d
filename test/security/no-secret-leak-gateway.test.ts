/**
 * Gateway mode (console → NATS → gateway core): the desk lead's console stores venue credentials
 * through its bridge, the console forwards that one request on `sb.admin.credentials.store`, and
 * the gateway's core keeps them in the real Secret Service (scripts/keychain-test.sh provides an
 * unlocked one and sets SWITCHBOARD_KEYCHAIN_TEST=1) and connects the venues, which are the local
 * simulators accepting only this suite's keys. A wiretap on NATS (the gateway's user, which may
 * read every subject) keeps every message from before the gateway starts. The credentials cross
 * NATS in the store requests only, once each, and nowhere else: not in a frame the console's
 * WebSocket client receives, a log line of console or gateway, a file of either, the gateway's
 * /metrics text, nor any other NATS message — the store requests' replies included.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candle, Instrument, Order } from '../../common/domain.js';
import { mul, nearestSteps } from '../../common/decimal.js';
import { appConfig } from '../../electron/app/config-file.js';
import { MODE_SELECTION_FILE } from '../../electron/app/create-app.js';
import type { GatewayLinkStatus } from '../../electron/gateway/link-status.js';
import { createLogger } from '../../electron/core/log.js';
import { startGateway, type Gateway } from '../../electron/gateway-cli.js';
import { deskUsers, type DeskRole } from '../../electron/gateway/nats-config.js';
import type { NatsLinkOptions } from '../../electron/gateway/nats-link.js';
import { EVENTS, inboxPrefixOf, methodSubject } from '../../electron/gateway/protocol.js';
import { startHeadless, type Headless } from '../../electron/headless.js';
import { CREDENTIAL_INDEX_FILE } from '../../electron/vault/credential-index.js';
import { VAULT_FILE_NAME } from '../../electron/vault/encrypted-file-store.js';
import { KeyringStore } from '../../electron/vault/keyring-store.js';
import { startKrakenSim, type KrakenSim } from '../../sim/kraken/server.js';
import { startTInvestSim, type TInvestSim } from '../../sim/tinvest/server.js';
import { startNats, type NatsServer } from '../nats/nats-server.js';
import { bothLive, Client, deleteVenueKeys, expectNothingStored, filesUnder, forbiddenSpellings, keepStderr, leakFinder, refuseMalformedStores, secretToolItems, simVenues, storeBoth, until } from './secret-scan.js';
import type { VenueKeys } from './secret-scan.js';

const LIVE = process.env['SWITCHBOARD_KEYCHAIN_TEST'] === '1';
const SKIP_REASON = 'skipped: needs an unlocked Secret Service; run scripts/keychain-test.sh (sets SWITCHBOARD_KEYCHAIN_TEST=1)';
/** Its own keyring service, so it never meets the other keychain suites' items. */
const SERVICE = `switchboard-leak-gw-test-${process.pid}`;
const STORE_SUBJECT = methodSubject('credentials.store');

const TINVEST_TOKEN = `t.${randomBytes(48).toString('base64url')}`;
const KRAKEN_KEY = randomBytes(42).toString('base64');
const KRAKEN_SECRET = randomBytes(64).toString('base64');
const KEYS: VenueKeys = { tinvestToken: TINVEST_TOKEN, krakenKey: KRAKEN_KEY, krakenSecret: KRAKEN_SECRET };
const leaks = leakFinder(forbiddenSpellings([TINVEST_TOKEN, KRAKEN_KEY, KRAKEN_SECRET], [KRAKEN_SECRET]));

/** The desk's NATS passwords, made per run. */
const PASSWORDS: Readonly<Record<DeskRole, string>> = {
  gateway: randomBytes(18).toString('base64url'),
  lead: randomBytes(18).toString('base64url'),
  trader: randomBytes(18).toString('base64url'),
  viewer: randomBytes(18).toString('base64url'),
};

/** One message the wiretap saw: its subject, reply subject, data (latin1, as bytes) and headers. */
interface Tapped {
  subject: string;
  reply: string;
  text: string;
}

function tapped(m: Msg): Tapped {
  const headers: string[] = [];
  if (m.headers) for (const [k, vs] of m.headers) headers.push(`${k}: ${vs.join(', ')}`);
  return { subject: m.subject, reply: m.reply ?? '', text: `${headers.join('\n')}\n${Buffer.from(m.data).toString('latin1')}` };
}

describe.skipIf(!LIVE)(`no secret leaves a gateway desk but in the store request${LIVE ? '' : ` (${SKIP_REASON})`}`, () => {
  let nats: NatsServer;
  let tap: NatsConnection | undefined;
  const wire: Tapped[] = [];
  let tsim: TInvestSim;
  let ksim: KrakenSim;
  let dir: string;
  let gateway: Gateway | undefined;
  let desk: Headless | undefined;
  /** A trader's console on the same desk: its user may not send sb.admin.> at all. */
  let traderDesk: Headless | undefined;
  const gatewayLines: string[] = [];
  const consoleLines: string[] = [];
  let stderr: ReturnType<typeof keepStderr> | undefined;
  /** Store requests the console's client sent and their answers: refused, and stored. */
  let refusedStores = 0;
  let acceptedStores = 0;
  /** The gateway's /metrics text, read while it ran. */
  let scrape = '';

  const path = {
    renderer: () => join(dir, 'renderer'),
    gatewayData: () => join(dir, 'gateway-data'),
    gatewayState: () => join(dir, 'gateway-state'),
    consoleData: () => join(dir, 'console-data'),
    traderData: () => join(dir, 'trader-data'),
  };

  const natsAs = (role: DeskRole): NatsLinkOptions => ({
    servers: [nats.url],
    user: role,
    password: PASSWORDS[role],
    // The desk's config lets a console read replies under its own prefix only.
    ...(role === 'gateway' ? {} : { inboxPrefix: inboxPrefixOf(role) }),
  });

  beforeAll(async () => {
    expect(spawnSync('sh', ['-c', 'command -v secret-tool']).status, 'apt-get install libsecret-tools').toBe(0);
    expect(secretToolItems(SERVICE)).toBe('');
    dir = mkdtempSync(join(tmpdir(), 'sb-leak-gw-'));
    mkdirSync(path.renderer());
    writeFileSync(join(path.renderer(), 'index.html'), '<!doctype html><title>Switchboard</title>');
    stderr = keepStderr();
    nats = await startNats({ jetstream: true, users: deskUsers(PASSWORDS) });
    // The wiretap listens before the gateway starts, so every message of the desk's life is kept.
    // (It also hears the gateway's own "another gateway?" probe and, answering nothing, costs that
    // probe its timeout: the gateway logs that something listens and starts.)
    tap = await connect({ servers: nats.url, user: 'gateway', pass: PASSWORDS.gateway, name: 'leak-test wiretap' });
    tap.subscribe('>', {
      callback: (err, m) => {
        if (err === null) wire.push(tapped(m));
      },
    });
    await tap.flush();
    tsim = await startTInvestSim({ token: TINVEST_TOKEN });
    ksim = await startKrakenSim({ apiKey: KRAKEN_KEY, apiSecret: KRAKEN_SECRET });
    gateway = await startGateway({
      nats: natsAs('gateway'),
      demo: false,
      config: appConfig({ venues: simVenues(tsim, ksim) }),
      secretStore: new KeyringStore({ service: SERVICE, timeoutMs: 20_000 }),
      log: createLogger('gateway', (line) => gatewayLines.push(line)),
      metrics: { host: '127.0.0.1', port: 0 },
      dataDir: path.gatewayData(),
      stateDir: path.gatewayState(),
    });
    desk = await startHeadless({
      port: 0,
      gateway: natsAs('lead'),
      rendererDir: path.renderer(),
      dataDir: path.consoleData(),
      log: createLogger('console', (line) => consoleLines.push(line)),
    });
    traderDesk = await startHeadless({
      port: 0,
      gateway: natsAs('trader'),
      rendererDir: path.renderer(),
      dataDir: path.traderData(),
      log: createLogger('console', (line) => consoleLines.push(line)),
    });
  }, 120_000);

  afterAll(async () => {
    await traderDesk?.close();
    await desk?.close();
    if (gateway) {
      await gateway.shutdown().catch(() => undefined);
      await gateway.close();
    }
    await tap?.close();
    await nats?.close();
    stderr?.restore();
    await deleteVenueKeys(SERVICE);
    await tsim?.close();
    await ksim?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("stores the keys at the gateway and no answer or push of the lead's console carries them", async () => {
    const c = new Client(desk!);
    await c.opened();
    // Forwarded to the gateway: the inspector there watches its venue wires from before the keys are stored.
    const inspector = await c.value<{ viewId: string }>('inspector.open', {});
    await expectNothingStored(c);
    refusedStores += await refuseMalformedStores(c, KEYS);

    // A well-formed store from a trader's console: the NATS server refuses its publish on
    // sb.admin.> (the desk's permissions), so it reaches neither the gateway nor the wiretap.
    const trader = new Client(traderDesk!);
    await trader.opened();
    expect(await trader.invoke('credentials.store', { venue: 'tinvest', credentials: { token: TINVEST_TOKEN, mode: 'sandbox' } })).toMatchObject({ ok: false, code: 'auth' });
    refusedStores += 1;
    expect(leaks(trader.frames.join('\n'))).toEqual([]);
    trader.close();

    acceptedStores += await storeBoth(c, KEYS);
    await bothLive(c);

    // A resting Kraken limit order, placed and cancelled: signed private calls on the gateway's wire.
    const pairs = await c.value<Instrument[]>('instruments.search', { venue: 'kraken', query: 'BTC', limit: 5 });
    const pair = await c.value<Instrument>('instruments.get', { venue: 'kraken', instrumentId: pairs[0]!.id });
    const bars = await c.value<Candle[]>('candles.history', { venue: 'kraken', instrumentId: pair.id, interval: '1m', limit: 5 });
    const clientOrderId = randomUUID();
    const placed = await c.value<Order>('orders.place', {
      venue: 'kraken',
      accountId: 'spot',
      instrumentId: pair.id,
      side: 'buy',
      type: 'limit',
      quantity: pair.minQty,
      price: nearestSteps(mul(bars.at(-1)!.close, '0.5'), pair.priceStep).down,
      clientOrderId,
    });
    expect(placed).toMatchObject({ venue: 'kraken', clientOrderId });
    await c.value('orders.cancel', { venue: 'kraken', accountId: 'spot', clientOrderId });

    await c.value('credentials.status', {});
    await c.value('diagnostics.get', {});
    expect(await c.value<GatewayLinkStatus>('gateway.link', {})).toMatchObject({ user: 'lead', state: 'live' });
    expect(await c.value('app.info', {})).toMatchObject({ gateway: { servers: [nats.url] } });
    // The gateway's inspector frames cross NATS in its replies: both venues' sign-ins are among them.
    const inspected = new Set<string>();
    for (let more = true; more; ) {
      const read = await c.value<{ more: boolean; frames: { venue: string }[] }>('inspector.read', { viewId: inspector.viewId });
      for (const f of read.frames) inspected.add(f.venue);
      more = read.more;
    }
    expect([...inspected].sort()).toEqual(['kraken', 'tinvest']);
    await c.value('inspector.close', { viewId: inspector.viewId });

    // The keys live in the gateway's keyring, not on the console's machine (here the same
    // keyring, so: no vault file, index or mode choice in the console's data folder).
    const items = secretToolItems(SERVICE);
    expect(items).toContain('tinvest');
    expect(items).toContain('kraken');
    for (const d of [path.consoleData(), path.traderData()]) {
      for (const name of [VAULT_FILE_NAME, CREDENTIAL_INDEX_FILE, MODE_SELECTION_FILE]) expect(existsSync(join(d, name)), name).toBe(false);
    }
    // The gateway keeps its index and mode choice (no secrets; scanned below) and, on a keyring, no vault file.
    expect(existsSync(join(path.gatewayData(), CREDENTIAL_INDEX_FILE))).toBe(true);
    expect(existsSync(join(path.gatewayData(), MODE_SELECTION_FILE))).toBe(true);
    expect(existsSync(join(path.gatewayData(), VAULT_FILE_NAME))).toBe(false);

    scrape = await (await fetch(gateway!.core.metricsServer!.url)).text();
    expect(scrape).toContain('switchboard_gateway_');
    expect(leaks(scrape)).toEqual([]);

    expect(leaks(c.frames.join('\n'))).toEqual([]);
    c.close();
    // A fast session can be over before the gateway's first once-a-second status broadcast: wait
    // for one, so the wire scanned below holds the broadcast with the gateway's whole picture.
    await until('the tap hears a status broadcast', async () => (wire.some((m) => m.subject === EVENTS.status) ? true : undefined));
  }, 120_000);

  it('writes no secret to a log or file of console or gateway, and NATS carries them only in the store requests', async () => {
    await traderDesk!.shutdown();
    await traderDesk!.close();
    traderDesk = undefined;
    await desk!.shutdown();
    await desk!.close();
    desk = undefined;
    await gateway!.shutdown();
    await gateway!.close();
    gateway = undefined;
    // Everything the server routed to the tap before this round trip has reached it.
    await tap!.flush();

    // The scans mean something only if the session was logged and the wire was heard.
    const gatewayLog = gatewayLines.join('\n');
    expect(gatewayLog).toContain('tinvest: connected with the stored credentials');
    expect(gatewayLog).toContain('kraken: connected with the stored credentials');
    expect(consoleLines.join('\n')).toContain('console started');
    // The tap listened from before the gateway started: the gateway's probe for another gateway heard it.
    expect(gatewayLog).toContain('something listens on sb.req.gw.hello but did not answer in time');
    expect(leaks(gatewayLog)).toEqual([]);
    expect(leaks(consoleLines.join('\n'))).toEqual([]);
    expect(leaks(stderr!.text.join(''))).toEqual([]);

    // The NATS server's own log and store (the ORDERS stream's files) too.
    expect(leaks(nats.log())).toEqual([]);
    const files = [path.consoleData(), path.traderData(), path.gatewayData(), path.gatewayState(), nats.storeDir].flatMap((d) => (existsSync(d) ? filesUnder(d) : []));
    expect(files.some((f) => f.path.endsWith(CREDENTIAL_INDEX_FILE))).toBe(true);
    expect(files.some((f) => f.path.startsWith(nats.storeDir) && f.path.includes('ORDERS'))).toBe(true);
    for (const f of files) expect(leaks(`${f.path}\n${f.text}`), f.path).toEqual([]);
    expect(leaks(scrape)).toEqual([]);

    // The store requests: one per accepted store. None of the four refused ones reached a
    // subscriber: the lead console's bridge checks every request against the contract's schema
    // before forwarding it (three), and the NATS server drops the trader's publish on sb.admin.> (one).
    const stores = wire.filter((m) => m.subject === STORE_SUBJECT);
    expect(refusedStores).toBe(4);
    expect(acceptedStores).toBe(2);
    expect(stores).toHaveLength(acceptedStores);
    expect(stores.map((m) => leaks(m.text).length > 0)).toEqual([true, true]);
    // Each store request carries its own venue's keys, and only those.
    expect(stores[0]!.text).toContain(JSON.stringify(TINVEST_TOKEN));
    expect(stores[1]!.text).toContain(JSON.stringify(KRAKEN_KEY));
    expect(stores[1]!.text).toContain(JSON.stringify(KRAKEN_SECRET));
    expect(stores[0]!.text).not.toContain(KRAKEN_KEY);
    expect(stores[1]!.text).not.toContain(TINVEST_TOKEN);

    // Every message that carries a secret is one of those requests: two of the whole wire.
    const carrying = wire.filter((m) => leaks(m.text).length > 0);
    expect(carrying).toEqual(stores);
    // Each was answered once, on the lead's own inbox, and the answer carries no secret.
    for (const s of stores) {
      expect(s.reply.startsWith(`${inboxPrefixOf('lead')}.`)).toBe(true);
      const replies = wire.filter((m) => m.subject === s.reply);
      expect(replies).toHaveLength(1);
      expect(leaks(replies[0]!.text)).toEqual([]);
    }
    // The tap heard the whole session: broadcasts, the order stream, the other forwarded methods.
    const subjects = new Set(wire.map((m) => m.subject));
    for (const s of ['sb.ev.status', 'sb.ev.hello', methodSubject('orders.place'), methodSubject('inspector.read')]) expect(subjects, s).toContain(s);
    expect([...subjects].some((s) => s.startsWith('sb.orders.kraken.'))).toBe(true);
  }, 60_000);
});
