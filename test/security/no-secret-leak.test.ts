/**
 * Secrets go in through one bridge method and never come back out. The headless app runs
 * with the real Secret Service (scripts/keychain-test.sh provides an unlocked one on a
 * private D-Bus session and sets SWITCHBOARD_KEYCHAIN_TEST=1; CI runs it) and its sandbox/live
 * endpoints aimed at the local simulators, which accept only the test's own keys. After
 * credentials are stored over the real WebSocket transport and every method and topic is
 * used — connects, orders, errors — no answer, push, log line or file of the app holds any
 * spelling of a secret. A restarted app connects again without asking; deleting removes the
 * keys from the keyring.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candle, Instrument, Order } from '../../common/domain.js';
import { METHOD_NAMES } from '../../electron/contract.js';
import type { CancelAllResult, RecordingStatus, VenueSummary } from '../../electron/contract.js';
import { add, mul, nearestSteps } from '../../common/decimal.js';
import { createLogger } from '../../electron/core/log.js';
import { startHeadless } from '../../electron/headless.js';
import { appConfig } from '../../electron/app/config-file.js';
import type { Headless, HeadlessOptions } from '../../electron/headless.js';
import { KeyringStore } from '../../electron/vault/keyring-store.js';
import { startKrakenSim } from '../../sim/kraken/server.js';
import type { KrakenSim } from '../../sim/kraken/server.js';
import { startTInvestSim } from '../../sim/tinvest/server.js';
import type { TInvestSim } from '../../sim/tinvest/server.js';
import { bothLive, Client, deleteVenueKeys, expectNothingStored, filesUnder, forbiddenSpellings, keepStderr, leakFinder, refuseMalformedStores, secretToolItems, simVenues, storeBoth, until } from './secret-scan.js';
import type { VenueKeys } from './secret-scan.js';

const LIVE = process.env['SWITCHBOARD_KEYCHAIN_TEST'] === '1';
const SKIP_REASON = 'skipped: needs an unlocked Secret Service; run scripts/keychain-test.sh (sets SWITCHBOARD_KEYCHAIN_TEST=1)';
/** Its own keyring service, so it never meets the vault suite's items running alongside. */
const SERVICE = `switchboard-leak-test-${process.pid}`;

const TINVEST_TOKEN = `t.${randomBytes(48).toString('base64url')}`;
const KRAKEN_KEY = randomBytes(42).toString('base64');
const KRAKEN_SECRET = randomBytes(64).toString('base64');
const KEYS: VenueKeys = { tinvestToken: TINVEST_TOKEN, krakenKey: KRAKEN_KEY, krakenSecret: KRAKEN_SECRET };
/** A webhook's signing key and a Telegram URL's bot token: they go into the vault too. */
const WEBHOOK_KEY = `whsec_${randomBytes(24).toString('base64url')}`;
const TELEGRAM_TOKEN = `123456789:${randomBytes(26).toString('base64url')}`;
const SECRETS = [TINVEST_TOKEN, KRAKEN_KEY, KRAKEN_SECRET, WEBHOOK_KEY, TELEGRAM_TOKEN];

const FORBIDDEN = forbiddenSpellings(SECRETS, [KRAKEN_SECRET]);
const leaks = leakFinder(FORBIDDEN);

