/**
 * Liveness for streams that can go quiet without an error (§5 of the T-Invest notes: streams
 * that "silently stop delivering"). The hot path only bumps a counter; a timer compares it
 * a few times per interval, so the per-message cost is one increment.
 */
export interface SilenceWatchdogOptions {
  /** Expected longest gap between frames while healthy (the ping interval). */
  intervalMs: number;
  /** Silence of this many intervals is death. */
  deadAfterIntervals?: number;
  now?: () => number;
  /** Once per interval: time to ask the other side for a sign of life. */
  onInterval?: (silentMs: number) => void;
  /** Silence passed the limit; the watchdog stops itself before calling. */
  onDead: (silentMs: number) => void;
  /** Silence of two intervals: worth showing, not yet worth a reconnect. */
  onLate?: (silentMs: number) => void;
}

export class SilenceWatchdog {
  /** Bumped by the owner on every frame. */
  frames = 0;
  private seen = 0;
  private lastActivity: number;
  private lastInterval: number;
  private late = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly opts: SilenceWatchdogOptions;
  private readonly now: () => number;
  private readonly deadMs: number;

  constructor(opts: SilenceWatchdogOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.deadMs = opts.intervalMs * (opts.deadAfterIntervals ?? 3);
    this.lastActivity = this.now();
    this.lastInterval = this.lastActivity;
  }

  start(): void {
    this.stop();
    this.lastActivity = this.now();
    this.lastInterval = this.lastActivity;
    this.seen = this.frames;
    this.late = false;
    // A quarter interval keeps detection within a quarter interval of the limit.
    this.timer = setInterval(() => this.tick(), Math.max(10, Math.floor(this.opts.intervalMs / 4)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** True while the stream has been silent two intervals or more. */
  get isLate(): boolean {
    return this.late;
  }

  private tick(): void {
    const now = this.now();
    if (this.frames !== this.seen) {
      this.seen = this.frames;
      this.lastActivity = now;
      this.late = false;
    }
    const silent = now - this.lastActivity;
    if (silent >= this.deadMs) {
      this.stop();
      this.opts.onDead(silent);
      return;
    }
    if (!this.late && silent >= 2 * this.opts.intervalMs) {
      this.late = true;
      this.opts.onLate?.(silent);
    }
    if (now - this.lastInterval >= this.opts.intervalMs) {
      this.lastInterval = now;
      this.opts.onInterval?.(silent);
    }
  }
}
