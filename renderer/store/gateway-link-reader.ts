/**
 * The console's link to its gateway, read from the bridge (`gateway.link`) once a second while
 * something on screen shows it. One reader per bridge, shared by every view that shows the link
 * (the diagnostics panel, the status bar): one read a second however many look. An answer of null
 * means this app has a core of its own; it never gains a link, so reading stops for good.
 * React-free, so tests of the main side's project can run it; the hook is in gateway-link.ts.
 */
import type { BridgeApi, GatewayLinkStatus } from '../../electron/contract.js';

export const GATEWAY_LINK_READ_MS = 1000;

/** How the reader waits between reads; tests pass their own to step it by hand. */
export interface ReadTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: ReadTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class GatewayLinkReader {
  /** undefined: no answer yet; null: a core of its own (no link, ever). */
  private value: GatewayLinkStatus | null | undefined = undefined;
  private readonly listeners = new Set<() => void>();
  private timer: unknown = undefined;
  private reading = false;
  /** Reads that failed (the bridge down, say); the last answer stands meanwhile. */
  failures = 0;

  constructor(
    private readonly bridge: Pick<BridgeApi, 'invoke'>,
    private readonly timers: ReadTimers = realTimers,
    private readonly everyMs = GATEWAY_LINK_READ_MS,
  ) {}

  current(): GatewayLinkStatus | null | undefined {
    return this.value;
  }

  /** Reads while anyone listens; the first listener reads at once. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.read();
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      this.timers.clear(this.timer);
      this.timer = undefined;
    };
  }

  private read(): void {
    // One read at a time: the next is scheduled when this one is answered.
    if (this.reading || this.value === null || this.listeners.size === 0) return;
    this.timers.clear(this.timer);
    this.timer = undefined;
    this.reading = true;
    void this.bridge
      .invoke('gateway.link', {})
      .then(
        (r) => {
          if (!r.ok) return void this.failures++;
          this.value = r.value;
          for (const l of [...this.listeners]) l();
        },
        () => void this.failures++,
      )
      .finally(() => {
        this.reading = false;
        if (this.value !== null && this.listeners.size > 0) this.timer = this.timers.set(() => this.read(), this.everyMs);
      });
  }
}
