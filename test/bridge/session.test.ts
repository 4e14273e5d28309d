import { describe, expect, it } from 'vitest';
import type { CandleKey } from '../../common/domain.js';
import type { PushBatch, Snapshot, TopicName } from '../../electron/contract.js';
import { Hub } from '../../electron/core/hub.js';
import { HubError } from '../../electron/core/hub-error.js';
import { Session } from '../../electron/bridge/session.js';
import { candle, memoryVenues } from '../core/memory-venue.js';

const KEY: CandleKey = { venue: 'tinvest', instrumentId: 'id-SBER', interval: '1m' };

describe('Session', () => {
  it('with pushes off (a console client at its gateway) pushes nothing, yet answers its requests', async () => {
    const hub = new Hub();
    const venues = memoryVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    const pushed: TopicName[] = [];
    const session = new Session({ hub, transport: 'nats', push: (topic) => pushed.push(topic), pushes: false, diagnosticsMs: 10, batchMs: 5 });
    const listening = new Session({ hub, transport: 'ipc', push: () => undefined, diagnosticsMs: 0, batchMs: 5 });
    await listening.handle('candles.subscribe', KEY);
    const v = venues.current();
    v.emit(candle(KEY, 60, 1));
    // Connection changes and candles reach every pushing session within a few batches; this one none.
    await hub.disconnect('tinvest');
    await hub.connect('tinvest');
    await new Promise((r) => setTimeout(r, 100));
    expect(pushed).toEqual([]);
    const r = await session.handle('venues.list', {});
    expect(r.ok && (r.value as { id: string }[]).map((x) => x.id)).toEqual(['tinvest']);
    session.close();
    listening.close();
  });

  it("pushes only its own keys' candles, and a snapshot names the seq it includes", async () => {
    const hub = new Hub();
    const venues = memoryVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    const batches: PushBatch[] = [];
    const push = (topic: TopicName, payload: unknown): void => {
      if (topic === 'batch') batches.push(payload as PushBatch);
    };
    const session = new Session({ hub, transport: 'ipc', push, diagnosticsMs: 0, batchMs: 1000 });
    const other = new Session({ hub, transport: 'ipc', push: () => undefined, diagnosticsMs: 0 });
    await session.handle('candles.subscribe', KEY);
    const gazp = { ...KEY, instrumentId: 'id-GAZP' };
    await other.handle('candles.subscribe', gazp);
    const v = venues.current();
    v.emit(candle(KEY, 60, 1));
    v.emit(candle(gazp, 60, 7));
    v.emit(candle(KEY, 60, 2));

    const r = await session.handle('session.snapshot', {});
    const snap = (r.ok ? r.value : undefined) as Snapshot;
    // What was pending went out first, as seq 1, so the snapshot stands right after it.
    expect(batches.map((b) => b.seq)).toEqual([1]);
    expect(batches[0]?.candles).toEqual([candle(KEY, 60, 2)]);
    expect(snap.seq).toBe(1);
    expect(snap.candles).toEqual([candle(KEY, 60, 2)]);
    expect(snap.venues.map((x) => [x.id, x.state])).toEqual([['tinvest', 'live']]);

    v.emit(candle(KEY, 120, 3));
    await session.handle('session.snapshot', {});
    expect(batches.map((b) => b.seq)).toEqual([1, 2]);
    session.close();
    other.close();
  });

  it('pushes diagnostics on its own every interval', async () => {
    const hub = new Hub();
    const venues = memoryVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    const got = await new Promise<unknown>((resolve) => {
      const s = new Session({
        hub,
        transport: 'websocket',
        diagnosticsMs: 20,
        push: (topic, payload) => {
          if (topic === 'diagnostics') {
            s.close();
            resolve(payload);
          }
        },
      });
    });
    expect(got).toEqual([expect.objectContaining({ venue: 'tinvest', connection: 'stream', state: 'live' })]);
  });

  it('answers nothing but not-connected once closed', async () => {
    const hub = new Hub();
    hub.addVenue(memoryVenues().factory);
    const s = new Session({ hub, transport: 'ipc', push: () => undefined, diagnosticsMs: 0 });
    s.close();
    expect(await s.handle('app.info', {})).toMatchObject({ ok: false, code: 'not-connected' });
  });
});

