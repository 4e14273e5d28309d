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
