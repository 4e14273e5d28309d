/**
 * The venue's accounts and what they hold: brokerage and sandbox accounts, rouble cash and
 * securities in pieces, with the parts blocked by active orders. Money is kept in nanos
 * (value × 10^9) as bigint, so every sum the venue reports is exact.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AccessLevel, AccountStatus, AccountType, VenueError, timestampOfMs } from './wire.js';

export interface Holding {
  /** Pieces held, blocked ones included. */
  pieces: bigint;
  /** Pieces blocked by active sell orders. */
  blocked: bigint;
  /** What the held pieces cost, in nanos: average price = cost / pieces. */
  costNanos: bigint;
}

export interface SimAccount {
  id: string;
  type: number;
  name: string;
  status: number;
  openedMs: number;
  closedMs: number | undefined;
  sandbox: boolean;
  /** Rouble cash in nanos, blocked part included. */
  cash: bigint;
  /** Cash blocked by active buy orders, in nanos. */
  blockedCash: bigint;
  /** By instrument uid. */
  holdings: Map<string, Holding>;
}

/** A 10-digit account id, stable for a seed (production ids look like this). */
function accountIdFor(seed: number, n: number): string {
  const h = createHash('sha256').update(`switchboard-sim:account:${seed}:${n}`).digest();
  return `20${String(h.readUInt32BE(0) % 100_000_000).padStart(8, '0')}`;
}

export class AccountBook {
  private readonly byId = new Map<string, SimAccount>();

  constructor(seed: number, startingCashNanos: bigint) {
    const make = (n: number, type: number, name: string, openedMs: number): SimAccount => ({
      id: accountIdFor(seed, n),
      type,
      name,
      status: AccountStatus.OPEN,
      openedMs,
      closedMs: undefined,
      sandbox: false,
      cash: startingCashNanos,
      blockedCash: 0n,
      holdings: new Map(),
    });
    for (const a of [make(0, AccountType.TINKOFF, 'Брокерский счёт', Date.UTC(2021, 3, 12)), make(1, AccountType.TINKOFF_IIS, 'ИИС', Date.UTC(2022, 8, 1))]) {
      this.byId.set(a.id, a);
    }
  }

  /** Brokerage accounts (UsersService.GetAccounts). */
  brokerage(): SimAccount[] {
    return [...this.byId.values()].filter((a) => !a.sandbox);
  }

  /** Open sandbox accounts (SandboxService.GetSandboxAccounts). */
  sandbox(): SimAccount[] {
    return [...this.byId.values()].filter((a) => a.sandbox && a.status === AccountStatus.OPEN);
  }

  /** Every open account the token may trade. */
  open(): SimAccount[] {
    return [...this.byId.values()].filter((a) => a.status === AccountStatus.OPEN);
  }

  /** An open account by id: 30021 when the id is empty, 50004 when there is no such open account. */
  get(id: string | null | undefined): SimAccount {
    if (!id) throw VenueError.of('30021');
    const a = this.byId.get(id);
    if (!a || a.status !== AccountStatus.OPEN) throw VenueError.of('50004');
    return a;
  }

  /** Any account ever opened, closed ones included; for the venue's record. */
  find(id: string): SimAccount | undefined {
    return this.byId.get(id);
  }

  /** A sandbox account starts empty: no cash until a pay-in. Its id is a UUID, as observed. */
  openSandbox(name: string, nowMs: number): SimAccount {
    const a: SimAccount = {
      id: randomUUID(),
      type: AccountType.TINKOFF,
      name,
      status: AccountStatus.OPEN,
      openedMs: nowMs,
      closedMs: undefined,
      sandbox: true,
      cash: 0n,
      blockedCash: 0n,
      holdings: new Map(),
    };
    this.byId.set(a.id, a);
    return a;
  }

  close(a: SimAccount, nowMs: number): void {
    a.status = AccountStatus.CLOSED;
    a.closedMs = nowMs;
  }
}

export function holdingOf(a: SimAccount, uid: string): Holding {
  let h = a.holdings.get(uid);
  if (!h) a.holdings.set(uid, (h = { pieces: 0n, blocked: 0n, costNanos: 0n }));
  return h;
}

export function availableCash(a: SimAccount): bigint {
  return a.cash - a.blockedCash;
}

export function availablePieces(a: SimAccount, uid: string): bigint {
  const h = a.holdings.get(uid);
  return h ? h.pieces - h.blocked : 0n;
}

/** Buys `pieces` at `priceNanos` each: the position and its cost grow. */
export function addPieces(a: SimAccount, uid: string, pieces: bigint, priceNanos: bigint): void {
  const h = holdingOf(a, uid);
  h.pieces += pieces;
  h.costNanos += pieces * priceNanos;
}

/** Sells `pieces` (already blocked): the position shrinks at its average cost. */
export function removeBlockedPieces(a: SimAccount, uid: string, pieces: bigint): void {
  const h = holdingOf(a, uid);
  h.costNanos = h.pieces === 0n ? 0n : (h.costNanos * (h.pieces - pieces)) / h.pieces;
  h.pieces -= pieces;
  h.blocked -= pieces;
  if (h.pieces === 0n && h.blocked === 0n) a.holdings.delete(uid);
}

/** The Account message (UsersService.GetAccounts, SandboxService.GetSandboxAccounts). */
export function accountMessage(a: SimAccount): Record<string, unknown> {
  return {
    id: a.id,
    type: a.type,
    name: a.name,
    status: a.status,
    opened_date: timestampOfMs(a.openedMs),
    ...(a.closedMs !== undefined ? { closed_date: timestampOfMs(a.closedMs) } : {}),
    access_level: AccessLevel.FULL_ACCESS,
  };
}