describe('Session: subscriptions that fail say so', () => {
  const GAZP: CandleKey = { ...KEY, instrumentId: 'id-GAZP' };
  const UNKNOWN = { kind: 'invalid' as const, code: 'NOT_FOUND', message: 'instrument id-GAZP not found', at: 1_700_000_000_000 };

  it("carries a refused key's failure in the next batch and the snapshot, while the venue stays live", async () => {
    const hub = new Hub();
    const venues = memoryVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    const batches: PushBatch[] = [];
    const session = new Session({ hub, transport: 'ipc', push: (t, p) => t === 'batch' && batches.push(p as PushBatch), diagnosticsMs: 0, batchMs: 60_000 });
    await session.handle('candles.subscribe', KEY);
    await session.handle('candles.subscribe', GAZP);
    const v = venues.current();
    // The stream waits on the refused key (as T-Invest's did) while the other chart streams on.
    v.stream.state('subscribing', '1 subscription(s) pending');
    v.emit(candle(KEY, 60, 1));
    v.refuse(GAZP, UNKNOWN);

    const r = await session.handle('session.snapshot', {});
    const snap = (r.ok ? r.value : undefined) as Snapshot;
    const failure = { ...GAZP, error: UNKNOWN };
    expect(batches[0]?.subscriptionFailures).toEqual([failure]);
    expect(snap.subscriptionFailures).toEqual([failure]);
    // The venue's state is its connections' health, not one key's fate.
    expect(hub.summary('tinvest').state).toBe('live');
    expect(snap.venues.map((x) => x.state)).toEqual(['live']);
    expect(batches[0]?.connections.filter((e) => e.connection === 'venue').map((e) => e.state)).not.toContain('subscribing');

    // A candle of the key means it recovered.
    v.emit(candle(GAZP, 60, 7));
    const again = await session.handle('session.snapshot', {});
    expect((again.ok ? (again.value as Snapshot) : undefined)?.subscriptionFailures).toEqual([]);
    expect(batches[1]?.subscriptionFailures).toBeUndefined();
    session.close();
  });

  it("never tells a client of another client's key, and bounds what a venue's text can carry", async () => {
    const hub = new Hub();
    const venues = memoryVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    const batches: PushBatch[] = [];
    const mine = new Session({ hub, transport: 'ipc', push: (t, p) => t === 'batch' && batches.push(p as PushBatch), diagnosticsMs: 0, batchMs: 60_000 });
    const theirs = new Session({ hub, transport: 'ipc', push: () => undefined, diagnosticsMs: 0 });
    await mine.handle('candles.subscribe', KEY);
    await theirs.handle('candles.subscribe', GAZP);
    const v = venues.current();
    v.refuse(GAZP, UNKNOWN);
    v.refuse(KEY, { ...UNKNOWN, code: 'C'.repeat(500), message: `token=${'s3cr3t'.repeat(5)} ${'x'.repeat(5000)}` });
    await mine.handle('session.snapshot', {});
    const got = batches[0]?.subscriptionFailures ?? [];
    expect(got.map((f) => f.instrumentId)).toEqual(['id-SBER']);
    expect(got[0]?.error.code.length).toBeLessThanOrEqual(64);
    expect(got[0]?.error.message.length).toBeLessThanOrEqual(300);
    expect(got[0]?.error.message).not.toContain('s3cr3t');
    mine.close();
    theirs.close();
  });

  it('tells a client that subscribes to a key the venue already refused', async () => {
    const hub = new Hub();
    const venues = memoryVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    const first = new Session({ hub, transport: 'ipc', push: () => undefined, diagnosticsMs: 0 });
    await first.handle('candles.subscribe', GAZP);
    venues.current().refuse(GAZP, UNKNOWN);
    const batches: PushBatch[] = [];
    const later = new Session({ hub, transport: 'ipc', push: (t, p) => t === 'batch' && batches.push(p as PushBatch), diagnosticsMs: 0, batchMs: 60_000 });
    await later.handle('candles.subscribe', GAZP);
    await later.handle('session.snapshot', {});
    expect(batches[0]?.subscriptionFailures).toEqual([{ ...GAZP, error: UNKNOWN }]);
    first.close();
    later.close();
  });
});

describe('Session logs methods', () => {
  const logs = { folder: '/data/logs', file: '/data/logs/switchboard.log' };

  it('app.info says where the log is and whether it can be opened here', async () => {
    const hub = new Hub();
    const none = new Session({ hub, transport: 'websocket', push: () => undefined, diagnosticsMs: 0 });
    const ws = new Session({ hub, transport: 'websocket', push: () => undefined, diagnosticsMs: 0, logs });
    const ipc = new Session({ hub, transport: 'ipc', push: () => undefined, diagnosticsMs: 0, logs: { ...logs, open: () => Promise.resolve() } });
    const info = async (s: Session) => {
      const r = await s.handle('app.info', {});
      return r.ok ? (r.value as { logs?: unknown }).logs : r;
    };
    expect(await info(none)).toBeUndefined();
    expect(await info(ws)).toEqual({ ...logs, canOpen: false });
    expect(await info(ipc)).toEqual({ ...logs, canOpen: true });
    for (const s of [none, ws, ipc]) s.close();
  });

  it('app.openLogs opens the folder where it can, and elsewhere names the file instead', async () => {
    const hub = new Hub();
    let opened = 0;
    const ipc = new Session({ hub, transport: 'ipc', push: () => undefined, diagnosticsMs: 0, logs: { ...logs, open: () => Promise.resolve(void opened++) } });
    const ws = new Session({ hub, transport: 'websocket', push: () => undefined, diagnosticsMs: 0, logs });
    const none = new Session({ hub, transport: 'websocket', push: () => undefined, diagnosticsMs: 0 });
    expect(await ipc.handle('app.openLogs', {})).toEqual({ ok: true, value: null });
    expect(opened).toBe(1);
    expect(await ws.handle('app.openLogs', {})).toEqual({ ok: false, code: 'invalid', message: `this app can't open folders from here; the log is ${logs.file}` });
    expect(await none.handle('app.openLogs', {})).toMatchObject({ ok: false, code: 'not-found' });
    const failing = new Session({
      hub,
      transport: 'ipc',
      push: () => undefined,
      diagnosticsMs: 0,
      logs: { ...logs, open: () => Promise.reject(new HubError('not-found', 'could not open /data/logs: no file manager')) },
    });
    expect(await failing.handle('app.openLogs', {})).toEqual({ ok: false, code: 'not-found', message: 'could not open /data/logs: no file manager' });
    for (const s of [ipc, ws, none, failing]) s.close();
  });
});
