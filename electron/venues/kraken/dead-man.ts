/**
 * Dead man's switch (doc §2.4 CancelAllOrdersAfter, WS cancel_all_orders_after): while we
 * are connected we keep pushing the venue's cancel-everything timer forward, so if this
 * process dies or loses the network for `timeoutSec`, the venue cancels our orders.
 */
import type { DeadManSwitchState } from '../../../common/domain.js';

export interface DeadManSwitchOptions {
  timeoutSec: number;
  /** How often to re-arm; Kraken suggests every 15–30 s for a 60 s timeout. */
  everyMs?: number;
  /**
   * Sends cancel_all_orders_after with this timeout (0 disarms); resolves with the venue's
   * trigger time (ms since epoch) when its answer names one.
   */
  send: (timeoutSec: number) => Promise<number | undefined>;
  onError: (e: unknown) => void;
  /** Every change of what the diagnostics panel shows: armed, lapsing, disarmed. */
  onState?: (s: DeadManSwitchState) => void;
}

export class DeadManSwitch {
  private readonly o: DeadManSwitchOptions;
  private timer: NodeJS.Timeout | undefined;
  /** The venue answered an arm since the last start(). */
  private confirmed = false;
  /** When the venue fires, as it last told us; undefined once disarmed. */
  private triggerAt: number | undefined;

  constructor(opts: DeadManSwitchOptions) {
    // Kraken takes whole seconds below a day.
    if (!(Number.isInteger(opts.timeoutSec) && opts.timeoutSec > 0 && opts.timeoutSec < 86400)) {
      throw new Error(`dead man's switch timeout must be a whole number of seconds in (0, 86400), not ${opts.timeoutSec}`);
    }
    this.o = opts;
  }

  /** Re-arming on its period (the venue may not have confirmed yet). */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** Armed only once the venue confirmed a timer and while we keep refreshing it. */
  get state(): DeadManSwitchState {
    const s: DeadManSwitchState = { armed: this.armed && this.confirmed, timeoutSec: this.o.timeoutSec };
    if (this.triggerAt !== undefined) s.triggerAt = this.triggerAt;
    return s;
  }

  /** Arms now and keeps re-arming until stop(). */
  start(): void {
    if (this.timer) return;
    this.confirmed = false;
    const every = this.o.everyMs ?? Math.max(1000, Math.floor((this.o.timeoutSec * 1000) / 3));
    this.timer = setInterval(() => this.arm(), every);
    this.timer.unref();
    this.arm();
  }

  /** Stops re-arming; the venue's timer keeps running (what we want when the link is lost). */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.o.onState?.(this.state);
  }

  /** A planned stop: turn the venue's timer off so a clean shutdown cancels nothing. */
  async disarm(): Promise<void> {
    this.stop();
    await this.o.send(0);
    this.confirmed = false;
    this.triggerAt = undefined;
    this.o.onState?.(this.state);
  }

  private arm(): void {
    this.o.send(this.o.timeoutSec).then(
      (at) => {
        // A reply that lands after stop() still moved the venue's timer: keep its time.
        this.confirmed = true;
        this.triggerAt = at ?? this.triggerAt;
        this.o.onState?.(this.state);
      },
      (e: unknown) => this.o.onError(e),
    );
  }
}
