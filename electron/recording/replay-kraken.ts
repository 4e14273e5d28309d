/**
 * Replays a Kraken recording through the real adapter (createKrakenVenue) with the network
 * replaced: sockets come from the recording (ReplaySocket), REST answers too (replayFetch),
 * and the app's commands are asked again at their recorded times (replay-driver.ts).
 *
 * A socket serves, per connection attempt, the recorded frames in recorded order. An outbound
 * frame of the recording is a gate: the replay waits until the adapter sends one of the same
 * method (a subscribe of the same channel and symbol) and maps the recorded req_id to the
 * adapter's, so replies carry the adapter's ids; bytes are never compared (nonces, tokens and
 * signatures differ). Pings are the adapter's own timing: they never gate, and a pong answers
 * the adapter's last ping. A close the venue made is served as a close; one our side made (an
 * 'out' close) waits for the adapter to let go of the socket itself.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKrakenVenue } from '../venues/kraken/adapter.js';
import type { KrakenVenueOptions } from '../venues/kraken/adapter.js';
import type { SocketLike } from '../venues/kraken/ws.js';
import { APP_CONNECTION } from './command-tap.js';
import { EventLog } from './event-log.js';
import type { Recording, RecordedEvent } from './format.js';
import { ReplayClock, waitUntil } from './replay-clock.js';
import { driveCommands } from './replay-driver.js';
import type { ReplayReport } from './replay-driver.js';

const REST_URL = 'http://replay.invalid';
const PUBLIC_URL = 'ws://replay.invalid/public';
const PRIVATE_URL = 'ws://replay.invalid/private';
/** A well-formed secret that signs nothing real (replies are served from the file). */
const REPLAY_SECRET = Buffer.alloc(64, 7).toString('base64');

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

export interface KrakenReplayOptions {
  /** Recording time per real time; 1 keeps the adapter's own timers where they were live. */
  speed?: number;
  /** The adapter timing the session ran with (the app's defaults when absent). */
  timing?: KrakenVenueOptions['timing'];
  /** How long (real ms) a gate may wait for the adapter before it counts as a divergence. */
  stallMs?: number;
  /** Where domain events go; default a new EventLog. */
  sink?: EventLog;
}

interface Sent {
  method: string;
  /** channel|symbol of a subscribe/unsubscribe. */
  topic: string;
  reqId: number | undefined;
}

const REQ_ID = /"req_id":(\d+)/;

function sentOf(text: string): Sent {
  try {
    const o = JSON.parse(text) as { method?: unknown; req_id?: unknown; params?: { channel?: unknown; symbol?: unknown } };
    return {
      method: typeof o.method === 'string' ? o.method : '?',
      topic: `${String(o.params?.channel ?? '')}|${Array.isArray(o.params?.symbol) ? o.params.symbol.join(',') : ''}`,
      reqId: typeof o.req_id === 'number' ? o.req_id : undefined,
    };
  } catch {
    return { method: '?', topic: '', reqId: undefined };
  }
}

/** A socket that plays one recorded connection attempt to the adapter. */
export class ReplaySocket extends EventEmitter implements SocketLike {
  readyState = CONNECTING;
  /** Recording time of the next event not yet played (Infinity when done). */
  cursorT: number;
  /** How far (recording ms) this attempt runs behind the recording, from gates the adapter was late for. */
  lag = 0;
  private readonly sent: Sent[] = [];
  private readonly reqIds = new Map<number, number>();
  private lastPing: number | undefined;
  private terminated = false;

  constructor(
    private readonly events: readonly RecordedEvent[],
    private readonly clock: ReplayClock,
    private readonly divergences: string[],
    private readonly name: string,
    private readonly stallMs: number,
  ) {
    super();
    this.cursorT = events[0]?.t ?? Infinity;
    this.lag = Math.max(0, clock.recNow() - this.cursorT);
    setImmediate(() => void this.play());
  }

