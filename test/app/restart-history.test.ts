/**
 * A restart changes nothing a trader sees of the past: the headless app (its own process, one
 * data folder) places orders on both local venues — some fill, some rest, one is cancelled,
 * one refused — then quits and starts again. Orders (with fills and fees), the trade ledger,
 * positions and P&L read over the bridge are the same before and after, and the CSV export
 * names every order. The venues' markets stand still, so unrealized P&L is comparable too.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order, OrderRequest, VenueId } from '../../common/domain.js';
import { BridgeClient } from '../bridge/bridge-client.js';
import { spawnHeadless } from './headless-child.js';
import type { HeadlessChild } from './headless-child.js';
import { Market } from '../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../sim/kraken/server.js';
import type { KrakenSim } from '../../sim/kraken/server.js';
import { krakenReadyLine, tinvestReadyLine } from '../../sim/ready-lines.js';
import { startOrderVenue } from '../venues/tinvest/order-helpers.js';
import type { OrderVenue } from '../venues/tinvest/order-helpers.js';


let tinvest: OrderVenue;
let kraken: KrakenSim;
let home: string;
let demoFile: string;
const children: HeadlessChild[] = [];
const clients: BridgeClient[] = [];

beforeAll(async () => {
  tinvest = await startOrderVenue();
  // A market that is never started: prices stand still, so P&L at the last price is stable.
  kraken = await startKrakenSim({ seed: 3, market: new Market({ seed: 3, symbols: krakenMarketSymbols(), historySeconds: 3_600 }) });
  home = mkdtempSync(path.join(tmpdir(), 'sb-restart-'));
  demoFile = path.join(home, 'demo.jsonl');
  writeFileSync(demoFile, `${JSON.stringify(tinvestReadyLine(tinvest.sim))}\n${JSON.stringify(krakenReadyLine(kraken))}\n`);
});

afterAll(async () => {
  for (const c of clients.splice(0)) c.terminate();
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await tinvest?.close();
  await kraken?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

async function startApp(): Promise<{ child: HeadlessChild; exited: Promise<unknown>; client: BridgeClient; accounts: Record<VenueId, string> }> {
  const { child, exited, url } = await spawnHeadless({ home, dataDir: path.join(home, 'data'), demoFile }, children);
  const client = await BridgeClient.open(url);
  clients.push(client);
  let accounts: Record<VenueId, string> | undefined;
  const end = Date.now() + 60_000;
  while (!accounts) {
    if (Date.now() > end) throw new Error('the venues never went live');
    const r = await client.request('venues.list', {});
    const t = r.ok ? r.value.find((s) => s.id === 'tinvest' && s.state === 'live' && s.accounts.length > 0) : undefined;
    const k = r.ok ? r.value.find((s) => s.id === 'kraken' && s.state === 'live' && s.accounts.length > 0) : undefined;
    if (t && k) accounts = { tinvest: t.accounts[0]!.id, kraken: k.accounts[0]!.id };
    else await new Promise((res) => setTimeout(res, 50));
  }
  return { child, exited, client, accounts };
}

async function until(what: string, cond: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What a trader sees of the past, read over the bridge, in a stable order. */
async function pastOf(client: BridgeClient): Promise<unknown> {
  const orders = (await client.value('orders.list', {})).map((o: Order) => ({ ...o, fills: [...o.fills].sort((a, b) => a.tradeId.localeCompare(b.tradeId)) }));
  const trades = await client.value('trades.list', {});
  const pnl = await client.value('positions.pnl', {});
  return { orders, trades, pnl };
}

describe('a restart of the app', () => {
  it('keeps orders, fills, trades, positions and P&L the same', { timeout: 180_000 }, async () => {
    const a = await startApp();
    const req = (venue: VenueId, patch: Partial<OrderRequest>): OrderRequest =>
      venue === 'tinvest'
        ? { venue, accountId: a.accounts.tinvest, instrumentId: tinvest.sber.uid, side: 'buy', type: 'limit', quantity: '1', price: '150.00', clientOrderId: randomUUID(), ...patch }
        : { venue, accountId: a.accounts.kraken, instrumentId: 'XXBTZUSD', side: 'buy', type: 'limit', quantity: '0.001', price: '1000.0', clientOrderId: randomUUID(), ...patch };
    const placed = [
      req('tinvest', { type: 'market', quantity: '2' }),
      req('tinvest', { side: 'sell', type: 'market', quantity: '1' }),
      req('tinvest', {}),
      req('tinvest', { quantity: '100000000' }), // more than the account can pay: refused by the venue
      req('kraken', { type: 'market', quantity: '0.01' }),
      req('kraken', { side: 'sell', type: 'market', quantity: '0.004' }),
      req('kraken', {}),
    ];
    for (const r of placed) {
      const { price, ...rest } = r;
      await a.client.request('orders.place', r.type === 'market' ? rest : { ...rest, price: price! });
    }
    const resting = placed[2]!;
    expect(await a.client.value('orders.cancel', { venue: 'tinvest', accountId: resting.accountId, clientOrderId: resting.clientOrderId })).toMatchObject({ status: 'cancelled' });

    // Every fill is in the trade ledger (the market orders' fills, with fees once the venue's history has them).
    await until('the fills to reach the trade ledger, with their fees', async () => {
      const trades = await a.client.value('trades.list', {});
      return trades.length >= 4 && trades.every((t) => t.fee !== '0');
    });
    const before = await pastOf(a.client);
    const csv = await a.client.value('history.exportCsv', { what: 'orders' });
    for (const r of placed) expect(csv.csv).toContain(r.clientOrderId);

    a.child.kill('SIGTERM');
    await a.exited;
    a.client.terminate();

    const b = await startApp();
    const after = await pastOf(b.client);
    expect(after).toEqual(before);
    const pnl = (before as { pnl: { venue: VenueId; quantity: string; realized: string }[] }).pnl;
    expect(pnl.map((p) => p.venue).sort()).toEqual(['kraken', 'tinvest']);
  });
});
