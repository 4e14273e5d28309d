/**
 * What the no-secret-leak suites share: every spelling of a secret that could carry it, a scan
 * of text for those spellings, the files of a folder, a bridge client that keeps every frame it
 * receives, and a bounded wait. The direct-mode suite (no-secret-leak.test.ts) and the
 * gateway-mode one (no-secret-leak-gateway.test.ts) scan with the same rules.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { WebSocket } from 'ws';
import type { MethodName, Result, VenueSummary } from '../../electron/contract.js';
import type { Headless } from '../../electron/headless.js';
import { KeyringStore } from '../../electron/vault/keyring-store.js';
import type { KrakenSim } from '../../sim/kraken/server.js';
import type { TInvestSim } from '../../sim/tinvest/server.js';

/** Bounds for failure only: nothing here asserts how fast anything is. */
export const PATIENCE_MS = 45_000;

/**
 * Every spelling of a secret that could carry it: as is, escaped, encoded; and for a key that is
 * base64 of raw bytes (Kraken's private key), those bytes as hex, base64url and latin1 text.
 */
export function spellings(secret: string, base64Key = false): string[] {
  const utf8 = Buffer.from(secret, 'utf8');
  const forms = [
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    secret.replaceAll('/', '\\/'),
    utf8.toString('base64').replace(/=+$/, ''),
    utf8.toString('base64url'),
    utf8.toString('hex'),
  ];
  if (base64Key) {
    const raw = Buffer.from(secret, 'base64');
    forms.push(raw.toString('hex'), raw.toString('base64url'), raw.toString('latin1'));
  }
  return forms;
}

/** The spellings of all `secrets`; those also in `base64Keys` get their raw-byte forms too. */
export function forbiddenSpellings(secrets: readonly string[], base64Keys: readonly string[] = []): string[] {
  return secrets.flatMap((s) => spellings(s, base64Keys.includes(s)));
}

/** A scan for the forbidden spellings: what it finds, shortened so a failure shows no secret whole. */
export function leakFinder(forbidden: readonly string[]): (text: string) => string[] {
  return (text) => forbidden.filter((f) => text.includes(f)).map((f) => `${f.slice(0, 6)}… (${f.length} chars)`);
}

/** Every file under `dir`: its path and its bytes as text. */
export function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push({ path: p, text: readFileSync(p).toString('latin1') });
  }
  return out;
}

/** A bridge client that keeps every frame it receives. */
export class Client {
  readonly frames: string[] = [];
  readonly called = new Set<string>();
  private readonly ws: WebSocket;
  private nextId = 1;
  private readonly waiting = new Map<number, (r: Result<unknown>) => void>();
  private readonly topicWaiters: { topic: string; resolve: () => void }[] = [];

