/**
 * The Alerts panel's store over a real bridge session in this process: what the panel lists
 * after each action is what the main side holds, a spent rule re-arms, and a refusal is kept
 * in words for the panel to show.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeApi, MethodName, MethodResults, Result, TopicName, TopicPayloads } from '../../electron/contract.js';
import { Session } from '../../electron/bridge/session.js';
import { Hub } from '../../electron/core/hub.js';
import { createAlertsStore } from '../../renderer/store/alerts-slice.js';
import { tradingVenues } from '../core/memory-trading-venue.js';
import type { MemoryTradingVenue } from '../core/memory-trading-venue.js';
import { TestCipher } from '../vault/test-cipher.js';
import { openRig } from './rig.js';
import type { AlertsRig } from './rig.js';

/** The renderer's view of a session in this process: requests through Session.handle, pushes to listeners. */
function inProcessBridge(make: (push: <T extends TopicName>(topic: T, payload: TopicPayloads[T]) => void) => Session): { bridge: BridgeApi; session: Session } {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const session = make((topic, payload) => {
    for (const l of listeners.get(topic) ?? []) l(payload);
  });
  const bridge: BridgeApi = {
    invoke: async <M extends MethodName>(method: M, request: unknown) => (await session.handle(method, request)) as Result<MethodResults[M]>,
    subscribe: (topic, listener) => {
      const set = listeners.get(topic) ?? new Set();
      listeners.set(topic, set);
      const l = listener as (p: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
  };
  return { bridge, session };
}

describe('the Alerts panel store', () => {
  let dir: string;
  let rig: AlertsRig;
  let venue: MemoryTradingVenue;
  let session: Session;
  let bridge: BridgeApi;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'alerts-slice-'));
    const hub = new Hub();
    const venues = tradingVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    venue = venues.current();
    rig = openRig(dir, new TestCipher(), undefined, hub);
    ({ bridge, session } = inProcessBridge((push) => new Session({ hub, alerts: rig.alerts, transport: 'websocket', push, diagnosticsMs: 0 })));
  });
  afterEach(async () => {
    session.close();
    await rig.stop();
    await rig.hub.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists what the main side holds after each action, and re-arms a spent rule', async () => {
    const store = createAlertsStore(bridge);
    const fired: string[] = [];
    bridge.subscribe('alert', (a) => fired.push(a.title));
    expect(await store.getState().create({ kind: 'price-above', venue: 'tinvest', instrumentId: 'id-SBER', level: '10', repeat: 'once', channels: { os: false, webhooks: [] } })).toBe(true);
    expect(store.getState().rules).toHaveLength(1);
    venue.emitQuote({ venue: 'tinvest', instrumentId: 'id-SBER', last: '9', time: Date.now() });
    venue.emitQuote({ venue: 'tinvest', instrumentId: 'id-SBER', last: '11', time: Date.now() });
    expect(fired).toEqual(['id-SBER above 10']);
    await store.getState().refresh();
    expect(store.getState().rules[0]?.active).toBe(false);
    expect(store.getState().history.map((a) => a.title)).toEqual(['id-SBER above 10']);

    await store.getState().rearm(store.getState().rules[0]!);
    expect(store.getState().rules[0]?.active).toBe(true);
    await store.getState().remove(store.getState().rules[0]!.id);
    expect(store.getState().rules).toEqual([]);
  });

  it('keeps a refusal in words, and lists a saved webhook without its secret', async () => {
    const store = createAlertsStore(bridge);
    expect(await store.getState().saveWebhook({ name: 'x', preset: 'generic', url: 'ftp://example.com/' })).toBe(false);
    expect(store.getState().error).toMatch(/http or https/);
    expect(await store.getState().saveWebhook({ name: 'ops', preset: 'generic', url: 'http://127.0.0.1:9/hook', secret: 'slice-secret-1' })).toBe(true);
    expect(store.getState().error).toBeUndefined();
    expect(store.getState().webhooks).toMatchObject([{ name: 'ops', secretSet: true }]);
    expect(JSON.stringify(store.getState())).not.toContain('slice-secret-1');
  });
});
