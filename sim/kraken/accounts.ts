/**
 * The one simulated account: balances per asset as integers on the asset's own decimals
 * (what Balance prints), and the amounts open orders hold (BalanceEx hold_trade).
 */
import { parseScaled } from '../../common/decimal.js';
import type { PairDirectory } from './pairs.js';
import { rescale } from './wire.js';

export interface LedgerEntry {
  ledgerId: string;
  /** The fill (trade id) that moved it. */
  refId: string;
  assetId: string;
  /** Signed change, asset scale; fee already taken out. */
  amount: bigint;
  fee: bigint;
  /** Balance after, asset scale. */
  balance: bigint;
  timeMs: number;
}

export const DEFAULT_BALANCES: Readonly<Record<string, string>> = {
  ZUSD: '100000',
  XXBT: '2',
  XETH: '25',
  SOL: '300',
  XXDG: '150000',
  ADA: '40000',
};

export class Accounts {
  private readonly balances = new Map<string, bigint>();
  readonly ledger: LedgerEntry[] = [];

  constructor(
    private readonly dir: PairDirectory,
    initial: Readonly<Record<string, string>>,
  ) {
    for (const a of dir.assets) this.balances.set(a.id, 0n);
    for (const [name, text] of Object.entries(initial)) {
      const a = dir.assetNamed(name);
      if (!a) throw new Error(`unknown asset in balances: ${name}`);
      const v = parseScaled(text);
      this.balances.set(a.id, rescale(v.int, v.scale, a.decimals));
    }
  }

  balance(assetId: string): bigint {
    return this.balances.get(assetId) ?? 0n;
  }

  assetIds(): string[] {
    return [...this.balances.keys()];
  }

  /** Moves a balance and writes the ledger line the balances channel reports. */
  move(assetId: string, amount: bigint, fee: bigint, ledgerId: string, refId: string, timeMs: number): LedgerEntry {
    const balance = this.balance(assetId) + amount;
    this.balances.set(assetId, balance);
    const e: LedgerEntry = { ledgerId, refId, assetId, amount, fee, balance, timeMs };
    this.ledger.push(e);
    return e;
  }
}