  send(data: string, cb?: (err?: Error) => void): void {
    const s = sentOf(data);
    if (s.method === 'ping') this.lastPing = s.reqId;
    else this.sent.push(s);
    if (cb) setImmediate(() => cb());
  }

  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    const wasOpen = this.readyState !== CLOSED;
    this.readyState = CLOSED;
    if (wasOpen) setImmediate(() => this.emit('close', 1006, Buffer.alloc(0)));
  }

  private async play(): Promise<void> {
    for (let i = 0; i < this.events.length; i++) {
      const ev = this.events[i]!;
      this.cursorT = ev.t;
      if (this.terminated) break;
      if (ev.dir === 'out') {
        if (ev.kind === 'close') {
          if (!(await waitUntil(() => this.terminated, this.stallMs))) this.divergences.push(`${this.name}: the adapter kept a socket the recording closed`);
          break;
        }
        if (ev.kind !== 'frame' || ev.text === undefined) continue;
        const want = sentOf(ev.text);
        if (want.method === 'ping') continue;
        this.gate(want, await this.matchSent(want));
        continue;
      }
      await this.clock.until(ev.t + this.lag);
      if (this.terminated) break;
      if (ev.kind === 'open') {
        this.readyState = OPEN;
        this.emit('open');
      } else if (ev.kind === 'frame') {
        this.emit('message', Buffer.from(this.rewrite(ev.text ?? '')), false);
        // The rest of the same socket read, in the same turn.
        for (let next = this.events[i + 1]; next?.joined && next.dir === 'in' && next.kind === 'frame' && !this.terminated; next = this.events[i + 1]) {
          i++;
          this.emit('message', Buffer.from(this.rewrite(next.text ?? '')), false);
        }
      } else if (ev.kind === 'error') {
        this.emit('error', Object.assign(new Error(ev.status?.detail ?? 'socket error'), { code: ev.status?.code }));
      } else if (ev.kind === 'close') {
        this.readyState = CLOSED;
        this.terminated = true;
        this.emit('close', typeof ev.status?.code === 'number' ? ev.status.code : 1006, Buffer.from(ev.status?.detail ?? ''));
        break;
      }
    }
    this.cursorT = Infinity;
    for (const s of this.sent.splice(0)) this.divergences.push(`${this.name}: the adapter sent ${s.method} ${s.topic} that the recording does not hold`);
  }

  /** Waits for the adapter to send a frame like `want`; undefined when it never did. */
  private async matchSent(want: Sent): Promise<Sent | undefined> {
    let found: Sent | undefined;
    const take = (): boolean => {
      const i = this.sent.findIndex((s) => s.method === want.method && (want.method !== 'subscribe' && want.method !== 'unsubscribe' ? true : s.topic === want.topic));
      if (i < 0) return this.terminated;
      found = this.sent.splice(i, 1)[0];
      return true;
    };
    if (!(await waitUntil(take, this.stallMs)) || (!found && !this.terminated)) {
      this.divergences.push(`${this.name}: the adapter never sent ${want.method} ${want.topic}`);
    }
    return found;
  }

  private gate(want: Sent, got: Sent | undefined): void {
    if (!got) return;
    if (want.reqId !== undefined && got.reqId !== undefined) this.reqIds.set(want.reqId, got.reqId);
    this.lag = Math.max(this.lag, this.clock.recNow() - this.cursorT);
  }

  /** A reply carries the adapter's req_id (a pong: its last ping's); everything else as recorded. */
  private rewrite(text: string): string {
    const m = REQ_ID.exec(text);
    if (!m) return text;
    const recorded = Number(m[1]);
    const actual = text.includes('"method":"pong"') ? this.lastPing : this.reqIds.get(recorded);
    return actual === undefined ? text : text.replace(REQ_ID, `"req_id":${actual}`);
  }
}

/** REST answers from the recording: the n-th call of a method gets the n-th recorded answer of it, after its recorded latency. */
interface ReplayRest {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** Whether a request the recording made before `t` has not been made and answered here yet. */
  behind(t: number): boolean;
}

