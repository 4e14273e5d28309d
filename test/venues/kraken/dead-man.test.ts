import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeadManSwitchState } from '../../../common/domain.js';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { DeadManSwitch } from '../../../electron/venues/kraken/dead-man.js';
import { startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { RecordingSink, removeStateDirs, sleep, tempStateDir, waitFor } from './helpers.js';

let sim: KrakenSim | undefined;
let venue: KrakenVenue | undefined;
afterEach(async () => {
  await venue?.close();
  await sim?.close();
  removeStateDirs();
});

describe("Kraken dead man's switch", () => {
  it('arms at once, re-arms on a period, and a planned stop disarms with timeout 0', async () => {
    const sent: number[] = [];
    const d = new DeadManSwitch({ timeoutSec: 60, everyMs: 30, send: async (t) => void sent.push(t), onError: () => undefined });
    d.start();
    expect(sent).toEqual([60]);
    await waitFor('two re-arms', () => sent.length >= 3, 2_000);
    await d.disarm();
    const n = sent.length;
    expect(sent.at(-1)).toBe(0);
    await sleep(100);
    expect(sent).toHaveLength(n);
  });

  it("reports armed once the venue answers, lapsing at the venue's time when refreshing stops, and nothing pending after a planned stop", async () => {
    const states: DeadManSwitchState[] = [];
    let at = 1_000_000;
    const d = new DeadManSwitch({
      timeoutSec: 60,
      everyMs: 60_000,
      send: async (t) => (t > 0 ? (at += 1_000) : undefined),
      onError: () => undefined,
      onState: (st) => void states.push(st),
    });
    expect(d.state).toEqual({ armed: false, timeoutSec: 60 });
    d.start();
    await waitFor('the first answer', () => states.length >= 1, 2_000);
    expect(states).toEqual([{ armed: true, timeoutSec: 60, triggerAt: 1_001_000 }]);
    d.stop();
    expect(states.at(-1)).toEqual({ armed: false, timeoutSec: 60, triggerAt: 1_001_000 });
    d.start();
    await waitFor('the second answer', () => states.length >= 3, 2_000);
    expect(states.at(-1)).toEqual({ armed: true, timeoutSec: 60, triggerAt: 1_002_000 });
    await d.disarm();
    expect(states.at(-1)).toEqual({ armed: false, timeoutSec: 60 });
  });

  it('refuses a timeout Kraken would not take', () => {
    for (const timeoutSec of [-1, 1.5, 86_400]) {
      expect(() => new DeadManSwitch({ timeoutSec, send: async () => undefined, onError: () => undefined })).toThrow(/whole number of seconds/);
    }
  });

  it('a stale token during re-arm is replaced and a clean close leaves resting orders alone', { timeout: 30_000 }, async () => {
    sim = await startKrakenSim({ seed: 61 });
    const sink = new RecordingSink();
    venue = createKrakenVenue({
      rest: sim.rest, ws: sim.ws, wsAuth: sim.wsAuth, apiKey: sim.apiKey, apiSecret: sim.apiSecret,
      mode: 'demo', sink, stateDir: tempStateDir(), deadManSwitchSec: 2,
    });
    await venue.connect();
    const o = await venue.placeOrder({ venue: 'kraken', accountId: 'spot', instrumentId: 'XXBTZUSD', side: 'buy', type: 'limit', quantity: '0.001', price: '30000', clientOrderId: 'dms-1' });
    expect(o).toMatchObject({ kind: 'accepted', clientOrderId: 'dms-1' });
    const txid = o.venueOrderId!;
    await waitFor('the stream to show it open', () => sink.statuses('dms-1').has('open'));
    sim.faults.revokeTokens();
    // The next re-arm is refused for its token; the adapter reconnects with a fresh one and keeps arming.
    await waitFor('private reconnect for a fresh token', () => sink.conn('ws-private').reconnects >= 1, 5_000);
    await waitFor('private live again', () => sink.state('ws-private') === 'live', 10_000);
    await sleep(2_500);
    expect(sim.record.orders.get(txid)?.status).toBe('open');
    await venue.close();
    venue = undefined;
    await sleep(2_500);
    expect(sim.record.orders.get(txid)?.status).toBe('open');
  });

  it('when the app dies without warning, the venue cancels its orders after the timeout', { timeout: 60_000 }, async () => {
    sim = await startKrakenSim({ seed: 62 });
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./dead-man-child.ts', import.meta.url))], {
      env: { ...process.env, KR_REST: sim.rest, KR_WS: sim.ws, KR_KEY: sim.apiKey, KR_SECRET: sim.apiSecret, KR_STATE: tempStateDir() },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('the child to place its order', () => out.includes('dms-child'), 30_000);
    const order = () => [...sim!.record.orders.values()].find((r) => r.clOrdId === 'dms-child');
    expect(order()?.status).toBe('open');
    // Still armed and re-armed while alive: past the 2 s timeout the order rests on.
    await sleep(3_000);
    expect(order()?.status).toBe('open');
    child.kill('SIGKILL');
    await waitFor('the venue to cancel it', () => order()?.status === 'canceled', 10_000);
    expect(order()?.reason).toBe("Dead man's switch");
  });
});
