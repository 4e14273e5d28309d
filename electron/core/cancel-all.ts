/**
 * The panic key's persistence: one account's cancel-all, retried within a bound. Cancels
 * reduce risk, so a transient refusal (venue unavailable, breaker open, rate limit, a lost
 * answer) is tried again a few times with backoff; a refusal that would repeat itself (auth,
 * invalid, rejected, venue not connected) is not. Whatever happens, the answer comes within
 * the budget — a venue that never answers is reported as such, not waited for.
 */
import type { Reason } from './types.js';
import { Backoff } from '../net/backoff.js';
import { isVenueError } from '../venues/venue.js';
import { HubError } from './hub-error.js';

export interface CancelRetryOptions {
  /** Requests per account at most, the first included. */
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
  /** Time from the key press to the report, whatever the venues do. */
  budgetMs: number;
}

/** A few attempts, about 0.25 → 0.5 → 1 s apart (jittered), the whole report within 10 s. */
export const DEFAULT_CANCEL_RETRY: CancelRetryOptions = { attempts: 4, firstDelayMs: 250, maxDelayMs: 2_000, budgetMs: 10_000 };

export interface AccountCancel {
  ok: boolean;
  cancelled: number;
  attempts: number;
  error?: Reason;
}

/** Refusals that a retry would only repeat. */
function isFinal(err: unknown): boolean {
  if (isVenueError(err)) return err.kind === 'auth' || err.kind === 'invalid' || err.kind === 'rejected';
  // The core's own refusals (not connected, no order entry, unknown venue) don't pass by waiting.
  return err instanceof HubError;
}

type Outcome = { value: number } | { error: unknown } | { timedOut: true };

/** The call's outcome, or timedOut when it has not answered within `ms`; the timer never outlives it. */
async function within(call: () => Promise<number>, ms: number): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ timedOut: true }), Math.max(0, ms));
  });
  try {
    const running = call().then(
      (value): Outcome => ({ value }),
      (error: unknown): Outcome => ({ error }),
    );
    return await Promise.race([running, timeout]);
  } catch (error) {
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call` (one account's cancel-all) until it succeeds, fails for good, runs out of
 * attempts or would pass `deadline` (ms since epoch).
 */
export async function cancelWithRetry(
  call: () => Promise<number>,
  opts: CancelRetryOptions,
  deadline: number,
  describe: (err: unknown) => Reason,
): Promise<AccountCancel> {
  const backoff = new Backoff({ baseMs: opts.firstDelayMs, maxMs: opts.maxDelayMs });
  for (let attempts = 1; ; attempts++) {
    const outcome = await within(call, deadline - Date.now());
    if ('value' in outcome) return { ok: true, cancelled: outcome.value, attempts };
    if ('timedOut' in outcome) {
      const s = (opts.budgetMs / 1000).toFixed(1);
      return { ok: false, cancelled: 0, attempts, error: { code: 'unknown-outcome', message: `no answer within ${s} s; the cancel may still go through` } };
    }
    const error = describe(outcome.error);
    if (isFinal(outcome.error) || attempts >= opts.attempts) return { ok: false, cancelled: 0, attempts, error };
    const asked = isVenueError(outcome.error) ? (outcome.error.retryAfterMs ?? 0) : 0;
    const wait = Math.max(backoff.next(), asked);
    if (Date.now() + wait >= deadline) return { ok: false, cancelled: 0, attempts, error };
    await sleep(wait);
  }
}
