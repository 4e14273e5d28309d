/**
 * Diagnostics are output, not logs: one ConnectionMonitor per (venue, connection) turns what
 * an adapter reports into the ConnectionDiagnostics the panel shows, and tells the hub about
 * every state transition so it can cross the bridge as an event.
 */
import type {
  BreakerState,
  ConnectionDiagnostics,
  ConnectionState,
  DeadManSwitchState,
  LimiterHeadroom,
  MalformedSample,
  StateChange,
  VenueErrorInfo,
  VenueId,
} from '../../common/domain.js';
import type { ConnectionReporter } from '../venues/venue.js';
import { redact } from './log.js';

export const TIMELINE_LENGTH = 20;
/** The message rate is averaged over this many whole seconds before the current one. */
export const RATE_WINDOW_SECONDS = 5;
const MAX_TEXT_LENGTH = 200;
/** Malformed frames kept per connection for inspection, and how much of each. */
export const MALFORMED_SAMPLES = 8;
const MAX_FRAME_SAMPLE = 2048;
/** Longer than any secret shape we know (T-Invest tokens ~90, registered secrets ≤ 512 chars). */
const REDACT_MARGIN = 600;

export interface ConnectionTransition extends StateChange {
  venue: VenueId;
  connection: string;
}

export interface MonitorOptions {
  now?: () => number;
  onState?: (t: ConnectionTransition) => void;
}

export class ConnectionMonitor implements ConnectionReporter {
  private current: ConnectionState = 'idle';
  private readonly timeline: StateChange[] = [];
  private lastMessageAt: number | undefined;
  private messages = 0;
  /** Bytes received, counted only on connections whose adapter tells frame sizes. */
  private bytes: number | undefined;
  /** Messages per whole second, keyed by the second; only the last few are kept. */
  private readonly buckets = new Map<number, number>();
  private reconnects = 0;
  private rtt: number | undefined;
  private subs = { pending: 0, confirmed: 0 };
  private limiterList: LimiterHeadroom[] = [];
  private breakerList: BreakerState[] = [];
  private lastError: VenueErrorInfo | undefined;
  private malformedCount = 0;
  private readonly samples: MalformedSample[] = [];
  private skew: number | undefined;
  private deadMan: DeadManSwitchState | undefined;
  private readonly now: () => number;
  private readonly onState: ((t: ConnectionTransition) => void) | undefined;

  constructor(
    readonly venue: VenueId,
    readonly connection: string,
    opts: MonitorOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.onState = opts.onState;
  }

  get currentState(): ConnectionState {
    return this.current;
  }

  state(state: ConnectionState, reason: string): void {
    // Reasons and errors cross the bridge and may quote what a venue was sent: redacted first.
    const change: StateChange = { state, at: this.now(), reason: redact(reason).slice(0, MAX_TEXT_LENGTH) };
    this.current = state;
    this.timeline.push(change);
    if (this.timeline.length > TIMELINE_LENGTH) this.timeline.shift();
    this.onState?.({ venue: this.venue, connection: this.connection, ...change });
  }

  message(bytes?: number): void {
    if (bytes !== undefined) this.bytes = (this.bytes ?? 0) + bytes;
    const t = this.now();
    this.lastMessageAt = t;
    this.messages += 1;
    const sec = Math.floor(t / 1000);
    this.buckets.set(sec, (this.buckets.get(sec) ?? 0) + 1);
    if (this.buckets.size > RATE_WINDOW_SECONDS + 2) this.prune(sec);
  }

  reconnect(): void {
    this.reconnects += 1;
  }

  /** Frames counted as malformed so far. */
  get malformedTotal(): number {
    return this.malformedCount;
  }

  /** The newest malformed sample (redacted, cut short), if any. */
  lastMalformed(): MalformedSample | undefined {
    return this.samples[this.samples.length - 1];
  }

