/**
 * Alerts survive a restart on the same database file and vault: rules come back armed, dead
 * letters stay resendable, and a delivery pending at shutdown is resumed under the same id
 * (the receiver can de-dup on Switchboard-Delivery), not lost and not sent as a new one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Hub } from '../../electron/core/hub.js';
import { tradingVenues } from '../core/memory-trading-venue.js';
import { TestCipher } from '../vault/test-cipher.js';
import { startReceiver } from './receiver.js';
import type { Receiver } from './receiver.js';
import { openRig } from './rig.js';
import type { AlertsRig } from './rig.js';

const KEY = 'restart-key-0123456789';

describe('alerts across a restart', () => {
  let dir: string;
  let rig: AlertsRig | undefined;
  let receiver: Receiver | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'alerts-restart-'));
  });
  afterEach(async () => {
    await rig?.stop();
    await receiver?.close();
    rig = undefined;
    receiver = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function hubWithVenue(): Promise<Hub> {
    const hub = new Hub();
    hub.addVenue(tradingVenues().factory);
    await hub.connect('tinvest');
    return hub;
  }

  it('keeps rules (armed again, holding their quote), webhooks and dead letters', async () => {
    const cipher = new TestCipher();
    let healthy = false;
    receiver = await startReceiver(KEY, () => (healthy ? { status: 200 } : { status: 503 }));
    rig = openRig(dir, cipher, { attempts: 2, timeoutMs: 5_000, backoff: { baseMs: 5, maxMs: 10 } }, await hubWithVenue());
    const hook = await rig.alerts.saveWebhook({ name: 'ops', preset: 'generic', url: receiver.url, secret: KEY });
    const price = rig.alerts.create({ kind: 'price-above', venue: 'tinvest', instrumentId: 'id-SBER', level: '5', repeat: 'rearm', channels: { os: true, webhooks: [hook.id] } });
    const conn = rig.alerts.create({ kind: 'connection-down', venue: 'tinvest', seconds: 30, channels: { os: false, webhooks: [] } });
    const d = rig.alerts.testWebhook(hook.id);
    await rig.alerts.sender.idle();
    expect(rig.alerts.deadLetters(10).map((x) => x.id)).toEqual([d.id]);
    await rig.stop();
    await rig.hub.close();

    rig = openRig(dir, cipher, undefined, await hubWithVenue());
    expect(rig.alerts.list()).toEqual([price, conn]);
    expect(rig.hub.marketRefCount({ venue: 'tinvest', instrumentId: 'id-SBER', stream: 'quote' })).toBe(1);
    expect(rig.alerts.webhooks()).toEqual([hook]);
    const dead = rig.alerts.deadLetters(10);
    expect(dead.map((x) => x.id)).toEqual([d.id]);
    expect(dead[0]?.attempts.map((a) => a.status)).toEqual([503, 503]);

    // The secret came back from the vault: the resend is signed with it.
    healthy = true;
    rig.alerts.resend(d.id);
    await rig.alerts.sender.idle();
    expect(receiver.received.at(-1)?.signed).toBe(true);
    expect(receiver.received.at(-1)?.headers['switchboard-delivery']).toBe(d.id);
    expect(rig.store.delivery(d.id)?.state).toBe('delivered');
    await rig.hub.close();
  });

  it('resumes a delivery that was pending at shutdown, under the same id', async () => {
    const cipher = new TestCipher();
    let answering = false;
    receiver = await startReceiver(KEY, () => (answering ? { status: 200 } : 'silent'));
    rig = openRig(dir, cipher, { attempts: 5, timeoutMs: 60_000, backoff: { baseMs: 5, maxMs: 10 } });
    const hook = await rig.alerts.saveWebhook({ name: 'ops', preset: 'generic', url: receiver.url, secret: KEY });
    const d = rig.alerts.testWebhook(hook.id);
    // The first attempt is in flight, unanswered, when the app stops.
    await receiver.waitFor(1);
    await rig.stop();
    rig = undefined;

    answering = true;
    rig = openRig(dir, cipher);
    await rig.alerts.sender.idle();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received.map((r) => r.headers['switchboard-delivery'])).toEqual([d.id, d.id]);
    expect(receiver.received[1]?.body).toBe(receiver.received[0]?.body);
    expect(receiver.received.every((r) => r.signed)).toBe(true);
    expect(rig.store.delivery(d.id)?.state).toBe('delivered');
    expect(rig.store.deliveries('pending')).toEqual([]);
  });
});
