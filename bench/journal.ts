/**
 * The order journal's cost. Each figure beside its baseline from the same run:
 * - a durable journal append (an order's intent committed to the database file, WAL with
 *   synchronous=FULL), beside a bare durable write of the same bytes (write + fdatasync on a
 *   plain file: the floor any durable append pays on this disk);
 * - a durable amend intent (what an amend pays before it is sent), beside the order intent;
 * - 1,000 orders end to end (hub → journal → T-Invest adapter → local venue over gRPC →
 *   acknowledgement) with the journal on disk, beside the same with the journal's database in
 *   memory (no disk: the cost of the journal's bookkeeping without its durability). The venue
 *   runs in its own process (`npm run sim`), as a real one would: while the journal waits on
 *   the disk, the venue goes on working.
 */
import { spawn } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { OrderRequest } from '../common/domain.js';
import { pendingOrder } from '../common/domain.js';
import { Hub } from '../electron/core/hub.js';
import { openDatabase } from '../electron/store/db.js';
import { OrderStore } from '../electron/store/order-store.js';
import { createTInvestVenue } from '../electron/venues/tinvest/adapter.js';
import type { Figure } from './figures.js';
import { percentile } from './figures.js';

const APPENDS = 2_000;
const ORDERS = 1_000;
const IN_FLIGHT = 8;

function request(accountId: string, instrumentId: string): OrderRequest {
  return { venue: 'tinvest', accountId, instrumentId, side: 'buy', type: 'limit', quantity: '1', price: '150.00', clientOrderId: randomUUID() };
}

/** µs per durable intent commit, sorted. */
function journalAppends(dir: string): number[] {
  const db = openDatabase({ file: path.join(dir, 'append.db') });
  const store = new OrderStore(db);
  const out: number[] = [];
  try {
    for (let i = 0; i < APPENDS; i++) {
      const req = request('acc-1', 'uid-1');
      const t0 = process.hrtime.bigint();
      store.commitIntent(pendingOrder(req, Date.now()), 'live', req, Date.now());
      out.push(Number(process.hrtime.bigint() - t0) / 1_000);
    }
  } finally {
    store.close();
    db.close();
  }
  return out.sort((a, b) => a - b);
}

/** µs per durable amend intent of one working order (committed alone, as one drag of a price line is), sorted. */
async function amendAppends(dir: string): Promise<number[]> {
  const db = openDatabase({ file: path.join(dir, 'amend.db') });
  const store = new OrderStore(db);
  const out: number[] = [];
  try {
    const req = request('acc-1', 'uid-1');
    const order = { ...pendingOrder(req, Date.now()), status: 'open' as const, venueOrderId: 'R-1' };
    store.commitIntent(order, 'live', req, Date.now());
    for (let i = 0; i < APPENDS; i++) {
      const amend = { venue: 'tinvest' as const, accountId: 'acc-1', clientOrderId: req.clientOrderId, price: (150 + (i % 100) / 100).toFixed(2), amendId: randomUUID() };
      const t0 = process.hrtime.bigint();
      const done = store.amendIntent(order, 'live', amend, Date.now());
      store.flush();
      await done;
      out.push(Number(process.hrtime.bigint() - t0) / 1_000);
    }
  } finally {
    store.close();
    db.close();
  }
  return out.sort((a, b) => a - b);
}

/** µs per bare durable append (the same JSON bytes, write + fdatasync), sorted. */
function bareAppends(dir: string): number[] {
  const fd = openSync(path.join(dir, 'append.log'), 'a');
  const out: number[] = [];
  try {
    for (let i = 0; i < APPENDS; i++) {
      const bytes = Buffer.from(`${JSON.stringify(request('acc-1', 'uid-1'))}\n`);
      const t0 = process.hrtime.bigint();
      writeSync(fd, bytes);
      fdatasyncSync(fd);
      out.push(Number(process.hrtime.bigint() - t0) / 1_000);
    }
  } finally {
    closeSync(fd);
  }
  return out.sort((a, b) => a - b);
}

