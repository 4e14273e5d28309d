/**
 * The sandboxed preload: exposes exactly `window.switchboard = { invoke, subscribe }` and
 * nothing else. Names are checked against the contract's lists before anything goes to main
 * (main validates again — the page is untrusted). Bundled to CommonJS: a sandboxed preload
 * can require only `electron`.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import { IPC_INVOKE, IPC_PUSH, METHOD_NAMES, TOPIC_NAMES } from './contract-names.js';

type Listener = (payload: unknown) => void;

const methods: ReadonlySet<string> = new Set(METHOD_NAMES);
const topics: ReadonlySet<string> = new Set(TOPIC_NAMES);
const listeners = new Map<string, Set<Listener>>();

function fail(code: string, message: string): { ok: false; code: string; message: string } {
  return { ok: false, code, message };
}

ipcRenderer.on(IPC_PUSH, (_event: IpcRendererEvent, msg: unknown) => {
  if (typeof msg !== 'object' || msg === null) return;
  const { topic, payload } = msg as { topic?: unknown; payload?: unknown };
  if (typeof topic !== 'string') return;
  for (const l of listeners.get(topic) ?? []) {
    try {
      l(payload);
    } catch (err) {
      console.error(`switchboard: a ${topic} listener failed`, err);
    }
  }
});

contextBridge.exposeInMainWorld('switchboard', {
  invoke(method: unknown, payload: unknown): Promise<unknown> {
    if (typeof method !== 'string' || !methods.has(method)) {
      return Promise.resolve(fail('unknown-method', `unknown method ${String(method).slice(0, 64)}`));
    }
    // invoke rejects only when the payload can't be cloned; answer like main would.
    return ipcRenderer.invoke(IPC_INVOKE, method, payload).catch(() => fail('bad-request', `${method}: payload is not plain data`));
  },
  subscribe(topic: unknown, listener: unknown): () => void {
    if (typeof topic !== 'string' || !topics.has(topic) || typeof listener !== 'function') {
      return () => undefined;
    }
    const l = listener as Listener;
    let set = listeners.get(topic);
    if (!set) listeners.set(topic, (set = new Set()));
    set.add(l);
    return () => {
      set.delete(l);
    };
  },
});