  /** Counted; the frame is kept redacted and cut short, since it may hold anything a venue sent. */
  malformed(detail: string, frame?: string): void {
    this.malformedCount += 1;
    const sample: MalformedSample = { at: this.now(), detail: redact(detail).slice(0, MAX_TEXT_LENGTH) };
    if (frame !== undefined) {
      // Redacted before it is cut: a cut through a secret would leave its head unrecognisable.
      // Only a window a little wider than what is kept is scanned, so a huge frame costs little.
      if (frame.length <= MAX_FRAME_SAMPLE) sample.frame = redact(frame);
      else sample.frame = `${redact(frame.slice(0, MAX_FRAME_SAMPLE + REDACT_MARGIN)).slice(0, MAX_FRAME_SAMPLE)}… (${frame.length} chars)`;
    }
    this.samples.push(sample);
    if (this.samples.length > MALFORMED_SAMPLES) this.samples.shift();
  }

  clockSkew(ms: number): void {
    if (Number.isFinite(ms)) this.skew = Math.round(ms);
  }

  error(err: VenueErrorInfo): void {
    this.lastError = { ...err, message: redact(err.message) };
  }

  pingRtt(ms: number): void {
    this.rtt = ms;
  }

  subscriptions(pending: number, confirmed: number): void {
    this.subs = { pending, confirmed };
  }

  limiters(l: LimiterHeadroom[]): void {
    this.limiterList = l.map((x) => ({ ...x }));
  }

  breakers(b: BreakerState[]): void {
    this.breakerList = b.map((x) => ({ ...x }));
  }

  deadManSwitch(d: DeadManSwitchState): void {
    this.deadMan = { ...d };
  }

  /** Messages per second over the last RATE_WINDOW_SECONDS whole seconds (the current one is still filling). */
  messageRate(): number {
    const sec = Math.floor(this.now() / 1000);
    this.prune(sec);
    let n = 0;
    for (const [s, count] of this.buckets) if (s < sec && s >= sec - RATE_WINDOW_SECONDS) n += count;
    return n / RATE_WINDOW_SECONDS;
  }

  snapshot(): ConnectionDiagnostics {
    const out: ConnectionDiagnostics = {
      venue: this.venue,
      connection: this.connection,
      state: this.current,
      timeline: this.timeline.map((c) => ({ ...c })),
      messageRate: this.messageRate(),
      messages: this.messages,
      reconnects: this.reconnects,
      subscriptions: { ...this.subs },
      limiters: this.limiterList.map((x) => ({ ...x })),
      breakers: this.breakerList.map((x) => ({ ...x })),
      malformed: this.malformedCount,
      malformedSamples: this.samples.map((x) => ({ ...x })),
    };
    if (this.skew !== undefined) out.clockSkewMs = this.skew;
    if (this.lastMessageAt !== undefined) out.lastMessageAt = this.lastMessageAt;
    if (this.rtt !== undefined) out.pingRttMs = this.rtt;
    if (this.bytes !== undefined) out.bytesReceived = this.bytes;
    if (this.lastError !== undefined) out.lastError = { ...this.lastError };
    if (this.deadMan !== undefined) out.deadManSwitch = { ...this.deadMan };
    return out;
  }

  private prune(sec: number): void {
    for (const s of this.buckets.keys()) if (s < sec - RATE_WINDOW_SECONDS) this.buckets.delete(s);
  }
}

/** All monitors of the app, one per (venue, connection), kept across reconnects of the venue. */
export class DiagnosticsRegistry {
  private readonly monitors = new Map<string, ConnectionMonitor>();

  constructor(private readonly opts: MonitorOptions = {}) {}

  monitor(venue: VenueId, connection: string): ConnectionMonitor {
    const id = `${venue}|${connection}`;
    let m = this.monitors.get(id);
    if (!m) {
      m = new ConnectionMonitor(venue, connection, this.opts);
      this.monitors.set(id, m);
    }
    return m;
  }

  of(venue: VenueId): ConnectionMonitor[] {
    return [...this.monitors.values()].filter((m) => m.venue === venue);
  }

  snapshot(): ConnectionDiagnostics[] {
    return [...this.monitors.values()].map((m) => m.snapshot());
  }
}
