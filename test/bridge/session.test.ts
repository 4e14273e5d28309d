import { describe, expect, it } from 'vitest';
import type { CandleKey } from '../../electron/domain.js';
import type { PushBatch, Snapshot, TopicName } from '../../electron/contract.js';
import { Hub } from '../../electron/core/hub.js';
import { Session } from '../../electron/bridge/session.js';
import { candle, memoryVenues } from '../core/memory-venue.js';

const KEY: CandleKey = { venue: 'tinvest', instrumentId: 'id-SBER', interval: '1m' };

describe('Session', () => {
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