function replayFetch(events: readonly RecordedEvent[], clock: ReplayClock, divergences: string[]): ReplayRest {
  const requests = events.filter((e) => e.dir === 'out' && e.kind === 'frame');
  const used = new Set<RecordedEvent>();
  /** Requests answered here, or made here and never answered in the recording either. */
  const settled = new Set<RecordedEvent>();
  const behind = (t: number): boolean => requests.some((r) => r.t < t && !settled.has(r));
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const method = new URL(url).pathname.split('/').pop() ?? '';
    const req = requests.find((e) => e.channel === method && !used.has(e));
    if (!req) {
      divergences.push(`rest: the adapter called ${method} more often than the recording did`);
      throw Object.assign(new Error(`${method} is not in the recording`), { code: 'ECONNREFUSED' });
    }
    used.add(req);
    const answer = events.find((e) => e.dir === 'in' && e.call === req.call);
    if (!answer) settled.add(req);
    const signal = init.signal ?? undefined;
    const waitMs = answer ? (answer.t - req.t) / clock.speed : Infinity;
    // No answer recorded: the request hangs until the adapter's own timeout gives up on it.
    await new Promise<void>((resolve, reject) => {
      const timer = Number.isFinite(waitMs) ? setTimeout(resolve, Math.max(0, waitMs)) : undefined;
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        },
        { once: true },
      );
    });
    if (!answer) throw new Error('unreachable');
    // Settled once the adapter has had the turn to take the answer in.
    setImmediate(() => settled.add(req));
    if (answer.kind === 'error') throw Object.assign(new Error(answer.status?.detail ?? 'request failed'), { code: answer.status?.code });
    return new Response(answer.text ?? '', { status: typeof answer.status?.code === 'number' ? answer.status.code : 200 });
  };
  return { fetch, behind };
}

/** Recorded attempts of a socket connection, in the order they were opened. */
function attemptsOf(events: readonly RecordedEvent[], connection: string): RecordedEvent[][] {
  const byCall = new Map<number, RecordedEvent[]>();
  for (const e of events) {
    if (e.connection !== connection) continue;
    const k = e.call ?? 0;
    let a = byCall.get(k);
    if (!a) byCall.set(k, (a = []));
    a.push(e);
  }
  return [...byCall.values()];
}

export async function replayKraken(rec: Recording, opts: KrakenReplayOptions = {}): Promise<ReplayReport> {
  const clock = new ReplayClock(rec.header.started, opts.speed ?? 1);
  const stallMs = opts.stallMs ?? 15_000;
  const divergences: string[] = [];
  const sink = opts.sink ?? new EventLog();
  const sockets: ReplaySocket[] = [];
  const attempts = { public: attemptsOf(rec.events, 'public'), private: attemptsOf(rec.events, 'private') };
  const restEvents = rec.events.filter((e) => e.connection === 'rest');
  const rest = replayFetch(restEvents, clock, divergences);
  const needsKeys = attempts.private.length > 0 || restEvents.some((e) => e.text?.startsWith('POST /0/private/'));
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'switchboard-replay-'));
  try {
    const venue = createKrakenVenue({
      rest: REST_URL,
      ws: PUBLIC_URL,
      wsAuth: PRIVATE_URL,
      ...(needsKeys ? { apiKey: 'replay', apiSecret: REPLAY_SECRET } : {}),
      mode: rec.header.mode === 'live' || rec.header.mode === 'sandbox' ? rec.header.mode : 'demo',
      sink,
      stateDir,
      now: clock.now,
      ...(opts.timing ? { timing: opts.timing } : {}),
      fetch: rest.fetch,
      createSocket: (url) => {
        const connection = url === PUBLIC_URL ? 'public' : 'private';
        const next = attempts[connection].shift();
        // More attempts than recorded: the recording ended before this one; it never opens.
        const s = new ReplaySocket(next ?? [], clock, divergences, `${connection}#${sockets.length}`, stallMs);
        sockets.push(s);
        return s;
      },
    });
    return await driveCommands({
      venue,
      commands: rec.events.filter((e) => e.connection === APP_CONNECTION),
      clock,
      sink,
      divergences,
      stallMs,
      lag: () => sockets.reduce((m, s) => (s.cursorT === Infinity ? m : Math.max(m, s.lag)), 0),
      // Behind: a socket still playing what came before `t`, one the recording opened before `t` not
      // opened yet (backoff jitter), or a REST request made before `t` not answered yet.
      behind: (t) => sockets.some((s) => s.cursorT < t) || [attempts.public[0], attempts.private[0]].some((a) => a !== undefined && a.length > 0 && a[0]!.t < t) || rest.behind(t),
      lastT: rec.events.at(-1)?.t ?? 0,
    });
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}
