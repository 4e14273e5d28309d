/**
 * Rules fired by what the hub sees: a price crossing its level (and not a price already past
 * it), order events, a venue out of live longer than N s and back. The hub is the real one;
 * the venue is the core tests' in-memory venue, which lets a test say exactly which price comes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Quote } from '../../common/domain.js';
import { Alerts } from '../../electron/alerts/alerts.js';
import type { FiredAlert } from '../../electron/alerts/types.js';
import { AlertStore } from '../../electron/store/alert-store.js';
import { openDatabase } from '../../electron/store/db.js';
import { Hub } from '../../electron/core/hub.js';
import { candle } from '../core/memory-venue.js';
import { tradingVenues } from '../core/memory-trading-venue.js';
import type { MemoryTradingVenue } from '../core/memory-trading-venue.js';
import { TestCipher } from '../vault/test-cipher.js';
import { startReceiver } from './receiver.js';
import type { Receiver } from './receiver.js';
import { openRig } from './rig.js';
import type { AlertsRig } from './rig.js';

const INSTRUMENT = 'id-SBER';
const QUOTE_KEY = { venue: 'tinvest', instrumentId: INSTRUMENT, stream: 'quote' } as const;
const quote = (last: string): Quote => ({ venue: 'tinvest', instrumentId: INSTRUMENT, last, time: Date.now() });
const noWebhooks = { os: false, webhooks: [] };

describe('the alert engine over the hub', () => {
  let dir: string;
  let rig: AlertsRig;
  let venue: MemoryTradingVenue;
  let fired: FiredAlert[];
  let receiver: Receiver | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'alerts-engine-'));
    const hub = new Hub();
    const venues = tradingVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    venue = venues.current();
    rig = openRig(dir, new TestCipher(), undefined, hub);
    fired = [];
    rig.alerts.on((a) => fired.push(a));
  });
  afterEach(async () => {
    await rig.stop();
    await rig.hub.close();
    await receiver?.close();
    receiver = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('fires a price-above rule on the crossing only, then spends a once rule and releases its quote', async () => {
    const rule = rig.alerts.create({ kind: 'price-above', venue: 'tinvest', instrumentId: INSTRUMENT, level: '101.50', repeat: 'once', channels: noWebhooks });
    // The rule holds the quote the price comes from, though no chart or watchlist asks for it.
    expect(rig.hub.marketRefCount(QUOTE_KEY)).toBe(1);
    expect(venue.marketActive.size).toBe(1);

    venue.emitQuote(quote('102')); // the first price: already above, no crossing seen
    venue.emitQuote(quote('101.4'));
    venue.emitQuote(quote('101.49'));
    expect(fired).toEqual([]);
    venue.emitQuote(quote('101.5')); // reaches the level from below: a crossing
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ ruleId: rule.id, kind: 'price-above', venue: 'tinvest', instrumentId: INSTRUMENT, price: '101.5' });

    venue.emitQuote(quote('100'));
    venue.emitQuote(quote('103'));
    expect(fired).toHaveLength(1);
    expect(rig.alerts.list()).toEqual([{ ...rule, active: false }]);
    expect(rig.store.rules()).toEqual([{ ...rule, active: false }]);
    expect(rig.hub.marketRefCount(QUOTE_KEY)).toBe(0);
    expect(rig.alerts.history(10).map((a) => a.id)).toEqual([fired[0]?.id]);
  });

  it('re-arms a rearm rule: a price-below fires on every crossing down, from candles as well as quotes', async () => {
    rig.alerts.create({ kind: 'price-below', venue: 'tinvest', instrumentId: INSTRUMENT, level: '100', repeat: 'rearm', channels: noWebhooks });
    const key = { venue: 'tinvest', instrumentId: INSTRUMENT, interval: '1m' } as const;
    rig.hub.retain(key);
    venue.emit(candle(key, 0, 101));
    venue.emit(candle(key, 0, 99.5));
    venue.emitQuote(quote('100.01'));
    venue.emitQuote(quote('100'));
    expect(fired.map((a) => a.price)).toEqual(['99.5', '100']);
    rig.hub.release(key);
  });

  it('fires a re-arming rule at most once per cool-down while the price dances on the level', async () => {
    let now = 1_000_000;
    const db = openDatabase({ file: ':memory:' });
    const alerts = new Alerts({ hub: rig.hub, store: new AlertStore(db), vault: undefined, rearmCooldownMs: 10_000, now: () => now });
    const seen: FiredAlert[] = [];
    alerts.on((a) => seen.push(a));
    alerts.create({ kind: 'price-above', venue: 'tinvest', instrumentId: INSTRUMENT, level: '100', repeat: 'rearm', channels: noWebhooks });
    for (const p of ['99', '101', '99', '101', '99', '101']) venue.emitQuote(quote(p));
    expect(seen).toHaveLength(1);
    now += 10_000;
    venue.emitQuote(quote('99'));
    venue.emitQuote(quote('101'));
    expect(seen).toHaveLength(2);
    alerts.close();
    db.close();
  });

  it('releases the quote when a rule is deleted, and a second rule on the instrument shares it', async () => {
    const a = rig.alerts.create({ kind: 'price-above', venue: 'tinvest', instrumentId: INSTRUMENT, level: '1', repeat: 'rearm', channels: noWebhooks });
    const b = rig.alerts.create({ kind: 'price-below', venue: 'tinvest', instrumentId: INSTRUMENT, level: '1', repeat: 'rearm', channels: noWebhooks });
    expect(rig.hub.marketRefCount(QUOTE_KEY)).toBe(2);
    expect(venue.marketActive.size).toBe(1);
    rig.alerts.delete(a.id);
    expect(rig.hub.marketRefCount(QUOTE_KEY)).toBe(1);
    rig.alerts.delete(b.id);
    expect(rig.hub.marketRefCount(QUOTE_KEY)).toBe(0);
    expect(venue.marketActive.size).toBe(0);
  });

  it('fires order rules on a reject and a fill of the chosen venue, once each', async () => {
    rig.alerts.create({ kind: 'order', venue: 'tinvest', events: ['reject', 'fill'], channels: noWebhooks });
    rig.alerts.create({ kind: 'order', venue: 'kraken', events: ['reject', 'fill', 'cancel', 'partial-fill'], channels: noWebhooks });
    venue.answer = 'reject';
    await expect(rig.hub.journal.place({ venue: 'tinvest', accountId: 'acc-1', instrumentId: INSTRUMENT, side: 'buy', type: 'limit', quantity: '1', price: '100', clientOrderId: '00000000-0000-4000-8000-000000000001' })).rejects.toThrow(/not enough money/);
    expect(rig.hub.orders().find((o) => o.clientOrderId === '00000000-0000-4000-8000-000000000001')?.status).toBe('rejected');
    expect(fired.map((a) => a.title)).toEqual(['Order rejected']);
    expect(fired[0]?.message).toContain('not enough money');

    venue.answer = 'ack';
    const placed = await rig.hub.journal.place({ venue: 'tinvest', accountId: 'acc-1', instrumentId: INSTRUMENT, side: 'sell', type: 'limit', quantity: '2', price: '100', clientOrderId: '00000000-0000-4000-8000-000000000002' });
    expect(placed.status).toBe('open');
    const filled = { ...placed, status: 'filled' as const, filledQuantity: '2', averagePrice: '100' };
    venue.update(filled);
    venue.update(filled); // the same news again (a reconnect's reconciliation): no second alert
    expect(fired.map((a) => a.title)).toEqual(['Order rejected', 'Order filled']);
    expect(fired[1]).toMatchObject({ clientOrderId: placed.clientOrderId, venue: 'tinvest' });
  });

  it('fires connection-down when a live venue stays out of live longer than N s, and says when it is back', async () => {
    rig.alerts.create({ kind: 'connection-down', venue: 'tinvest', seconds: 1, channels: noWebhooks });
    const down = new Promise<FiredAlert>((resolve) => rig.alerts.on((a) => resolve(a)));
    venue.stream.state('reconnecting', 'socket closed');
    const alert = await down;
    expect(alert).toMatchObject({ kind: 'connection-down', venue: 'tinvest', title: 'tinvest is down' });
    expect(alert.phase).toBeUndefined();
    venue.stream.state('live', 'ready');
    expect(fired.map((a) => a.phase)).toEqual([undefined, 'recovered']);

    // Back within N s: nothing is said.
    venue.stream.state('reconnecting', 'blip');
    venue.stream.state('live', 'ready');
    expect(fired).toHaveLength(2);
  });

  it('sends a fired price alert to the rule\'s webhook, signed, with the price in the body', async () => {
    receiver = await startReceiver('k-123456789', () => ({ status: 200 }));
    const hook = await rig.alerts.saveWebhook({ name: 'ops', preset: 'generic', url: receiver.url, secret: 'k-123456789' });
    rig.alerts.create({ kind: 'price-above', venue: 'tinvest', instrumentId: INSTRUMENT, level: '10', repeat: 'once', label: 'SBER breakout', channels: { os: true, webhooks: [hook.id] } });
    venue.emitQuote(quote('9'));
    venue.emitQuote(quote('10.5'));
    await rig.alerts.sender.idle();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.signed).toBe(true);
    expect(receiver.received[0]?.headers['switchboard-event']).toBe('price-above');
    const body = JSON.parse(receiver.received[0]?.body ?? '') as { alert: FiredAlert };
    expect(body.alert).toMatchObject({ kind: 'price-above', price: '10.5', title: 'SBER breakout: id-SBER above 10' });
    expect(fired[0]?.os).toBe(true);
  });
});
