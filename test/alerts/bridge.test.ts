/**
 * Alerts over the bridge: the methods through a real Session (validation, results, typed
 * failures), a fired alert pushed as topic `alert` at once, and a webhook's secret never in an
 * answer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertRule, Delivery, FiredAlert, Result, WebhookEndpoint } from '../../electron/contract.js';
import { Session } from '../../electron/bridge/session.js';
import { Hub } from '../../electron/core/hub.js';
import { tradingVenues } from '../core/memory-trading-venue.js';
import type { MemoryTradingVenue } from '../core/memory-trading-venue.js';
import { TestCipher } from '../vault/test-cipher.js';
import { startReceiver } from './receiver.js';
import type { Receiver } from './receiver.js';
import { openRig } from './rig.js';
import type { AlertsRig } from './rig.js';

function value<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
  return r.value as T;
}

describe('alerts over the bridge', () => {
  let dir: string;
  let rig: AlertsRig;
  let session: Session;
  let venue: MemoryTradingVenue;
  let pushed: { topic: string; payload: unknown }[];
  let receiver: Receiver | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'alerts-bridge-'));
    const hub = new Hub();
    const venues = tradingVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    venue = venues.current();
    rig = openRig(dir, new TestCipher(), { attempts: 1, timeoutMs: 5_000 }, hub);
    pushed = [];
    session = new Session({ hub, alerts: rig.alerts, transport: 'websocket', push: (topic, payload) => pushed.push({ topic, payload }), diagnosticsMs: 0 });
  });
  afterEach(async () => {
    session.close();
    await rig.stop();
    await rig.hub.close();
    await receiver?.close();
    receiver = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('creates, lists, updates and deletes rules, and pushes a fired alert as topic alert', async () => {
    const rule = value<AlertRule>(await session.handle('alerts.create', { kind: 'price-below', venue: 'tinvest', instrumentId: 'id-SBER', level: '50', repeat: 'once', channels: { os: true, webhooks: [] } }));
    expect(value<AlertRule[]>(await session.handle('alerts.list', {}))).toEqual([rule]);
    venue.emitQuote({ venue: 'tinvest', instrumentId: 'id-SBER', last: '51', time: Date.now() });
    venue.emitQuote({ venue: 'tinvest', instrumentId: 'id-SBER', last: '49', time: Date.now() });
    const alerts = pushed.filter((p) => p.topic === 'alert').map((p) => p.payload as FiredAlert);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ ruleId: rule.id, kind: 'price-below', price: '49', os: true });
    expect(value<FiredAlert[]>(await session.handle('alerts.history', {})).map((a) => a.id)).toEqual([alerts[0]?.id]);

    // Spent; an update re-arms it with new terms.
    expect(value<AlertRule[]>(await session.handle('alerts.list', {}))[0]?.active).toBe(false);
    const again = value<AlertRule>(await session.handle('alerts.update', { id: rule.id, rule: { kind: 'price-above', venue: 'tinvest', instrumentId: 'id-SBER', level: '60', repeat: 'rearm', channels: { os: false, webhooks: [] } } }));
    expect(again).toMatchObject({ id: rule.id, active: true, level: '60' });
    expect(value(await session.handle('alerts.delete', { id: rule.id }))).toBeNull();
    expect(value<AlertRule[]>(await session.handle('alerts.list', {}))).toEqual([]);
    const missing = await session.handle('alerts.delete', { id: rule.id });
    expect(missing.ok ? undefined : missing.code).toBe('not-found');
  });

  it('keeps a webhook secret write-only, and tests, dead-letters and resends through the methods', async () => {
    let healthy = false;
    receiver = await startReceiver('bridge-key-XYZ123', () => (healthy ? { status: 200 } : { status: 500 }));
    const saved = value<WebhookEndpoint>(await session.handle('webhooks.save', { name: 'ops', preset: 'generic', url: receiver.url, secret: 'bridge-key-XYZ123' }));
    expect(saved.secretSet).toBe(true);
    const listed = value<WebhookEndpoint[]>(await session.handle('webhooks.list', {}));
    expect(JSON.stringify(listed)).not.toContain('bridge-key-XYZ123');

    const d = value<Delivery>(await session.handle('webhooks.test', { id: saved.id }));
    await rig.alerts.sender.idle();
    expect(value<Delivery[]>(await session.handle('alerts.deadLetters', {})).map((x) => x.id)).toEqual([d.id]);
    healthy = true;
    value(await session.handle('alerts.resend', { deliveryId: d.id }));
    await rig.alerts.sender.idle();
    expect(value<Delivery[]>(await session.handle('alerts.deadLetters', {}))).toEqual([]);
    expect(receiver.received.map((r) => r.signed)).toEqual([true, true]);

    const refused = await session.handle('webhooks.save', { name: 'x', preset: 'generic', url: 'file:///etc/passwd' });
    expect(refused.ok ? undefined : refused.code).toBe('bad-request');
    expect(value(await session.handle('webhooks.delete', { id: saved.id }))).toBeNull();
    expect(value<WebhookEndpoint[]>(await session.handle('webhooks.list', {}))).toEqual([]);
  });
});
