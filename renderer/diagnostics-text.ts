/** How diagnostics figures read in the panel. */
import type { DeadManSwitchState } from '../common/domain.js';
import { clockTime } from './order-text.js';

/** "venue clock 1.2 s ahead of ours" / "… behind ours" / "in step with ours". */
export function skewText(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 50) return 'in step with ours';
  const amount = abs < 1000 ? `${Math.round(abs)} ms` : `${(abs / 1000).toFixed(abs < 10_000 ? 1 : 0)} s`;
  return `${amount} ${ms > 0 ? 'ahead of' : 'behind'} ours`;
}

/**
 * "armed, 60 s" / "off" / lapsing with the time the venue cancels at / not armed yet. The
 * trader reads it as: will the venue cancel my orders if this app dies, and when.
 */
export function deadManText(s: DeadManSwitchState): string {
  if (s.timeoutSec === 0) return 'off';
  if (s.armed) return `armed, ${s.timeoutSec} s`;
  if (s.triggerAt !== undefined) return `not refreshed: the venue cancels every order at ${clockTime(s.triggerAt)} unless the connection returns`;
  return `not armed (${s.timeoutSec} s, arms once connected)`;
}

/** "applied seq 120 of 125 (5 behind)" / "… of 125" when caught up / "… of ?" before the gateway said. */
export function replayText(replaySeq: number, streamSeq: number | undefined): string {
  if (streamSeq === undefined) return `applied seq ${replaySeq} of ?`;
  const behind = streamSeq - replaySeq;
  return `applied seq ${replaySeq} of ${streamSeq}${behind > 0 ? ` (${behind} behind)` : ''}`;
}

/** "12 applied, 1 repeat skipped": what the console did with the order stream. */
export function orderEventsText(applied: number, repeats: number): string {
  return `${applied} applied, ${repeats} ${repeats === 1 ? 'repeat' : 'repeats'} skipped`;
}

/** "1520 messages, 2 gaps healed, 3 snapshots": the market-data side of the link. */
export function marketDataText(messages: number, gaps: number, snapshots: number): string {
  const n = (v: number, one: string, many: string) => `${v} ${v === 1 ? one : many}`;
  return `${n(messages, 'message', 'messages')}, ${n(gaps, 'gap', 'gaps')} healed, ${n(snapshots, 'snapshot', 'snapshots')}`;
}

/** "5 s" / "4 min" / "3 h" / "2 d": how long a state has held, for "since 14:03:05 (4 min)". */
export function durationText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}
