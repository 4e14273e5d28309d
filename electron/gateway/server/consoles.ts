/**
 * The consoles attached to a gateway: what each one leases (its share of the market-data
 * interest), its clients' bridge sessions (each window's or tab's inspector views, its requests
 * in flight), and when it was last heard from. A console that stops renewing its lease is
 * released as if it had said goodbye: its keys, its views.
 */
import type { CandleKey, MarketKey } from '../../../common/domain.js';
import { candleKeyId, marketKeyId } from '../../../common/domain.js';
import type { Logger } from '../../core/log.js';
import { Session } from '../../bridge/session.js';
import type { BridgeDeps } from '../../bridge/session.js';
import type { MarketFanout } from './market-fanout.js';

export interface ConsolesOptions {
  fanout: MarketFanout;
  /** What each console client's session is built on: the gateway's hub, vault, inspector, alerts. */
  deps: BridgeDeps;
  leaseMs: number;
  log: Logger;
  now?: () => number;
}

interface ConsoleEntry {
  id: string;
  candles: Map<string, CandleKey>;
  markets: Map<string, MarketKey>;
  sessions: Map<string, Session>;
  expiresAt: number;
}

/** A console may run a few windows; more clients than this is a bug or an attack. */
const MAX_CLIENTS_PER_CONSOLE = 64;
/** Consoles at once: a desk is people, not thousands. */
const MAX_CONSOLES = 1_000;

export class ConsoleRegistry {
  private readonly o: ConsolesOptions;
  private readonly consoles = new Map<string, ConsoleEntry>();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly now: () => number;
  /** Consoles released because their lease ran out. */
  expired = 0;

  constructor(o: ConsolesOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    this.timer = setInterval(() => this.sweep(), Math.max(250, Math.floor(o.leaseMs / 5)));
    this.timer.unref?.();
  }

  get count(): number {
    return this.consoles.size;
  }

  /** Any message from a console keeps it alive; a new one is registered. */
  touch(consoleId: string): ConsoleEntry {
    let c = this.consoles.get(consoleId);
    if (!c) {
      if (this.consoles.size >= MAX_CONSOLES) throw new Error(`more than ${MAX_CONSOLES} consoles`);
      c = { id: consoleId, candles: new Map(), markets: new Map(), sessions: new Map(), expiresAt: 0 };
      this.consoles.set(consoleId, c);
      this.o.log.info(`console ${consoleId} attached`);
    }
    c.expiresAt = this.now() + this.o.leaseMs;
    return c;
  }

  /** The whole set a console holds now: what it gained is retained, what it dropped released. */
  lease(consoleId: string, candles: readonly CandleKey[], markets: readonly MarketKey[]): void {
    const c = this.touch(consoleId);
    const wantC = new Map(candles.map((k) => [candleKeyId(k), k]));
    const wantM = new Map(markets.map((k) => [marketKeyId(k), k]));
    for (const [id, k] of c.candles) if (!wantC.has(id)) this.o.fanout.release(k);
    for (const [id, k] of wantC) if (!c.candles.has(id)) this.o.fanout.retain(k);
    for (const [id, k] of c.markets) if (!wantM.has(id)) this.o.fanout.releaseMarket(k);
    for (const [id, k] of wantM) if (!c.markets.has(id)) this.o.fanout.retainMarket(k);
    c.candles = wantC;
    c.markets = wantM;
  }

  /** The bridge session of one client of a console, made on its first request. */
  session(consoleId: string, clientId: string): Session {
    const c = this.touch(consoleId);
    let s = c.sessions.get(clientId);
    if (!s) {
      if (c.sessions.size >= MAX_CLIENTS_PER_CONSOLE) throw new Error(`more than ${MAX_CLIENTS_PER_CONSOLE} clients on console ${consoleId}`);
      // Nothing is pushed from here: consoles get market data, orders and events over NATS, so
      // the session listens to nothing (N consoles must not mean N batchers per order event).
      s = new Session({ ...this.o.deps, transport: 'nats', push: () => undefined, pushes: false });
      c.sessions.set(clientId, s);
    }
    return s;
  }

  /** The console left, or went silent: everything it held goes. */
  release(consoleId: string, why: string): void {
    const c = this.consoles.get(consoleId);
    if (!c) return;
    this.consoles.delete(consoleId);
    for (const k of c.candles.values()) this.o.fanout.release(k);
    for (const k of c.markets.values()) this.o.fanout.releaseMarket(k);
    for (const s of c.sessions.values()) s.close();
    this.o.log.info(`console ${consoleId} released: ${why}`);
  }

  close(): void {
    clearInterval(this.timer);
    for (const id of [...this.consoles.keys()]) this.release(id, 'the gateway is stopping');
  }

  private sweep(): void {
    const now = this.now();
    for (const c of [...this.consoles.values()]) {
      if (c.expiresAt <= now) {
        this.expired += 1;
        this.release(c.id, 'its lease ran out (no renewal)');
      }
    }
  }
}
