/**
 * A bridge client in Node, speaking the WebSocket transport's frames as the page does
 * (electron/bridge/wire.ts): requests `{id, method, params}`, answers `{id, result}`, pushes
 * `{topic, payload}`. It connects the way the page must: the token in the socket's URL and
 * the page's own Origin. The one such client of the tests and the bench.
 */
import WebSocket from 'ws';
import type { MethodName, MethodRequest, MethodResults, PushBatch, Result } from '../../electron/contract.js';
import { BRIDGE_PATH } from '../../electron/bridge/websocket.js';

export class BridgeClient {
  private nextId = 1;
  private readonly pending = new Map<number, (r: Result<unknown>) => void>();
  private readonly batchListeners = new Set<(b: PushBatch) => void>();
  /** Batches received, and candles in them. */
  batches = 0;
  candles = 0;
  /** Resolves when the socket has closed, whoever closed it. */
  readonly closed: Promise<void>;

  private constructor(private readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    // After the open, a failing socket also closes: that is what callers wait on.
    ws.on('error', () => undefined);
    ws.on('message', (data: WebSocket.RawData) => {
      // The app is ours and the frames are JSON by contract; a broken one ends the bench loudly.
      const msg = JSON.parse(data.toString()) as { id?: number; result?: Result<unknown>; topic?: string; payload?: unknown };
      if (msg.topic === 'batch') {
        const b = msg.payload as PushBatch;
        this.batches += 1;
        this.candles += b.candles.length;
        for (const l of this.batchListeners) l(b);
      } else if (typeof msg.id === 'number' && msg.result) {
        this.pending.get(msg.id)?.(msg.result);
        this.pending.delete(msg.id);
      }
    });
    // An app that died answers nothing: no request waits for ever.
    ws.on('close', () => {
      for (const answer of this.pending.values()) answer({ ok: false, code: 'not-connected', message: 'the bridge closed' });
      this.pending.clear();
    });
  }

  /** Opens the bridge of the app whose page is at `pageUrl` (the URL line, token included). */
  static open(pageUrl: URL): Promise<BridgeClient> {
    const token = pageUrl.searchParams.get('token');
    if (!token) throw new Error('the URL line carries no token');
    const socketUrl = `ws://${pageUrl.host}${BRIDGE_PATH}?token=${encodeURIComponent(token)}`;
    const ws = new WebSocket(socketUrl, { headers: { Origin: `http://${pageUrl.host}` } });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new BridgeClient(ws)));
      ws.once('error', reject);
    });
  }

  request<M extends MethodName>(method: M, params: MethodRequest<M>): Promise<Result<MethodResults[M]>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (r: Result<unknown>) => void);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** The answer's value; a refusal throws with its code and message. */
  async value<M extends MethodName>(method: M, params: MethodRequest<M>): Promise<MethodResults[M]> {
    const r = await this.request(method, params);
    if (!r.ok) throw new Error(`${method}: ${r.code}: ${r.message}`);
    return r.value;
  }

  /** Calls `listener` with every batch from now on; returns how to stop. */
  onBatch(listener: (b: PushBatch) => void): () => void {
    this.batchListeners.add(listener);
    return () => this.batchListeners.delete(listener);
  }

  /** Resolves with the first batch `accept` takes. */
  nextBatch(accept: (b: PushBatch) => boolean, patienceMs: number): Promise<PushBatch> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.batchListeners.delete(listener);
        reject(new Error(`no such batch within ${patienceMs} ms`));
      }, patienceMs);
      const listener = (b: PushBatch): void => {
        if (!accept(b)) return;
        clearTimeout(timer);
        this.batchListeners.delete(listener);
        resolve(b);
      };
      this.batchListeners.add(listener);
    });
  }

  close(): void {
    this.ws.close();
  }

  /** Drops the connection at once (a test's clean-up). */
  terminate(): void {
    this.ws.terminate();
  }
}
