/**
 * The console's gateway link in the Diagnostics panel and the status bar, in Chromium.
 *
 * Direct mode: the real headless app has a core of its own; the panel asks `gateway.link`
 * once, hears null, and shows nothing about a gateway.
 *
 * A console: the same bridge (real Session over the real WebSocket bridge, a real core on the
 * local venues standing in for the gateway's forwarded connections) with the bridge's own
 * extension point answering `gateway.link` with a status the test changes between reads, and
 * `app.info` naming the gateway's servers. The panel and the status bar follow it. Needs
 * `npm run build:renderer` first.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayLinkStatus } from '../../electron/contract.js';
import { createApp, type App } from '../../electron/app/create-app.js';
import { handlers } from '../../electron/bridge/handlers.js';
import { startWebSocketBridge, type WebSocketBridgeServer } from '../../electron/bridge/websocket.js';
import { silentLogger } from '../../electron/core/log.js';
import { ROOT_DIR } from '../../electron/headless.js';
import { startKrakenSim, type KrakenSim } from '../../sim/kraken/server.js';
import { startTInvestSim, type TInvestSim } from '../../sim/tinvest/server.js';
import { krakenReadyLine, tinvestReadyLine } from '../../sim/ready-lines.js';
import { MemorySecretStore } from './memory-secret-store.js';
import {
  PATIENCE_MS,
  gatewayConnectionsHeading,
  gatewayLinkRegion,
  gatewayLinkStatus,
  openPage,
  readGatewayLink,
  recordBridgeAnswers,
  startStage,
  until,
  type GatewayLinkView,
} from './workspace-page.js';

describe('the gateway link in a direct app', () => {
  it('is not shown: the app has its own core, its bridge says so, and the panel says nothing of a gateway', async () => {
    const stage = await startStage();
    try {
      const { page, w, problems } = stage;
      const answers = recordBridgeAnswers(page);
      // The socket opened before the recorder listened: open the page again with it listening.
      await page.reload();
      await w.waitForCharts(['SBER', 'BTC/USD']);
      await w.tab('Diagnostics');
      await page.getByRole('article', { name: /^Kraken .* diagnostics$/ }).first().waitFor({ timeout: PATIENCE_MS });
      const links = await until('the panel to ask for the gateway link', async () => answers.get('gateway.link'));
      expect(links).toEqual([{ ok: true, value: null }]);
      expect(await gatewayLinkRegion(page).count()).toBe(0);
      expect(await gatewayConnectionsHeading(page).count()).toBe(0);
      expect(await gatewayLinkStatus(page).count()).toBe(0);
      expect(await page.getByText(/gateway/i).count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await stage.close();
    }
  }, 180_000);
});

describe('the gateway link in a console', () => {
  const closers: (() => Promise<unknown>)[] = [];
  let app: App;
  let server: WebSocketBridgeServer;
  let status: GatewayLinkStatus;
  let reads = 0;
  const t0 = Date.now() - 60_000;

  beforeAll(async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'switchboard-gwlink-'));
    closers.push(() => rm(tmp, { recursive: true, force: true }));
    const tinvest: TInvestSim = await startTInvestSim({ seed: 3 });
    closers.push(() => tinvest.close());
    const kraken: KrakenSim = await startKrakenSim({ seed: 3 });
    closers.push(() => kraken.close());
    app = await createApp({ demoLines: [tinvestReadyLine(tinvest), krakenReadyLine(kraken)], stateDir: tmp, dataDir: tmp, secretStore: new MemorySecretStore(), log: silentLogger });
    closers.push(() => app.close());
    status = {
      servers: ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223'],
      user: 'trader',
      state: 'reconnecting',
      timeline: [
        { state: 'connecting', at: t0, reason: '' },
        { state: 'live', at: t0 + 1000, reason: '' },
        { state: 'reconnecting', at: t0 + 30_000, reason: 'nats: connection closed' },
      ],
      gatewayId: 'gw-desk-1',
      gatewayStartedAt: t0 - 3_600_000,
      replaySeq: 40,
      streamSeq: 57,
      orderEvents: 40,
      duplicateOrderEvents: 0,
      marketMessages: 1200,
      gaps: 0,
      snapshots: 2,
      malformed: 0,
      reconnects: 1,
      leasedKeys: 2,
      lastError: 'connection closed by the NATS server',
    };
    server = await startWebSocketBridge({
      hub: app.hub,
      modes: app.modes,
      version: app.version,
      log: silentLogger,
      rendererDir: path.join(ROOT_DIR, 'renderer', 'dist'),
      handlers: {
        ...handlers,
        'gateway.link': () => {
          reads++;
          return structuredClone(status);
        },
        'app.info': async (req, ctx) => ({ ...(await handlers['app.info'](req, ctx)), gateway: { servers: status.servers } }),
      },
    });
    closers.push(() => server.close());
  }, 120_000);

  afterAll(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  }, 60_000);

  it('shows the link, follows it from reconnecting to live with the replay position moving, and heads the connections as the gateway’s', async () => {
    const { page, w, problems, close } = await openPage(server.url);
    closers.push(close);
    await w.waitForCharts(['SBER', 'BTC/USD']);
    const bar = gatewayLinkStatus(page);
    await until('the status bar to say via gateway', async () => ((await bar.textContent()) === 'via gateway: reconnecting' ? true : undefined));
    expect(await bar.getAttribute('aria-description')).toBe('nats://127.0.0.1:4222, nats://127.0.0.1:4223');

    await w.tab('Diagnostics');
    const shown = (want: (v: GatewayLinkView) => boolean) => async () => {
      const v = await readGatewayLink(page);
      return v && want(v) ? v : undefined;
    };
    const first = await until('the link reconnecting', shown((v) => v.state === 'reconnecting'));
    expect(first.rows).toMatchObject({
      'Order stream': 'applied seq 40 of 57 (17 behind)',
      'Order events': '40 applied, 0 repeats skipped',
      'Market data': '1200 messages, 0 gaps healed, 2 snapshots',
      NATS: 'nats://127.0.0.1:4222, nats://127.0.0.1:4223 as trader',
      Reconnects: '1',
      'Leased keys': '2',
      'Last error': 'connection closed by the NATS server',
      'Malformed messages': '0',
    });
    expect(first.rows.Gateway).toMatch(/^gw-desk-1, started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(first.rows.RTT).toBe('—');
    expect(first.rows.Since).toMatch(/^\d\d:\d\d:\d\d \(\d+ s\)$/);
    // Newest first.
    expect(first.timeline.map((t) => t.replace(/^\d\d:\d\d:\d\d /, ''))).toEqual(['reconnecting — nats: connection closed', 'live', 'connecting']);

    // Beneath it, the connections the console forwards, headed as the gateway's.
    await gatewayConnectionsHeading(page).waitFor({ timeout: PATIENCE_MS });
    await page.getByRole('article', { name: /^Kraken .* diagnostics$/ }).first().waitFor({ timeout: PATIENCE_MS });

    // The link comes back; the console replays the stream it missed, seeing one repeat.
    const readsBefore = reads;
    status = {
      ...status,
      state: 'live',
      // Newest first this time, as the console's link lists it: the panel shows it the same way.
      timeline: [{ state: 'live', at: Date.now(), reason: '' }, ...[...status.timeline].reverse()],
      rttMs: 0.8,
      replaySeq: 57,
      orderEvents: 57,
      duplicateOrderEvents: 1,
      marketMessages: 1300,
      gaps: 1,
      snapshots: 3,
      reconnects: 1,
    };
    delete status.lastError;
    const live = await until('the link live again', shown((v) => v.state === 'live'));
    expect(reads).toBeGreaterThan(readsBefore);
    expect(live.rows).toMatchObject({
      RTT: '0.8 ms',
      'Order stream': 'applied seq 57 of 57',
      'Order events': '57 applied, 1 repeat skipped',
      'Market data': '1300 messages, 1 gap healed, 3 snapshots',
      'Last error': 'none',
    });
    expect(live.timeline.map((t) => t.replace(/^\d\d:\d\d:\d\d /, ''))).toEqual(['live', 'reconnecting — nats: connection closed', 'live', 'connecting']);
    expect(live.rows.Since).toMatch(/^\d\d:\d\d:\d\d \(\d+ s\)$/);
    await until('the status bar to say live', async () => ((await bar.textContent()) === 'via gateway: live' ? true : undefined));

    // The gateway publishes more; the panel follows the position.
    status = { ...status, streamSeq: 63 };
    await until('the position to move', shown((v) => v.rows['Order stream'] === 'applied seq 57 of 63 (6 behind)'));
    expect(problems).toEqual([]);
  }, 180_000);
});
