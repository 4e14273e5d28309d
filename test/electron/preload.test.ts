import vm from 'node:vm';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { IPC_INVOKE, IPC_PUSH } from '../../electron/contract-names.js';
import { preloadBuildOptions } from '../../scripts/build-main.js';

type Listener = (event: unknown, msg: unknown) => void;

interface Loaded {
  required: string[];
  exposed: Record<string, unknown>;
  invokes: unknown[][];
  push(msg: unknown): void;
}

let bundle: string;

beforeAll(async () => {
  const out = await build({ ...preloadBuildOptions(), write: false, sourcemap: false });
  bundle = out.outputFiles?.[0]?.text ?? '';
});

/**
 * Runs the preload bundle as Electron's sandbox would: a bare context whose require knows
 * only `electron` (here a stand-in with the two APIs the preload uses; the binary can't run here).
 */
function load(): Loaded {
  const required: string[] = [];
  const exposed: Record<string, unknown> = {};
  const invokes: unknown[][] = [];
  let onPush: Listener | undefined;
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
    ipcRenderer: {
      invoke: (...args: unknown[]) => {
        invokes.push(args);
        return Promise.resolve({ ok: true, value: 'answer' });
      },
      on: (channel: string, l: Listener) => {
        if (channel === IPC_PUSH) onPush = l;
      },
    },
  };
  const module = { exports: {} };
  const require = (id: string): unknown => {
    required.push(id);
    if (id === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${id}`);
  };
  vm.runInNewContext(bundle, { require, module, exports: module.exports, console });
  return { required, exposed, invokes, push: (msg) => onPush?.({}, msg) };
}

interface Api {
  invoke(method: unknown, payload: unknown): Promise<unknown>;
  subscribe(topic: unknown, listener: unknown): () => void;
}

describe('preload', () => {
  it('requires nothing but electron and exposes exactly window.switchboard = { invoke, subscribe }', () => {
    const p = load();
    expect([...new Set(p.required)]).toEqual(['electron']);
    expect(Object.keys(p.exposed)).toEqual(['switchboard']);
    expect(Object.keys(p.exposed.switchboard as object).sort()).toEqual(['invoke', 'subscribe']);
  });

  it('sends known methods to main and answers unknown ones itself', async () => {
    const p = load();
    const api = p.exposed.switchboard as Api;
    expect(await api.invoke('venues.list', {})).toEqual({ ok: true, value: 'answer' });
    expect(await api.invoke('shell.openExternal', { url: 'x' })).toMatchObject({ ok: false, code: 'unknown-method' });
    expect(p.invokes).toEqual([[IPC_INVOKE, 'venues.list', {}]]);
  });

  it('hands pushes to the listeners of their topic until they unsubscribe', () => {
    const p = load();
    const api = p.exposed.switchboard as Api;
    const got: unknown[] = [];
    const off = api.subscribe('batch', (x: unknown) => got.push(x));
    api.subscribe('nonsense', (x: unknown) => got.push(['nonsense', x]));
    p.push({ topic: 'batch', payload: { seq: 1 } });
    p.push({ topic: 'diagnostics', payload: [] });
    p.push({ topic: 'nonsense', payload: 1 });
    off();
    p.push({ topic: 'batch', payload: { seq: 2 } });
    expect(got).toEqual([{ seq: 1 }]);
  });
});
