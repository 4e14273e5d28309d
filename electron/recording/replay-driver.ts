/**
 * Asks the replayed adapter what the app asked it live (the 'app' frames of command-tap.ts),
 * each at its recorded time and not before the wire caught up with that time, and checks each
 * outcome against the recorded one. Venue-neutral: it knows the Venue interface only.
 */
import type { Venue } from '../venues/venue.js';
import { commandError } from './command-tap.js';
import type { DomainEvent, EventLog } from './event-log.js';
import type { RecordedEvent } from './format.js';
import type { ReplayClock } from './replay-clock.js';
import { sleep, waitUntil } from './replay-clock.js';

export interface ReplayReport {
  /** The domain events of the replay, in order. */
  events: DomainEvent[];
  /** Commands asked again. */
  commands: number;
  /** Commands with a recorded outcome (a promise that settled before the session ended). */
  outcomes: number;
  /** Of those, the ones whose outcome equals the recorded one (ignoring the replay's own fields). */
  sameOutcomes: number;
  /** Where the replay could not follow the recording, in words; empty when it followed it all. */
  divergences: string[];
}

export interface DriveOptions {
  venue: Venue;
  /** The recording's 'app' events (commands out, outcomes in). */
  commands: readonly RecordedEvent[];
  clock: ReplayClock;
  sink: EventLog;
  divergences: string[];
  stallMs: number;
  /** How far (recording ms) the replayed wire runs behind the recording. */
  lag(): number;
  /** Whether some connection has not yet played what it recorded before `t`. */
  behind(t: number): boolean;
  /** Recording time of the last event. */
  lastT: number;
}

/** Outcomes compared without the fields the replay stamps itself (event-log.ts). */
function comparable(v: unknown): string {
  return JSON.stringify(v, (k, x: unknown) => (k === 'at' || k === 'receivedAt' || k === 'createdAt' ? undefined : x));
}

function recordedOutcome(ev: RecordedEvent | undefined): unknown {
  if (!ev) return undefined;
  if (ev.kind === 'error') {
    try {
      return { error: JSON.parse(ev.status?.detail ?? 'null') as unknown };
    } catch {
      return { error: ev.status?.detail };
    }
  }
  try {
    return { ok: JSON.parse(ev.text ?? 'null') as unknown };
  } catch {
    return { ok: ev.text };
  }
}

export async function driveCommands(o: DriveOptions): Promise<ReplayReport> {
  const outcomes = new Map<number, RecordedEvent>();
  for (const e of o.commands) if (e.dir === 'in' && e.call !== undefined) outcomes.set(e.call, e);
  const pending: Promise<void>[] = [];
  /** Commands whose replayed outcome is in, by call. */
  const settled = new Set<number>();
  let commands = 0;
  let sameOutcomes = 0;
  let compared = 0;
  let closed = false;
  const check = (name: string, call: number | undefined, got: unknown): void => {
    if (call !== undefined) settled.add(call);
    o.sink.result(name, got);
    const want = recordedOutcome(call === undefined ? undefined : outcomes.get(call));
    if (want === undefined) return; // the session ended before it was answered
    compared++;
    if (comparable(want) === comparable(got)) sameOutcomes++;
    else o.divergences.push(`${name} #${call}: recorded ${comparable(want)}, replayed ${comparable(got)}`);
  };
  for (const ev of o.commands) {
    if (ev.dir !== 'out' || ev.channel === undefined) continue;
    await o.clock.until(ev.t + o.lag());
    if (!(await waitUntil(() => !o.behind(ev.t), o.stallMs))) o.divergences.push(`${ev.channel} #${ev.call}: the wire had not caught up when it was due`);
    // Commands answered before this one was asked (live) are answered before it here too.
    const before = [...outcomes.values()].filter((x) => x.t < ev.t && x.call !== undefined && !settled.has(x.call)).map((x) => x.call!);
    if (!(await waitUntil(() => before.every((c) => settled.has(c)), o.stallMs))) o.divergences.push(`${ev.channel} #${ev.call}: earlier commands had not been answered when it was due`);
    let args: unknown[];
    try {
      const parsed: unknown = JSON.parse(ev.text ?? '[]');
      args = Array.isArray(parsed) ? parsed : [];
    } catch {
      o.divergences.push(`${ev.channel} #${ev.call}: unreadable arguments`);
      continue;
    }
    const fn = (o.venue as unknown as Record<string, unknown>)[ev.channel];
    if (typeof fn !== 'function') {
      o.divergences.push(`${ev.channel}: the adapter has no such method`);
      continue;
    }
    commands++;
    if (ev.channel === 'close') closed = true;
    const name = ev.channel;
    const call = ev.call;
    try {
      const r: unknown = (fn as (...a: unknown[]) => unknown).apply(o.venue, args);
      if (r instanceof Promise) {
        pending.push(
          r.then(
            (value: unknown) => check(name, call, { ok: value ?? null }),
            (e: unknown) => check(name, call, { error: commandError(e) }),
          ),
        );
      }
    } catch (e) {
      check(name, call, { error: commandError(e) });
    }
  }
  // What the wire did after the last command still plays; then the session ends as it did.
  await o.clock.until(o.lastT + o.lag());
  await waitUntil(() => !o.behind(Infinity), o.stallMs);
  if (!closed) await o.venue.close().catch(() => undefined);
  await Promise.race([Promise.all(pending), sleep(o.stallMs)]);
  return { events: o.sink.events, commands, outcomes: compared, sameOutcomes, divergences: o.divergences };
}