  constructor(app: Headless) {
    const origin = new URL(app.url).origin;
    this.ws = new WebSocket(`ws://127.0.0.1:${app.port}/bridge?token=${app.token}`, { origin });
    this.ws.on('error', () => undefined);
    this.ws.on('message', (data) => {
      const text = String(data);
      this.frames.push(text);
      const msg = JSON.parse(text) as { id?: number; result?: Result<unknown>; topic?: string };
      if (msg.topic !== undefined) {
        for (const w of this.topicWaiters.filter((x) => x.topic === msg.topic)) w.resolve();
      } else if (typeof msg.id === 'number' && msg.result) {
        this.waiting.get(msg.id)?.(msg.result);
        this.waiting.delete(msg.id);
      }
    });
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  invoke(method: MethodName, params: unknown): Promise<Result<unknown>> {
    this.called.add(method);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async value<T>(method: MethodName, params: unknown): Promise<T> {
    const r = await this.invoke(method, params);
    if (!r.ok) throw new Error(`${method}: ${r.code}: ${r.message}`);
    return r.value as T;
  }

  topic(name: 'batch' | 'diagnostics' | 'alert'): Promise<void> {
    return new Promise((resolve) => this.topicWaiters.push({ topic: name, resolve }));
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Polls `probe` every 100 ms until it gives a value; throws after `patienceMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, patienceMs = PATIENCE_MS): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Both venues live on the stored credentials: T-Invest in sandbox, Kraken live. */
export function bothLive(c: Client): Promise<VenueSummary[]> {
  return until('both venues live on the stored credentials', async () => {
    const list = await c.value<VenueSummary[]>('venues.list', {});
    const t = list.find((v) => v.id === 'tinvest');
    const k = list.find((v) => v.id === 'kraken');
    return t?.state === 'live' && t.mode === 'sandbox' && k?.state === 'live' && k.mode === 'live' ? list : undefined;
  });
}

/** What the Secret Service holds under `service`, as secret-tool lists it ('' when nothing). */
export function secretToolItems(service: string): string {
  const r = spawnSync('secret-tool', ['search', '--all', 'service', service], { encoding: 'utf8' });
  // Items go to stdout, their attributes to stderr.
  return `${r.stdout}${r.stderr}`.trim();
}

/** The config's venues: T-Invest's sandbox and live and Kraken's live endpoints aimed at the simulators. */
export function simVenues(tsim: TInvestSim, ksim: KrakenSim): Record<string, unknown> {
  return {
    tinvest: { sandbox: { endpoint: tsim.endpoint, tls: false }, live: { endpoint: tsim.endpoint, tls: false } },
    kraken: { live: { rest: ksim.rest, ws: ksim.ws, wsAuth: ksim.wsAuth } },
  };
}

/**
 * Keeps whatever this process writes to stderr (a library, a stray console call) while still
 * writing it; `restore` puts the original writer back.
 */
export function keepStderr(): { readonly text: string[]; restore(): void } {
  const text: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    text.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return (original as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  return {
    text,
    restore: () => {
      process.stderr.write = original;
    },
  };
}

/** Removes both venues' items a suite stored under its own keyring service (none there is fine). */
export async function deleteVenueKeys(service: string): Promise<void> {
  const store = new KeyringStore({ service });
  await store.delete('tinvest').catch(() => undefined);
  await store.delete('kraken').catch(() => undefined);
}

/** The venue keys a suite makes for itself: T-Invest's token, Kraken's key and secret. */
export interface VenueKeys {
  tinvestToken: string;
  krakenKey: string;
  krakenSecret: string;
}

/** The vault reports nothing stored yet. */
export async function expectNothingStored(c: Client): Promise<void> {
  expect(await c.value('credentials.status', {})).toEqual({
    backend: 'secret-service',
    venues: [{ venue: 'tinvest', stored: false }, { venue: 'kraken', stored: false }],
  });
}

/**
 * Stores each suite sends before the real ones, every one refused as a bad request (a bad
 * request must not echo what it was sent): a Kraken secret that is not base64, a mode T-Invest
 * credentials cannot have, and the token as an unknown field's name. Resolves with how many.
 */
export async function refuseMalformedStores(c: Client, k: VenueKeys): Promise<number> {
  const malformed = [
    { venue: 'kraken', credentials: { apiKey: k.krakenKey, apiSecret: `${k.krakenSecret}!`, mode: 'live' } },
    { venue: 'tinvest', credentials: { token: k.tinvestToken, mode: 'demo' } },
    { venue: 'tinvest', credentials: { token: k.tinvestToken, mode: 'sandbox', [k.tinvestToken]: 1 } },
  ];
  for (const params of malformed) expect(await c.invoke('credentials.store', params)).toMatchObject({ ok: false, code: 'bad-request' });
  return malformed.length;
}

/**
 * Stores T-Invest's token (sandbox: its accounts are opened over the wire, so a fresh token has
 * none yet and no accountId is given) and Kraken's keys (live); the vault then reports both.
 * Resolves with how many stores were sent.
 */
export async function storeBoth(c: Client, k: VenueKeys): Promise<number> {
  await c.value('credentials.store', { venue: 'tinvest', credentials: { token: k.tinvestToken, mode: 'sandbox' } });
  const status = await c.value('credentials.store', { venue: 'kraken', credentials: { apiKey: k.krakenKey, apiSecret: k.krakenSecret, mode: 'live' } });
  expect(status).toEqual({
    backend: 'secret-service',
    venues: [
      { venue: 'tinvest', stored: true, mode: 'sandbox' },
      { venue: 'kraken', stored: true, mode: 'live' },
    ],
  });
  return 2;
}
