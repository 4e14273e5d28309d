import type { BridgeApi, MethodName, MethodRequest, MethodResults, Result, TopicName, TopicPayloads } from '../../electron/contract.js';
import type { LinkState, RendererBridge } from './link.js';

/** True when the preload exposed something shaped like the contract's BridgeApi. */
export function isBridgeApi(v: unknown): v is BridgeApi {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.invoke === 'function' && typeof o.subscribe === 'function';
}

/** The preload's API as a RendererBridge: the IPC link lives as long as the page. */
export function ipcBridge(api: BridgeApi): RendererBridge {
  return {
    transport: 'ipc',
    async invoke<M extends MethodName>(method: M, request: MethodRequest<M>): Promise<Result<MethodResults[M]>> {
      try {
        return await api.invoke(method, request);
      } catch (err) {
        // The contract never throws across the bridge; if IPC itself fails, keep that promise.
        return { ok: false, code: 'internal', message: err instanceof Error ? err.message : String(err) };
      }
    },
    subscribe<T extends TopicName>(topic: T, listener: (payload: TopicPayloads[T]) => void): () => void {
      return api.subscribe(topic, listener);
    },
    link: (): LinkState => 'open',
    onLink: () => () => undefined,
    close: () => undefined,
  };
}
