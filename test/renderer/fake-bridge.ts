/** An in-memory RendererBridge: records requests, answers them from a table, pushes on demand. */
import type { MethodName, MethodRequest, MethodResults, Result, TopicName, TopicPayloads } from '../../electron/contract.js';
import type { LinkState, RendererBridge } from '../../renderer/transport/link.js';

type Answer<M extends MethodName> = (request: MethodRequest<M>) => Result<MethodResults[M]> | Promise<Result<MethodResults[M]>>;

export class FakeBridge implements RendererBridge {
  readonly transport = 'websocket' as const;
  readonly calls: { method: MethodName; request: unknown }[] = [];
  private readonly answers = new Map<MethodName, Answer<MethodName>>();
  private readonly listeners = new Map<TopicName, Set<(payload: never) => void>>();
  private readonly linkListeners = new Set<(state: LinkState) => void>();
  private state: LinkState = 'connecting';

  answer<M extends MethodName>(method: M, fn: Answer<M>): this {
    this.answers.set(method, fn as unknown as Answer<MethodName>);
    return this;
  }

  invoke<M extends MethodName>(method: M, request: MethodRequest<M>): Promise<Result<MethodResults[M]>> {
    this.calls.push({ method, request });
    const fn = this.answers.get(method) as Answer<M> | undefined;
    if (!fn) return Promise.resolve({ ok: false, code: 'unavailable', message: `no answer for ${method}` });
    return Promise.resolve(fn(request));
  }

  subscribe<T extends TopicName>(topic: T, listener: (payload: TopicPayloads[T]) => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  push<T extends TopicName>(topic: T, payload: TopicPayloads[T]): void {
    for (const l of this.listeners.get(topic) ?? []) (l as (p: TopicPayloads[T]) => void)(payload);
  }

  link(): LinkState {
    return this.state;
  }

  onLink(listener: (state: LinkState) => void): () => void {
    this.linkListeners.add(listener);
    return () => this.linkListeners.delete(listener);
  }

  setLink(state: LinkState): void {
    this.state = state;
    for (const l of this.linkListeners) l(state);
  }

  count(method: MethodName): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  close(): void {
    this.setLink('closed');
  }
}
