/**
 * The hub with a candle cache, against the real local T-Invest venue (the simulator counts its
 * GetCandles calls): a chart reopened on cached bars costs the venue nothing. One frozen clock
 * for the simulator, the adapter and the hub, so no minute turns while the test runs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Candle, CandleKey } from '../../common/domain.js';
import { Hub } from '../../electron/core/hub.js';
import { Session } from '../../electron/bridge/session.js';
import { openDatabase, type SqliteDb } from '../../electron/store/db.js';
import { CandleCache } from '../../electron/store/candle-cache.js';
import { createTInvestVenue } from '../../electron/venues/tinvest/adapter.js';
import { startTInvestSim, type TInvestSim } from '../../sim/tinvest/server.js';

/** SBER on the T-Invest simulator (sim/tinvest/instruments.ts). */
const SBER_UID = 'e6123145-9665-43e0-8413-cd61b8aa9b13';
const KEY: CandleKey = { venue: 'tinvest', instrumentId: SBER_UID, interval: '1m' };

describe('Hub history through the candle cache, on the local T-Invest venue', () => {
  // 20 s into a minute, frozen.
  const frozen = Math.floor(Date.now() / 60_000) * 60_000 + 20_000;
  let clock = frozen;
  const now = () => clock;
  let sim: TInvestSim;
  let db: SqliteDb;
  let hub: Hub;
  let cache: CandleCache;

  beforeEach(async () => {
    clock = frozen;
    sim = await startTInvestSim({ seed: 5, now });
    db = openDatabase({ file: ':memory:' });
    cache = new CandleCache(db, { now });
    hub = new Hub({ now, candleCache: cache });
    hub.addVenue((sink) => createTInvestVenue({ endpoint: sim.endpoint, token: sim.token, mode: 'demo', tls: false, sink, now }));
    await hub.connect('tinvest');
  });
  afterEach(async () => {
    await hub.close();
    cache.close();
    db.close();
    await sim.close();
  });

  const isClosed = (c: Candle) => (c.time + 60) * 1000 <= frozen - 10_000;
  function expectSameClosed(got: readonly Candle[], closed: readonly Candle[]): void {
    const gotClosed = got.filter(isClosed);
    expect(gotClosed.length).toBeGreaterThanOrEqual(closed.length - 1);
    expect(gotClosed).toEqual(closed.slice(-gotClosed.length));
  }

  async function openChart(s: Session, limit = 500): Promise<{ subscriptionId: string; bars: Candle[] }> {
    const sub = await s.handle('candles.subscribe', KEY);
    if (!sub.ok) throw new Error(sub.message);
    const h = await s.handle('candles.history', { ...KEY, limit });
    if (!h.ok) throw new Error(h.message);
    return { subscriptionId: (sub.value as { subscriptionId: string }).subscriptionId, bars: h.value as Candle[] };
  }

  it('reopens a chart whose bars are cached without a venue call, with the same bars', async () => {
    const s = new Session({ hub, transport: 'websocket', push: () => undefined, diagnosticsMs: 0 });
    const first = await openChart(s);
    const calls = sim.stats.calls('GetCandles');
    expect(calls).toBeGreaterThan(0);
    expect(first.bars.length).toBeGreaterThan(100);
    const closed = first.bars.filter(isClosed);
    expect(await s.handle('candles.unsubscribe', { subscriptionId: first.subscriptionId })).toMatchObject({ ok: true });
    expect(hub.refCount(KEY)).toBe(0);

    const again = await openChart(s);
    expect(sim.stats.calls('GetCandles')).toBe(calls);
    // The closed bars as the venue gave them (one fewer when the forming bar's place is kept
    // for the stream); the forming one, if the stream brought it yet, from the live series.
    expectSameClosed(again.bars, closed);

    // Scrolling back pays once; scrolling back again over the same span is free.
    const oldest = again.bars[0]!.time;
    const page = await s.handle('candles.history', { ...KEY, before: oldest, limit: 200 });
    expect(page.ok).toBe(true);
    const afterScroll = sim.stats.calls('GetCandles');
    expect(afterScroll).toBeGreaterThan(calls);
    const pageAgain = await s.handle('candles.history', { ...KEY, before: oldest, limit: 200 });
    expect(pageAgain).toEqual(page);
    expect(sim.stats.calls('GetCandles')).toBe(afterScroll);
    s.close();
  });

  it('after a restart on the same database file, the chart reopens without a venue call', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'candle-cache-restart-'));
    const file = path.join(dir, 'switchboard.db');
    const start = async () => {
      const fileDb = openDatabase({ file });
      const fileCache = new CandleCache(fileDb, { now });
      const h = new Hub({ now, candleCache: fileCache });
      h.addVenue((sink) => createTInvestVenue({ endpoint: sim.endpoint, token: sim.token, mode: 'demo', tls: false, sink, now }));
      await h.connect('tinvest');
      return {
        session: new Session({ hub: h, transport: 'websocket', push: () => undefined, diagnosticsMs: 0 }),
        stop: async () => {
          await h.close();
          fileCache.close();
          fileDb.close();
        },
      };
    };
    try {
      const first = await start();
      const before = await openChart(first.session);
      first.session.close();
      await first.stop();
      const calls = sim.stats.calls('GetCandles');

      const second = await start();
      const after = await openChart(second.session);
      expect(sim.stats.calls('GetCandles')).toBe(calls);
      expectSameClosed(after.bars, before.bars.filter(isClosed));
      second.session.close();
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('without a cache, the same reopen asks the venue again', async () => {
    const plain = new Hub({ now });
    plain.addVenue((sink) => createTInvestVenue({ endpoint: sim.endpoint, token: sim.token, mode: 'demo', tls: false, sink, now }));
    await plain.connect('tinvest');
    try {
      const before = sim.stats.calls('GetCandles');
      await plain.history({ ...KEY, limit: 500 });
      const once = sim.stats.calls('GetCandles');
      expect(once).toBeGreaterThan(before);
      await plain.history({ ...KEY, limit: 500 });
      expect(sim.stats.calls('GetCandles')).toBeGreaterThan(once);
    } finally {
      await plain.close();
    }
  });
});
