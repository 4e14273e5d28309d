/**
 * The inspector over the real WebSocket bridge, as the page uses it: a view opened, frames
 * read, closed; the app stops listening to the wire when the last view closes, and when a
 * client with views open goes away without closing them.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Hub } from '../../electron/core/hub.js';
import { redact } from '../../electron/core/log.js';
import { startWebSocketBridge, type WebSocketBridgeServer } from '../../electron/bridge/websocket.js';
import { WireInspector } from '../../electron/inspector/wire-inspector.js';
import { decodeWireBytes } from '../../electron/app/wire-decoders.js';
import { WireTaps, wallClock } from '../../electron/net/wire-tap.js';
import { BridgeClient } from '../bridge/bridge-client.js';
import { until } from '../e2e/workspace-page.js';

let rendererDir: string;
let hub: Hub;
let server: WebSocketBridgeServer;
let wire: WireTaps;
const clients: BridgeClient[] = [];

beforeAll(async () => {
  rendererDir = await mkdtemp(path.join(os.tmpdir(), 'sb-inspector-'));
  await mkdir(path.join(rendererDir, 'assets'));
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
});

afterAll(async () => {
  await rm(rendererDir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await server?.close();
  await hub?.close();
});

async function start(): Promise<void> {
  hub = new Hub();
  wire = new WireTaps();
  server = await startWebSocketBridge({ hub, rendererDir, diagnosticsMs: 0, inspector: new WireInspector({ wire, redact, decode: decodeWireBytes }) });
}

async function client(): Promise<BridgeClient> {
  const c = await BridgeClient.open(new URL(server.url));
  clients.push(c);
  return c;
}

describe('the wire inspector over the bridge', () => {
  it('opens a view, reads the frames that crossed since, and closing the last view detaches it from the wire', async () => {
    await start();
    const c = await client();
    expect(wire.active).toBe(false);
    const { viewId, capacity } = await c.value('inspector.open', { venue: 'kraken' });
    expect(capacity).toBeGreaterThan(0);
    expect(wire.active).toBe(true);
    wire.emit({ venue: 'kraken', connection: 'public', dir: 'out', kind: 'frame', at: wallClock(), text: '{"method":"subscribe","params":{"channel":"ohlc","symbol":["BTC/USD"],"interval":1},"req_id":3}' });
    wire.emit({ venue: 'kraken', connection: 'private', dir: 'out', kind: 'frame', at: wallClock(), text: '{"method":"subscribe","params":{"channel":"executions","token":"WW91ciBhdXRoZW50aWNhdGlvbiB0b2tlbiBnb2VzIGhlcmUu"}}' });
    wire.emit({ venue: 'tinvest', connection: 'unary', dir: 'out', kind: 'open', at: wallClock(), channel: 'GetAccounts' });
    const r = await c.value('inspector.read', { viewId });
    expect(r.frames.map((f) => [f.connection, f.dir, f.channel])).toEqual([
      ['public', 'out', 'ohlc'],
      ['private', 'out', 'executions'],
    ]);
    expect(JSON.stringify(r)).not.toContain('WW91ciBhdXRoZW50aWNhdGlvbiB0b2tlbiBnb2VzIGhlcmUu');
    // Every connection held, whatever the view shows: the picker offers them all.
    expect(r.connections.map((x) => `${x.venue}/${x.connection}`)).toEqual(['kraken/private', 'kraken/public', 'tinvest/unary']);
    // Read again from the cursor: nothing new yet.
    expect((await c.value('inspector.read', { viewId, after: r.next })).frames).toEqual([]);
    expect(await c.value('inspector.close', { viewId })).toBeNull();
    expect(wire.active).toBe(false);
    const gone = await c.request('inspector.read', { viewId });
    expect(gone).toMatchObject({ ok: false, code: 'not-found' });
  });

  it('a client reads and closes only its own views; one that goes away closes its views and the wire goes quiet', async () => {
    await start();
    const a = await client();
    const b = await client();
    const va = await a.value('inspector.open', {});
    const vb = await b.value('inspector.open', { channel: 'book' });
    expect(await b.request('inspector.read', { viewId: va.viewId })).toMatchObject({ ok: false, code: 'not-found' });
    expect(await b.request('inspector.close', { viewId: va.viewId })).toMatchObject({ ok: false, code: 'not-found' });
    await a.value('inspector.close', { viewId: va.viewId });
    expect(wire.active).toBe(true);
    b.close();
    await b.closed;
    await until('the departed client\'s view to close', async () => (wire.active ? undefined : true));
    expect(wire.active).toBe(false);
    expect(vb.viewId).not.toBe(va.viewId);
  });

  it('refuses a malformed request with a typed error', async () => {
    await start();
    const c = await client();
    expect(await c.request('inspector.read', { viewId: 'not-a-uuid' } as never)).toMatchObject({ ok: false, code: 'bad-request' });
    expect(await c.request('inspector.open', { connection: 'a b' })).toMatchObject({ ok: false, code: 'bad-request' });
  });
});
