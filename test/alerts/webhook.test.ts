/**
 * Webhooks as a receiver sees them: every attempt signed (HMAC-SHA256 over "<t>.<body>") under
 * one delivery id; failures retried with backoff until one succeeds; a receiver that never
 * answers ends in the dead-letter list, from which a resend delivers under the same id.
 * Real parts throughout: node:http on 127.0.0.1, the database file, the encrypted vault.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VAULT_FILE_NAME } from '../../electron/vault/encrypted-file-store.js';
import { TestCipher } from '../vault/test-cipher.js';
import { openRig } from './rig.js';
import type { AlertsRig } from './rig.js';
import { startReceiver } from './receiver.js';
import type { Answer, Receiver } from './receiver.js';

const KEY = 'whsec-test-key-4f8a1c0e9b';

describe('webhook delivery', () => {
  let dir: string;
  let rig: AlertsRig | undefined;
  let receiver: Receiver | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'alerts-webhook-'));
  });
  afterEach(async () => {
    await rig?.stop();
    await receiver?.close();
    rig = undefined;
    receiver = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('retries a receiver that fails three times, every attempt signed, and the fourth is delivered', async () => {
    receiver = await startReceiver(KEY, (n) => (n <= 3 ? { status: 500 } : { status: 200 }));
    rig = openRig(dir, new TestCipher());
    const hook = await rig.alerts.saveWebhook({ name: 'ops', preset: 'generic', url: receiver.url, secret: KEY });
    expect(hook.secretSet).toBe(true);
    // The key is in the vault (encrypted), not in the database and not in what is listed.
    expect(JSON.stringify(rig.alerts.webhooks())).not.toContain(KEY);
    expect(await readFile(path.join(dir, VAULT_FILE_NAME), 'utf8')).not.toContain(KEY);

    const d = rig.alerts.testWebhook(hook.id);
    await rig.alerts.sender.idle();

    expect(receiver.received).toHaveLength(4);
    expect(receiver.received.map((r) => r.signed)).toEqual([true, true, true, true]);
    expect(new Set(receiver.received.map((r) => r.headers['switchboard-delivery']))).toEqual(new Set([d.id]));
    expect(receiver.received.map((r) => r.headers['switchboard-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(receiver.received.every((r) => r.headers['switchboard-event'] === 'test')).toBe(true);
    // The same bytes each time: the body is built once and stored.
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(JSON.parse(receiver.received[0]?.body ?? '')).toMatchObject({ type: 'alert', event: 'test', delivery: d.id });

    const stored = rig.store.delivery(d.id);
    expect(stored?.state).toBe('delivered');
    expect(stored?.attempts.map((a) => a.status)).toEqual([500, 500, 500, 200]);
    expect(rig.alerts.deadLetters(100)).toEqual([]);
  });

  it('lands a delivery to a receiver that never answers in the dead-letter list, and a resend delivers it under the same id', async () => {
    let healthy = false;
    receiver = await startReceiver(KEY, () => (healthy ? { status: 204 } : 'silent'));
    rig = openRig(dir, new TestCipher(), { attempts: 3, timeoutMs: 300, backoff: { baseMs: 5, maxMs: 20 } });
    const hook = await rig.alerts.saveWebhook({ name: 'silent', preset: 'generic', url: receiver.url, secret: KEY });

    const d = rig.alerts.testWebhook(hook.id);
    await rig.alerts.sender.idle();

    expect(receiver.received).toHaveLength(3);
    const dead = rig.alerts.deadLetters(100);
    expect(dead.map((x) => x.id)).toEqual([d.id]);
    expect(dead[0]?.attempts).toHaveLength(3);
    expect(dead[0]?.attempts.every((a) => a.status === undefined && a.error === 'no answer within 300 ms')).toBe(true);
    expect(dead[0]?.lastError).toBe('no answer within 300 ms');

    healthy = true;
    const again = rig.alerts.resend(d.id);
    expect(again.id).toBe(d.id);
    await rig.alerts.sender.idle();

    expect(receiver.received).toHaveLength(4);
    expect(receiver.received[3]?.headers['switchboard-delivery']).toBe(d.id);
    expect(receiver.received.every((r) => r.signed)).toBe(true);
    expect(rig.store.delivery(d.id)?.state).toBe('delivered');
    expect(rig.store.delivery(d.id)?.attempts.map((a) => a.status)).toEqual([undefined, undefined, undefined, 204]);
    expect(rig.alerts.deadLetters(100)).toEqual([]);
    // Only a dead delivery can be resent.
    expect(() => rig?.alerts.resend(d.id)).toThrow(/dead-letter/);
  });

  it('sends a 4xx refusal straight to the dead-letter list without retrying', async () => {
    receiver = await startReceiver(KEY, () => ({ status: 400 }));
    rig = openRig(dir, new TestCipher());
    const hook = await rig.alerts.saveWebhook({ name: 'strict', preset: 'generic', url: receiver.url, secret: KEY });
    const d = rig.alerts.testWebhook(hook.id);
    await rig.alerts.sender.idle();
    expect(receiver.received).toHaveLength(1);
    expect(rig.store.delivery(d.id)?.state).toBe('dead');
    expect(rig.store.delivery(d.id)?.lastError).toMatch(/HTTP 400.*not retried/);
  });

  it('retries 408 and 429 (honouring Retry-After) and never follows a redirect', async () => {
    const answers: Answer[] = [{ status: 408 }, { status: 429, headers: { 'retry-after': '0' } }, { status: 302, headers: { location: 'http://127.0.0.1:9/elsewhere' } }];
    receiver = await startReceiver(KEY, (n) => answers[n - 1] ?? { status: 200 });
    rig = openRig(dir, new TestCipher());
    const hook = await rig.alerts.saveWebhook({ name: 'moody', preset: 'generic', url: receiver.url, secret: KEY });
    const d = rig.alerts.testWebhook(hook.id);
    await rig.alerts.sender.idle();
    expect(receiver.received).toHaveLength(3);
    const stored = rig.store.delivery(d.id);
    expect(stored?.attempts.map((a) => a.status)).toEqual([408, 429, 302]);
    expect(stored?.state).toBe('dead');
    expect(stored?.lastError).toMatch(/redirects are not followed/);
  });

  it('shapes Slack and Telegram payloads, keeping their URLs in the vault and showing only the origin', async () => {
    receiver = await startReceiver(KEY, () => ({ status: 200 }));
    rig = openRig(dir, new TestCipher());
    const secretUrl = `${receiver.url}/bot123456:AAF-secret-token/sendMessage`;
    const tg = await rig.alerts.saveWebhook({ name: 'tg', preset: 'telegram', url: secretUrl, chatId: '-100200300' });
    const slack = await rig.alerts.saveWebhook({ name: 'slack', preset: 'slack', url: `${receiver.url}/services/T0/B0/xyzsecret` });
    expect(tg.url).toBe(new URL(receiver.url).origin);
    expect(JSON.stringify(rig.alerts.webhooks())).not.toMatch(/AAF-secret-token|xyzsecret/);
    rig.alerts.testWebhook(tg.id);
    await rig.alerts.sender.idle();
    rig.alerts.testWebhook(slack.id);
    await rig.alerts.sender.idle();
    const [t, s] = receiver.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(t).toEqual({ chat_id: '-100200300', text: expect.stringContaining('test alert') });
    expect(s).toMatchObject({ text: expect.stringContaining('test alert'), blocks: [{ type: 'section' }] });
    // No key was set for these: no signature header.
    expect(receiver.received.every((r) => r.headers['switchboard-signature'] === undefined)).toBe(true);
  });

  it('works on a burst a few deliveries at a time, every one delivered', async () => {
    let open = 0;
    let most = 0;
    const answers: (() => void)[] = [];
    // Each request is held until the test lets the oldest go: the sender's concurrency shows.
    const server = http.createServer((req, res) => {
      open += 1;
      most = Math.max(most, open);
      req.resume();
      answers.push(() => {
        open -= 1;
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    rig = openRig(dir, new TestCipher(), { attempts: 1, timeoutMs: 30_000, concurrency: 2 });
    const hook = await rig.alerts.saveWebhook({ name: 'burst', preset: 'generic', url: `http://127.0.0.1:${port}/hook`, secret: KEY });
    const ids = Array.from({ length: 6 }, () => rig!.alerts.testWebhook(hook.id).id);
    expect(rig.alerts.sender.load).toEqual({ running: 2, waiting: 4 });
    let released = 0;
    while (released < ids.length) {
      // As many held as the sender may have open, before the oldest is answered.
      const want = Math.min(2, ids.length - released);
      await new Promise<void>((resolve) => {
        const poll = (): void => void (answers.length >= want ? resolve() : setTimeout(poll, 5));
        poll();
      });
      answers.shift()?.();
      released += 1;
    }
    await rig.alerts.sender.idle();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(most).toBe(2);
    expect(ids.map((id) => rig?.store.delivery(id)?.state)).toEqual(Array(6).fill('delivered'));
  });
});