describe.skipIf(!LIVE)(`no secret leaves the app${LIVE ? '' : ` (${SKIP_REASON})`}`, () => {
  let tsim: TInvestSim;
  let ksim: KrakenSim;
  let dir: string;
  let app: Headless | undefined;
  const logLines: string[] = [];
  let stderr: ReturnType<typeof keepStderr> | undefined;

  const options = (): HeadlessOptions => ({
    demo: false,
    rendererDir: join(dir, 'renderer'),
    stateDir: join(dir, 'state'),
    dataDir: join(dir, 'data'),
    secretStore: new KeyringStore({ service: SERVICE, timeoutMs: 20_000 }),
    config: appConfig({
      venues: simVenues(tsim, ksim),
    }),
    log: createLogger('headless', (line) => logLines.push(line)),
    // the metrics endpoint's text is scanned like the bridge's answers.
    metrics: { host: '127.0.0.1', port: 0 },
  });

  beforeAll(async () => {
    expect(spawnSync('sh', ['-c', 'command -v secret-tool']).status, 'apt-get install libsecret-tools').toBe(0);
    expect(secretToolItems(SERVICE)).toBe('');
    dir = mkdtempSync(join(tmpdir(), 'sb-leak-'));
    const renderer = join(dir, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Switchboard</title>');
    // Anything else in this process that writes to stderr (a library, a stray console call) is kept too.
    stderr = keepStderr();
    tsim = await startTInvestSim({ token: TINVEST_TOKEN });
    ksim = await startKrakenSim({ apiKey: KRAKEN_KEY, apiSecret: KRAKEN_SECRET });
    app = await startHeadless(options());
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    stderr?.restore();
    await deleteVenueKeys(SERVICE);
    await tsim?.close();
    await ksim?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('carries no secret in any answer or push, whatever is asked over the WebSocket', async () => {
    const c = new Client(app!);
    await c.opened();
    const diagnosticsPushed = c.topic('diagnostics');
    // The wire inspector watches the whole session from before the keys are stored: every frame
    // in and out (sign-in, Kraken's WS token, orders) it hands out is scanned at the end.
    const inspector = await c.value<{ viewId: string }>('inspector.open', {});

    await expectNothingStored(c);
    await refuseMalformedStores(c, KEYS);

    // Every frame of the signed-in session is recorded: the files are scanned with the rest below.
    expect(await c.value<RecordingStatus>('recording.start', {})).toMatchObject({ recording: true });
    await storeBoth(c, KEYS);
    await bothLive(c);
    expect(await c.value<VenueSummary>('venues.connect', { venue: 'tinvest', mode: 'sandbox' })).toMatchObject({ mode: 'sandbox', state: 'live' });

    // Market data on both venues.
    await c.value('app.info', {});
    const shares = await c.value<Instrument[]>('instruments.search', { venue: 'tinvest', query: 'S', limit: 5 });
    expect(shares.length).toBeGreaterThan(0);
    const pairs = await c.value<Instrument[]>('instruments.search', { venue: 'kraken', query: 'BTC', limit: 5 });
    const pair = await c.value<Instrument>('instruments.get', { venue: 'kraken', instrumentId: pairs[0]!.id });
    const bars = await c.value<Candle[]>('candles.history', { venue: 'kraken', instrumentId: pair.id, interval: '1m', limit: 5 });
    const batchPushed = c.topic('batch');
    const { subscriptionId } = await c.value<{ subscriptionId: string }>('candles.subscribe', { venue: 'kraken', instrumentId: pair.id, interval: '1m' });
    await c.value('candles.subscribe', { venue: 'tinvest', instrumentId: shares[0]!.id, interval: '1m' });
    await batchPushed;
    // Books, tapes and quotes of both venues: their pushes and the snapshot are scanned like the rest.
    const marketSubs: string[] = [];
    for (const [venue, instrumentId] of [
      ['kraken', pair.id],
      ['tinvest', shares[0]!.id],
    ] as const) {
      for (const key of [{ stream: 'book', depth: 10 }, { stream: 'trades' }, { stream: 'quote' }]) {
        marketSubs.push((await c.value<{ subscriptionId: string }>('market.subscribe', { venue, instrumentId, ...key })).subscriptionId);
      }
    }
    await c.topic('batch');
    await c.value('session.snapshot', {});
    await c.value('diagnostics.get', {});
    await diagnosticsPushed;

    // Alerts: webhooks with secrets (write-only), a rule that fires on the cancels below.
    const hookServer = createServer((req, res) => {
      req.resume();
      // A refusal: each delivery goes straight to the dead-letter list.
      req.on('end', () => res.writeHead(400).end());
    });
    await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}`;
    const generic = await c.value<{ id: string }>('webhooks.save', { name: 'ops', preset: 'generic', url: `${hookUrl}/hook`, secret: WEBHOOK_KEY });
    const telegram = await c.value<{ id: string }>('webhooks.save', { name: 'tg', preset: 'telegram', url: `${hookUrl}/bot${TELEGRAM_TOKEN}/sendMessage`, chatId: '42' });
    await c.value('webhooks.list', {});
    const alertPushed = c.topic('alert');
    const rule = await c.value<{ id: string }>('alerts.create', { kind: 'order', venue: 'kraken', events: ['cancel'], channels: { os: true, webhooks: [generic.id, telegram.id] } });
    await c.value('alerts.update', { id: rule.id, rule: { kind: 'order', venue: 'kraken', events: ['cancel', 'reject'], channels: { os: true, webhooks: [generic.id, telegram.id] } } });
    await c.value('alerts.list', {});

    // Orders: placed, cancelled, the panic key, and refusals of several kinds.
    const price = nearestSteps(mul(bars.at(-1)!.close, '0.5'), pair.priceStep).down;
    const order = (patch: Record<string, unknown> = {}): Record<string, unknown> => ({
      venue: 'kraken',
      accountId: 'spot',
      instrumentId: pair.id,
      side: 'buy',
      type: 'limit',
      quantity: pair.minQty,
      price,
      clientOrderId: randomUUID(),
      ...patch,
    });
    const first = order();
    expect(await c.value<Order>('orders.place', first)).toMatchObject({ venue: 'kraken', clientOrderId: first.clientOrderId });
    // An amend: a tick lower, its answer scanned too.
    const lower = nearestSteps(mul(price, '0.99'), pair.priceStep).down;
    expect(await c.value<Order>('orders.amend', { venue: 'kraken', accountId: 'spot', clientOrderId: first.clientOrderId, price: lower, amendId: randomUUID() })).toMatchObject({
      clientOrderId: first.clientOrderId,
    });
    await c.value('orders.list', {});
    // The history: the venue's own trades and orders merged in, P&L, and both exports.
    await c.value('trades.list', {});
    await c.value('positions.pnl', {});
    await c.value('history.exportCsv', { what: 'orders' });
    await c.value('history.exportCsv', { what: 'trades', venue: 'kraken' });
    await c.value('orders.cancel', { venue: 'kraken', accountId: 'spot', clientOrderId: first.clientOrderId });
    await c.value('orders.place', order());
    const panic = await c.value<CancelAllResult>('orders.cancelAll', {});
    expect(panic.cancelled).toBeGreaterThanOrEqual(1);
    // Half a tick off is off the grid whatever the price's digits look like.
    const offTick = add(price, mul(pair.priceStep, '0.5'));
    expect(await c.invoke('orders.place', order({ price: offTick }))).toMatchObject({ ok: false, code: 'invalid' });
    // Whatever T-Invest's order entry says to a Kraken-sized order, it is an answer to scan.
    expect(await c.invoke('orders.place', order({ venue: 'tinvest', accountId: tsim.accountId, instrumentId: shares[0]!.id }))).toMatchObject({ ok: false });
    await c.invoke('portfolio.get', { venue: 'kraken', accountId: 'spot' });
    await c.invoke('portfolio.get', { venue: 'tinvest', accountId: tsim.accountId });
    expect(await c.invoke('orders.cancel', { venue: 'kraken', accountId: 'spot', clientOrderId: 'never-placed' })).toMatchObject({ ok: false });

    // A disconnect and a reconnect sign in again with the stored keys.
    await c.value('venues.disconnect', { venue: 'kraken' });
    await c.value('venues.connect', { venue: 'kraken' });
    await c.value('candles.unsubscribe', { subscriptionId });
    for (const id of marketSubs) await c.value('market.unsubscribe', { subscriptionId: id });
    await c.value('credentials.status', {});
    await c.value('quitSettings.get', {});
    await c.value('quitSettings.set', { venue: 'kraken', cancelOnQuit: false });
    // The cancels fired the rule: its pushes, history, deliveries and dead letters are scanned.
    await alertPushed;
    await c.value('alerts.history', {});
    await c.value('webhooks.test', { id: telegram.id });
    const dead = await until('dead letters', async () => {
      const d = await c.value<{ id: string }[]>('alerts.deadLetters', {});
      return d.length >= 3 ? d : undefined;
    });
    await c.value('alerts.resend', { deliveryId: dead[0]!.id });
    await c.value('alerts.delete', { id: rule.id });
    // Deleting an endpoint deletes its secret from the keyring (the last test expects it empty).
    await c.value('webhooks.delete', { id: generic.id });
    await c.value('webhooks.delete', { id: telegram.id });
    hookServer.close();
    await c.value('recording.status', {});
    const recorded = await c.value<RecordingStatus>('recording.stop', {});
    expect(recorded.files.map((f) => f.venue).sort()).toEqual(['kraken', 'tinvest']);
    // Headless cannot open a folder: the refusal names the log file, and is scanned like the rest.
    expect(await c.invoke('app.openLogs', {})).toMatchObject({ ok: false });
    // Every frame the inspector kept is read out (and scanned with the rest below); the signed-in
    // session crossed both venues' wires, so there are frames of both.
    const inspected = new Set<string>();
    for (let more = true; more; ) {
      const read = await c.value<{ more: boolean; frames: { venue: string }[] }>('inspector.read', { viewId: inspector.viewId });
      for (const f of read.frames) inspected.add(f.venue);
      more = read.more;
    }
    expect([...inspected].sort()).toEqual(expect.arrayContaining(['kraken', 'tinvest']));
    await c.value('inspector.close', { viewId: inspector.viewId });
    // metrics, acknowledgement latency, the renderer's report; the scrape itself is scanned too.
    await c.value('orders.ackLatency', {});
    await c.value('metricsServer.get', {});
    // An app with a core of its own has no gateway link.
    expect(await c.value('gateway.link', {})).toBeNull();
    expect(await c.invoke('metricsServer.set', { enabled: false, port: 9464 })).toMatchObject({ ok: false });
    await c.value('perf.report', { tickToScreen: { buckets: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], sumMs: 1, count: 1 } });
    const scrape = await (await fetch(app!.metricsUrl!)).text();
    expect(scrape).toContain('switchboard_order_ack_latency_seconds_bucket');
    expect(leaks(scrape)).toEqual([]);

    expect([...c.called].sort()).toEqual([...METHOD_NAMES].filter((m) => m !== 'credentials.delete').sort());
    const everything = c.frames.join('\n');
    expect(leaks(everything)).toEqual([]);
    c.close();
  }, 120_000);

  it('writes no secret to the log or to any file of the app', async () => {
    await app!.close();
    app = undefined;
    const log = [...logLines, ...(stderr?.text ?? [])].join('');
    // The scan means something only if the session was logged.
    expect(log).toContain('tinvest: connected with the stored credentials');
    expect(log).toContain('kraken: connected with the stored credentials');
    expect(leaks(log)).toEqual([]);
    const files = filesUnder(dir);
    expect(files.map((f) => f.path).some((p) => p.endsWith('venue-modes.json'))).toBe(true);
    expect(files.filter((f) => f.path.endsWith('.sbrec'))).toHaveLength(2);
    for (const f of files) expect(leaks(`${f.path}\n${f.text}`), f.path).toEqual([]);
  }, 60_000);

  it('connects again after a restart without asking for the keys', async () => {
    app = await startHeadless(options());
    const c = new Client(app);
    await c.opened();
    await bothLive(c);
    expect(c.called).not.toContain('credentials.store');
    // Signed in, not just public: the private API answers.
    const pairs = await c.value<Instrument[]>('instruments.search', { venue: 'kraken', query: 'BTC', limit: 1 });
    const pair = await c.value<Instrument>('instruments.get', { venue: 'kraken', instrumentId: pairs[0]!.id });
    const bars = await c.value<Candle[]>('candles.history', { venue: 'kraken', instrumentId: pair.id, interval: '1m', limit: 1 });
    const placed = await c.invoke('orders.place', {
      venue: 'kraken',
      accountId: 'spot',
      instrumentId: pair.id,
      side: 'buy',
      type: 'limit',
      quantity: pair.minQty,
      price: nearestSteps(mul(bars.at(-1)!.close, '0.5'), pair.priceStep).down,
      clientOrderId: randomUUID(),
    });
    expect(placed).toMatchObject({ ok: true });
    expect(leaks(c.frames.join('\n'))).toEqual([]);
    c.close();
  }, 120_000);

  it('deletes the keys from the keyring and disconnects the venues signed in with them', async () => {
    const c = new Client(app!);
    await c.opened();
    expect(secretToolItems(SERVICE)).not.toBe('');
    await c.value('credentials.delete', { venue: 'tinvest' });
    const status = await c.value('credentials.delete', { venue: 'kraken' });
    expect(status).toEqual({ backend: 'secret-service', venues: [{ venue: 'tinvest', stored: false }, { venue: 'kraken', stored: false }] });
    expect(secretToolItems(SERVICE)).toBe('');
    // No demo build to fall back to: the venues are gone rather than connected with forgotten keys.
    expect(await c.value('venues.list', {})).toEqual([]);
    expect(await c.invoke('venues.connect', { venue: 'kraken', mode: 'live' })).toMatchObject({ ok: false, code: 'invalid' });
    expect(leaks(c.frames.join('\n'))).toEqual([]);
    c.close();
  }, 60_000);
});
