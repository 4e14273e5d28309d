/**
 * The bounds and the report of a shutdown (Hub.shutdown). Each step has its own bound, so a
 * venue that hangs in one step can't take the others' time, and the whole stays bounded.
 */
import type { VenueId } from '../../common/domain.js';
import type { InFlightReport } from './orders.js';

export interface ShutdownOptions {
  /** How long orders in flight get to be answered before they are recorded `unknown`. */
  inFlightMs?: number;
  /** How long the cancels of venues set to cancel their open orders on quit get, together. */
  cancelMs?: number;
  /** How long the venues get to close their streams (in parallel). */
  closeMs?: number;
}

export const DEFAULT_SHUTDOWN: Required<ShutdownOptions> = { inFlightMs: 5_000, cancelMs: 3_000, closeMs: 3_000 };

/** What an entry adds to shutdownBoundMs before it exits anyway: the final push, closing the bridge, the log. */
export const EXIT_SLACK_MS = 2_000;

/** The longest a shutdown can take with these options, whatever the venues do. */
export function shutdownBoundMs(opts: ShutdownOptions = {}): number {
  const o = { ...DEFAULT_SHUTDOWN, ...opts };
  return o.inFlightMs + o.cancelMs + o.closeMs;
}

export interface ShutdownReport extends InFlightReport {
  /** Orders cancelled because their venue is set to cancel open orders on quit. */
  cancelledOnQuit: number;
  /** Venues set to cancel on quit where some account's cancel failed or went unanswered. */
  cancelFailed: VenueId[];
  /** Venues that had not finished closing within the bound. */
  notClosed: VenueId[];
  tookMs: number;
}

/** Whether `p` settled within `ms`; never rejects, and its timer never outlives it. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([p.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function shutdownSummary(r: ShutdownReport): string {
  const parts = [
    `${r.inFlight} order(s) in flight: ${r.acknowledged} acknowledged, ${r.unknown} unknown, ${r.rejected} rejected, ${r.refused} refused`,
    `${r.cancelledOnQuit} cancelled on quit${r.cancelFailed.length > 0 ? ` (failed on ${r.cancelFailed.join(', ')})` : ''}`,
    r.notClosed.length > 0 ? `not closed in time: ${r.notClosed.join(', ')}` : 'every venue closed',
    `took ${r.tookMs} ms`,
  ];
  return `shutdown: ${parts.join('; ')}`;
}
