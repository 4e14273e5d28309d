/**
 * Dead man's switch (doc §2.4 CancelAllOrdersAfter, WS cancel_all_orders_after): while we
 * are connected we keep pushing the venue's cancel-everything timer forward, so if this
 * process dies or loses the network for `timeoutSec`, the venue cancels our orders.
 */

export interface DeadManSwitchOptions {
  timeoutSec: number;
  /** How often to re-arm; Kraken suggests every 15–30 s for a 60 s timeout. */
  everyMs?: number;
  /** Sends cancel_all_orders_after with this timeout (0 disarms). */
  send: (timeoutSec: number) => Promise<void>;
  onError: (e: unknown) => void;
}

export class DeadManSwitch {
  private readonly o: DeadManSwitchOptions;
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: DeadManSwitchOptions) {
    if (!(opts.timeoutSec > 0 && opts.timeoutSec < 86400)) throw new Error('dead man timeout must be in (0, 86400) s');
    this.o = opts;
  }

  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** Arms now and keeps re-arming until stop(). */
  start(): void {
    if (this.timer) return;
    const every = this.o.everyMs ?? Math.max(1000, Math.floor((this.o.timeoutSec * 1000) / 3));
    this.timer = setInterval(() => this.arm(), every);
    this.timer.unref();
    this.arm();
  }

  /** Stops re-arming; the venue's timer keeps running (what we want when the link is lost). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A planned stop: turn the venue's timer off so a clean shutdown cancels nothing. */
  async disarm(): Promise<void> {
    this.stop();
    await this.o.send(0);
  }

  private arm(): void {
    this.o.send(this.o.timeoutSec).catch((e: unknown) => this.o.onError(e));
  }
}
