/**
 * The lifecycle every long-lived venue stream shares, owned once: which attempt is current
 * (a generation number, so events of an abandoned socket or call are ignored), the state
 * reported to the connection's reporter, the silence watchdog of the current attempt, the
 * jittered reconnect delay and its reset once an attempt has proven itself, and stopping.
 * What is specific to a transport (open a socket or a gRPC call, subscribe, decode, let go of
 * it) stays with its owner and is handed in as callbacks.
 */
import type { ConnectionState, ErrorKind } from '../../common/domain.js';
import { Backoff } from './backoff.js';
import type { BackoffOptions } from './backoff.js';

/** The part of a connection reporter this loop writes to. */
export interface StreamReporter {
  state(s: ConnectionState, reason: string): void;
  reconnect(): void;
}

/** Anything started when an attempt is connected and stopped when it ends (SilenceWatchdog fits). */
export interface AttemptWatchdog {
  start(): void;
  stop(): void;
}

export interface ReconnectLoopOptions {
  reporter: StreamReporter;
  now: () => number;
  backoff?: BackoffOptions;
  /**
   * An attempt live at least this long before it ended resets the backoff; 0 resets it after
   * any attempt that reached live. Quick deaths keep backing off.
   */
  stableMs: number;
  /** Opens one attempt; `gen` identifies it: its events count only while isCurrent(gen). */
  open(gen: number): void;
  /** Whether an attempt may be opened now (false: the timer firing does nothing). */
  ready?(): boolean;
  /** Lets go of the current transport (cancel the call, terminate the socket, clear its timers). */
  release(): void;
  watchdog?: AttemptWatchdog;
  /** Timers do not keep the process alive. */
  unref?: boolean;
  /** Nothing opens until start() (otherwise schedule() works from the first call). */
  manualStart?: boolean;
}

/** How long to wait before the next attempt. */
export interface RetryOptions {
  /** Wait the backoff's longest delay without growing it (credentials refused: asking again soon will not help). */
  longest?: boolean;
  /** Wait at least this long (the venue said when to come back). */
  atLeastMs?: number;
}

/** The wait an error asks for: refused credentials wait longest, a rate limit at least as long as the venue said. */
export function retryAfterError(err: { kind: ErrorKind; retryAfterMs?: number | undefined }): RetryOptions {
  if (err.kind === 'auth') return { longest: true };
  if (err.kind === 'rate-limited' && err.retryAfterMs !== undefined) return { atLeastMs: err.retryAfterMs };
  return {};
}

export class ReconnectLoop {
  private readonly opts: ReconnectLoopOptions;
  private readonly backoff: Backoff;
  private gen = 0;
  private current: ConnectionState = 'idle';
  private timer: NodeJS.Timeout | undefined;
  private liveAt: number | undefined;
  private halted: boolean;

  constructor(opts: ReconnectLoopOptions) {
    this.opts = opts;
    this.backoff = new Backoff(opts.backoff);
    this.halted = opts.manualStart === true;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** The current attempt's number (bumped when an attempt opens and when it is let go). */
  get generation(): number {
    return this.gen;
  }

  isCurrent(gen: number): boolean {
    return gen === this.gen && !this.halted;
  }

  get stopped(): boolean {
    return this.halted;
  }

  /** When the current attempt last became live (ms), or undefined when it has not. */
  get liveSince(): number | undefined {
    return this.liveAt;
  }

  /** Whether an attempt is scheduled. */
  get waiting(): boolean {
    return this.timer !== undefined;
  }

  setState(s: ConnectionState, reason: string): void {
    if (s === this.current) return;
    if (s === 'live') this.liveAt = this.opts.now();
    this.current = s;
    this.opts.reporter.state(s, reason);
  }

  /** (Re)enables the loop and opens an attempt now. */
  start(): void {
    this.halted = false;
    this.openNow();
  }

  /** Opens an attempt after `ms`, replacing one already scheduled. */
  schedule(ms: number): void {
    if (this.halted) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.openNow();
    }, ms);
    if (this.opts.unref) this.timer.unref();
  }

  /** The current attempt's transport is up: its watchdog starts now. */
  connected(): void {
    this.opts.watchdog?.start();
  }

  /**
   * Ends the current attempt without scheduling another: events of it are ignored from now on,
   * its watchdog and any scheduled attempt stop, and the owner lets go of the transport.
   */
  release(): void {
    this.gen += 1;
    this.opts.watchdog?.stop();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.opts.release();
  }

  /**
   * After release(): counts a reconnect, reports 'reconnecting' and schedules the next attempt
   * after the backoff (reset first if the ended attempt stayed live for stableMs). Returns the delay.
   */
  retry(reason: string, how: RetryOptions = {}): number {
    if (this.halted) return 0;
    this.opts.reporter.reconnect();
    const liveFor = this.liveAt === undefined ? -1 : this.opts.now() - this.liveAt;
    this.liveAt = undefined;
    if (liveFor >= this.opts.stableMs) this.backoff.reset();
    const base = how.longest ? this.backoff.longest : this.backoff.next();
    const delay = Math.max(base, how.atLeastMs ?? 0);
    this.setState('reconnecting', `${reason}; next try in ${delay} ms`);
    this.schedule(delay);
    return delay;
  }

  /** Releases and retries, unless stopped (then it only releases). */
  drop(reason: string, how: RetryOptions = {}): void {
    this.release();
    if (!this.halted) this.retry(reason, how);
  }

  /** Stops for good (until start()): the current attempt is released and nothing is scheduled. The owner reports the final state. */
  stop(): void {
    this.halted = true;
    this.liveAt = undefined;
    this.release();
  }

  private openNow(): void {
    if (this.halted || (this.opts.ready && !this.opts.ready())) return;
    this.gen += 1;
    this.liveAt = undefined;
    this.opts.open(this.gen);
  }
}
