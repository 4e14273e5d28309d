/**
 * The replay's time: recording time (ms since the header's `started`) runs at `speed` times
 * real time from the moment the replay starts. Events are served when the clock reaches their
 * recorded time; the adapter's `now` reads the same clock, so its timestamps and age checks see
 * the recorded times. The adapter's own timers (reply timeouts, watchdogs, backoff) stay real
 * timers: at speed 1 they fire where they fired live, which is what makes a lost reply or a
 * silent socket replay the same way.
 */
export class ReplayClock {
  private readonly t0 = performance.now();

  constructor(
    /** Wall-clock ms the recording started (its header's `started`). */
    readonly started: number,
    readonly speed = 1,
  ) {}

  /** Recording time now (ms since the recording started). */
  recNow(): number {
    return (performance.now() - this.t0) * this.speed;
  }

  /** The adapter's clock: the recorded wall clock, in whole ms like Date.now. */
  readonly now = (): number => Math.floor(this.started + this.recNow());

  /** Resolves once recording time reaches `t` (at once when it has). */
  until(t: number): Promise<void> {
    const ms = (t - this.recNow()) / this.speed;
    return ms > 0 ? sleep(ms) : Promise.resolve();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `done` every few ms; false when it did not happen within `limitMs` (real time). */
export async function waitUntil(done: () => boolean, limitMs: number): Promise<boolean> {
  const end = performance.now() + limitMs;
  while (!done()) {
    if (performance.now() > end) return false;
    await sleep(5);
  }
  return true;
}