interface SimProcess {
  endpoint: string;
  token: string;
  accountId: string;
  close(): void;
}

/** The local venues in their own process, with a PostOrder budget no bench run reaches. */
async function startSimProcess(): Promise<SimProcess> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', 'sim/cli.ts', '--tinvest-limit', 'PostOrder=1000000', '--tinvest-cash', '1000000000', '--exit-with-parent', 'ppid'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (l) => {
      const v = JSON.parse(l) as Record<string, unknown>;
      if (v['venue'] === 'tinvest') resolve(v);
    });
    child.once('exit', (code) => reject(new Error(`the local venues exited (${String(code)}) before they were up`)));
  });
  return { endpoint: String(line['endpoint']), token: String(line['token']), accountId: String(line['accountId']), close: () => child.kill('SIGTERM') };
}

/** ms for ORDERS orders placed and acknowledged through the hub, IN_FLIGHT at a time. */
async function ordersEndToEnd(sim: SimProcess, file: string): Promise<number> {
  const db = openDatabase({ file });
  const hub = new Hub({ orderStore: new OrderStore(db) });
  try {
    hub.addVenue((sink) => createTInvestVenue({ endpoint: sim.endpoint, token: sim.token, mode: 'demo', tls: false, sink, accountId: sim.accountId }));
    await hub.connect('tinvest');
    const [sber] = await hub.searchInstruments('tinvest', 'SBER', 1);
    if (!sber) throw new Error('the local venue lists no SBER');
    // Warm up: the instrument, the channel, the JIT.
    for (let i = 0; i < 20; i++) await hub.journal.place(request(sim.accountId, sber.id));
    let next = 0;
    const t0 = performance.now();
    const worker = async (): Promise<void> => {
      while (next < ORDERS) {
        next += 1;
        const o = await hub.journal.place(request(sim.accountId, sber.id));
        if (o.status !== 'open') throw new Error(`bench order ended ${o.status}`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    return performance.now() - t0;
  } finally {
    await hub.shutdown({ inFlightMs: 1_000, cancelMs: 1_000, closeMs: 2_000 });
    db.close();
  }
}

export async function runJournalBench(): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sb-bench-journal-'));
  try {
    const bare = bareAppends(dir);
    const journal = journalAppends(dir);
    const amends = await amendAppends(dir);
    // Alternated, best of three each, so neither side always runs on a quieter machine.
    const disk: number[] = [];
    const memory: number[] = [];
    const sim = await startSimProcess();
    try {
      for (let round = 0; round < 3; round++) {
        const file = path.join(dir, `orders-${round}.db`);
        if (round % 2 === 0) {
          disk.push(await ordersEndToEnd(sim, file));
          memory.push(await ordersEndToEnd(sim, ':memory:'));
        } else {
          memory.push(await ordersEndToEnd(sim, ':memory:'));
          disk.push(await ordersEndToEnd(sim, file));
        }
      }
    } finally {
      sim.close();
    }
    const onDisk = Math.min(...disk);
    const inMemory = Math.min(...memory);
    return [
      { name: 'journal append p50, durable intent commit', value: percentile(journal, 50), unit: 'µs', beside: { label: 'write+fdatasync p50', value: percentile(bare, 50) } },
      { name: 'journal append p99, durable intent commit', value: percentile(journal, 99), unit: 'µs', beside: { label: 'write+fdatasync p99', value: percentile(bare, 99) } },
      { name: 'journal append p50, durable amend intent', value: percentile(amends, 50), unit: 'µs', beside: { label: 'order intent p50', value: percentile(journal, 50) } },
      {
        name: `${ORDERS} orders end to end, journal on disk`,
        value: onDisk,
        unit: 'ms',
        beside: { label: 'journal in memory', value: inMemory },
        target: '≤ 1.1× in memory',
        note: `${IN_FLIGHT} in flight, T-Invest adapter against the local venue (its own process) over gRPC on loopback; best of 3 each, alternated`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
