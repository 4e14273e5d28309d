/**
 * The venue's idle pings: a Ping goes out only when a stream sent nothing else for the ping
 * delay. One timer per stream, on the wall clock (pings are about the connection, not the
 * market); it re-arms for the rest of the delay when something went out meanwhile.
 */
export class IdlePinger {
  private timer: NodeJS.Timeout | undefined;
  private lastWriteMs = Date.now();
  private stopped = false;

  constructor(
    private delayMs: number,
    private readonly ping: () => void,
  ) {}

  get delay(): number {
    return this.delayMs;
  }

  /** Something went out: the idle clock starts again. */
  wrote(): void {
    this.lastWriteMs = Date.now();
  }

  start(): void {
    this.arm(this.delayMs);
  }

  /** A new delay counts from the last write, as if it had been the delay all along. */
  setDelay(ms: number): void {
    this.delayMs = ms;
    this.arm(Math.max(0, ms - (Date.now() - this.lastWriteMs)));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(inMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const idle = Date.now() - this.lastWriteMs;
      if (idle >= this.delayMs) {
        this.ping();
        this.arm(this.delayMs);
      } else this.arm(this.delayMs - idle);
    }, inMs);
    this.timer.unref();
  }
}
