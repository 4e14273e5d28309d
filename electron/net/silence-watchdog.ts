/**
 * Liveness for streams that can go quiet without an error (§5 of the T-Invest notes: streams
 * that "silently stop delivering"). The hot path only bumps a counter; a timer compares it
 * eight times per interval, so the per-message cost is one increment.
 *
 * The silence it measures is an upper bound: a frame counted at a tick arrived after the tick
 * before it, so silence runs from that earlier tick. "Dead" is called on the last tick before
 * that bound passes the limit: at most `deadAfterIntervals` intervals since the last frame (timer
 * lateness aside), and at least that less two ticks (a quarter interval). A tick
 * that comes late means our own event loop was busy (frames may be waiting unread behind the
 * timer): such a tick judges nothing, so a busy process is never taken for a silent venue.
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

/** Ticks per interval: detection lands within one eighth of an interval of the limit. */
const TICKS_PER_INTERVAL = 8;

export class SilenceWatchdog {
  /** Bumped by the owner on every frame. */
  frames = 0;
  private seen = 0;
  /** A time no later than the last frame (see the file comment). */
  private lastActivity: number;
  private lastInterval: number;
  private lastTick: number;
  private late = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly opts: SilenceWatchdogOptions;
  private readonly now: () => number;
  private readonly deadMs: number;
  private readonly tickMs: number;
  /** A gap between ticks this long means our loop was held up, not that the venue went quiet. */
  private readonly heldUpMs: number;

  constructor(opts: SilenceWatchdogOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.deadMs = opts.intervalMs * (opts.deadAfterIntervals ?? 3);
    this.tickMs = Math.max(5, Math.floor(opts.intervalMs / TICKS_PER_INTERVAL));
    this.heldUpMs = Math.max(2 * this.tickMs, opts.intervalMs / 2);
    this.lastActivity = this.now();
    this.lastInterval = this.lastActivity;
    this.lastTick = this.lastActivity;
  }

  start(): void {
    this.stop();
    this.lastActivity = this.now();
    this.lastInterval = this.lastActivity;
    this.lastTick = this.lastActivity;
    this.seen = this.frames;
    this.late = false;
    this.timer = setInterval(() => this.tick(), this.tickMs);
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
    const prevTick = this.lastTick;
    this.lastTick = now;
    if (now - prevTick > this.heldUpMs) {
      // Our loop was held up: frames may be waiting unread. Judge again on the next tick.
      this.seen = this.frames;
      this.lastActivity = Math.max(this.lastActivity, prevTick);
      return;
    }
    if (this.frames !== this.seen) {
      this.seen = this.frames;
      // The frames came after the previous tick: silence is measured from there.
      this.lastActivity = prevTick;
      this.late = false;
    }
    const silent = now - this.lastActivity;
    // One tick early, so the silence at detection (an upper bound) stays within the limit.
    if (silent + this.tickMs > this.deadMs) {
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
