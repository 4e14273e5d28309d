import { describe, expect, it } from 'vitest';
import type { CandleKey } from '../../common/domain.js';
import { IPC_INVOKE, IPC_PUSH } from '../../electron/contract-names.js';
import { Hub } from '../../electron/core/hub.js';
import { attachIpcBridge } from '../../electron/bridge/ipc.js';
import type { FrameLike, InvokeEventLike, IpcMainLike, WebContentsLike } from '../../electron/bridge/ipc.js';
import { candle, memoryVenues } from '../core/memory-venue.js';

// Electron can't run on this machine; these stand-ins have exactly the shape ipc.ts uses of it.
class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void {
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(event: InvokeEventLike, method: unknown, payload: unknown): Promise<unknown> {
    const h = this.handlers.get(IPC_INVOKE);
    if (!h) throw new Error('no handler');
    return h(event, method, payload);
  }
}

let nextId = 1;
function window(url = 'app://switchboard/index.html'): WebContentsLike & { sent: unknown[][]; destroyed: boolean } {
  const mainFrame: FrameLike = { url, processId: 7, routingId: nextId };
  const sent: unknown[][] = [];
  const wc = {
    id: nextId++,
    mainFrame,
    sent,
    destroyed: false,
    send: (channel: string, ...args: unknown[]) => sent.push([channel, ...args]),
    isDestroyed: () => wc.destroyed,
  };
  return wc;
}

const KEY: CandleKey = { venue: 'tinvest', instrumentId: 'id-SBER', interval: '1m' };

async function setup(): Promise<{ hub: Hub; ipc: FakeIpcMain; bridge: ReturnType<typeof attachIpcBridge>; venues: ReturnType<typeof memoryVenues> }> {
  const hub = new Hub();
  const venues = memoryVenues();
  hub.addVenue(venues.factory);
  await hub.connect('tinvest');
  const ipc = new FakeIpcMain();
  const bridge = attachIpcBridge({ ipcMain: ipc, appOrigin: 'app://switchboard', hub, diagnosticsMs: 0, batchMs: 5 });
  return { hub, ipc, bridge, venues };
}

describe('IPC transport', () => {
  it("answers our window's top frame with the contract's results", async () => {
    const { ipc, bridge } = await setup();
    const w = window();
    bridge.addWindow(w);
    expect(await ipc.invoke({ sender: w, senderFrame: w.mainFrame }, 'app.info', {})).toMatchObject({ ok: true, value: { transport: 'ipc' } });
    expect(await ipc.invoke({ sender: w, senderFrame: w.mainFrame }, 'candles.subscribe', { venue: 'tinvest' })).toMatchObject({ ok: false, code: 'bad-request' });
  });

  it('refuses a subframe, a foreign origin, an unknown window and a gone frame, touching nothing', async () => {
    const { ipc, bridge, hub } = await setup();
    const w = window();
    bridge.addWindow(w);
    const sub: FrameLike = { url: 'app://switchboard/index.html', processId: 7, routingId: 999 };
    const foreign = window('https://example.com/');
    bridge.addWindow(foreign);
    const stranger = window();
    const attempts: InvokeEventLike[] = [
      { sender: w, senderFrame: sub },
      { sender: w, senderFrame: null },
      { sender: foreign, senderFrame: foreign.mainFrame },
      { sender: stranger, senderFrame: stranger.mainFrame },
    ];
    for (const event of attempts) {
      expect(await ipc.invoke(event, 'candles.subscribe', KEY)).toMatchObject({ ok: false, code: 'auth' });
    }
    expect(hub.refCount(KEY)).toBe(0);
  });

  it('pushes batches to the window over IPC_PUSH', async () => {
    const { ipc, bridge, venues } = await setup();
    const w = window();
    bridge.addWindow(w);
    await ipc.invoke({ sender: w, senderFrame: w.mainFrame }, 'candles.subscribe', KEY);
    venues.current().emit(candle(KEY, 60, 5));
    for (let i = 0; i < 400 && w.sent.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(w.sent[0]).toEqual([IPC_PUSH, { topic: 'batch', payload: { seq: 1, candles: [candle(KEY, 60, 5)], sentAt: expect.any(Number), candlesAgeUs: [expect.any(Number)], orders: [], connections: [] } }]);
  });

  it("releases a window's subscriptions when its page is replaced or the window goes", async () => {
    const { ipc, bridge, hub } = await setup();
    const w = window();
    bridge.addWindow(w);
    const ev = { sender: w, senderFrame: w.mainFrame };
    await ipc.invoke(ev, 'candles.subscribe', KEY);
    bridge.resetWindow(w.id);
    expect(hub.refCount(KEY)).toBe(0);
    await ipc.invoke(ev, 'candles.subscribe', KEY);
    expect(hub.refCount(KEY)).toBe(1);
    bridge.removeWindow(w.id);
    expect(hub.refCount(KEY)).toBe(0);
    expect(await ipc.invoke(ev, 'app.info', {})).toMatchObject({ ok: false, code: 'auth' });
  });
});
