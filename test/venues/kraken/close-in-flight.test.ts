/**
 * Closing the Kraken adapter while an order is in flight: the private socket closes only after
 * the order's answer came (bounded), instead of being cut into `unknown`. Between the adapter
 * and the local venue sits a small WebSocket relay that, once told, delays everything the
 * venue sends on the private socket — so the order is genuinely in flight when close() starts.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { OrderEvidence } from '../../../common/domain.js';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { RecordingSink, closeAll, tempStateDir, waitFor } from './helpers.js';

interface Relay {
  url: string;
  /** Delay of every frame from the venue to the adapter from now on (0 = none). */
  delayMs: number;
  close(): Promise<void>;
}

/** Relays one WebSocket endpoint; frames from upstream can be held back, in order. */
async function relay(upstream: string): Promise<Relay> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const state: Relay = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/v2`,
    delayMs: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
  wss.on('connection', (down) => {
    const up = new WebSocket(upstream);
    const early: string[] = [];
    up.on('open', () => {
      for (const m of early.splice(0)) up.send(m);
    });
    down.on('message', (d) => (up.readyState === WebSocket.OPEN ? up.send(String(d)) : early.push(String(d))));
    up.on('message', (d) => {
      const text = String(d);
      const deliver = (): void => {
        if (down.readyState === WebSocket.OPEN) down.send(text);
      };
      if (state.delayMs > 0) setTimeout(deliver, state.delayMs);
      else deliver();
    });
    up.on('close', () => down.close());
    down.on('close', () => up.close());
    up.on('error', () => down.terminate());
    down.on('error', () => up.terminate());
  });
  return state;
}

let sim: KrakenSim | undefined;
let venue: KrakenVenue | undefined;
let proxy: Relay | undefined;
afterEach(async () => {
  await closeAll(venue, sim, undefined);
  await proxy?.close();
  venue = undefined;
  sim = undefined;
  proxy = undefined;
});

describe('Kraken adapter close() with an order in flight', () => {
  it('lets the order in flight be answered before the private socket closes: acknowledged, not unknown', async () => {
    sim = await startKrakenSim({ seed: 41 });
    const s = sim;
    proxy = await relay(sim.wsAuth);
    const sink = new RecordingSink();
    venue = createKrakenVenue({
      rest: sim.rest,
      ws: sim.ws,
      wsAuth: proxy.url,
      apiKey: sim.apiKey,
      apiSecret: sim.apiSecret,
      mode: 'demo',
      sink,
      stateDir: tempStateDir(),
      tier: 'pro',
      timing: { closeGraceMs: 30_000 },
    });
    await venue.connect();
    await waitFor('the private socket to be live', () => sink.state('ws-private') === 'live', 20_000);

    // From here the venue's answers (and its executions) take a while to come back.
    proxy.delayMs = 1_500;
    const placing = venue
      .placeOrder({ venue: 'kraken', accountId: 'spot', instrumentId: 'XXBTZUSD', side: 'buy', type: 'limit', quantity: '0.0005', price: '30000', clientOrderId: 'close-1' })
      .then(
        (o): OrderEvidence | unknown => o,
        (e: unknown) => e,
      );
    await waitFor('the venue to hold the order', () => [...s.record.orders.values()].some((r) => r.clOrdId === 'close-1'), 20_000);
    await venue.close();

    expect(await placing).toMatchObject({ kind: 'accepted', clientOrderId: 'close-1', venueOrderId: [...s.record.orders.values()].find((r) => r.clOrdId === 'close-1')?.txid });
  }, 60_000);
});
