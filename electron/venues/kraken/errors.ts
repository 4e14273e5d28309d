/**
 * The one table that turns Kraken error strings (REST `error[]` entries, WS `error`) into
 * typed VenueErrors. The full venue string is kept as the code for the diagnostics panel.
 */
import type { ErrorKind } from '../../../common/domain.js';
import { VenueError } from '../venue.js';

interface Rule {
  /** Matches the start of the error string. */
  prefix: string;
  kind: ErrorKind;
  /** Our words in front of the venue's, when the venue's alone would mislead. */
  hint?: string;
}

// First match wins: specific strings before their category.
const RULES: readonly Rule[] = [
  { prefix: 'EAPI:Invalid key', kind: 'auth' },
  { prefix: 'EAPI:Invalid signature', kind: 'auth', hint: 'API secret does not match the key' },
  {
    prefix: 'EAPI:Invalid nonce',
    kind: 'auth',
    hint: 'the key saw a higher nonce before (another client on this key, a different nonce scale, or a lost state dir); use one key per app or recreate the key',
  },
  { prefix: 'EAPI:Invalid token', kind: 'auth', hint: 'WebSocket token is stale' },
  { prefix: 'ESession:Invalid session', kind: 'auth', hint: 'WebSocket token is stale' },
  { prefix: 'EAPI:Rate limit exceeded', kind: 'rate-limited' },
  { prefix: 'EOrder:Rate limit exceeded', kind: 'rate-limited' },
  { prefix: 'EOrder:Domain rate limit exceeded', kind: 'rate-limited' },
  { prefix: 'EGeneral:Too many requests', kind: 'rate-limited' },
  { prefix: 'EGeneral:Temporary lockout', kind: 'auth', hint: 'locked out after repeated bad keys; wait ~15 min, do not retry' },
  { prefix: 'EGeneral:Permission denied', kind: 'auth', hint: 'the API key lacks a permission' },
  { prefix: 'EService:Throttled', kind: 'rate-limited' },
  { prefix: 'EService:Unavailable', kind: 'unavailable' },
  { prefix: 'EService:Busy', kind: 'unavailable' },
  { prefix: 'EService:Market in', kind: 'rejected' },
  { prefix: 'EService:Deadline elapsed', kind: 'rejected' },
  { prefix: 'EGeneral:Internal error', kind: 'unavailable' },
  { prefix: 'EDatabase:Internal error', kind: 'unavailable' },
  { prefix: 'EGeneral:Invalid arguments', kind: 'invalid' },
  { prefix: 'EQuery:', kind: 'invalid' },
  { prefix: 'EOrder:', kind: 'rejected' },
  { prefix: 'ETrade:', kind: 'rejected' },
  { prefix: 'EFunding:', kind: 'rejected' },
  { prefix: 'Unsupported field', kind: 'invalid' },
  { prefix: 'Currency pair not supported', kind: 'invalid' },
  { prefix: 'Subscription name invalid', kind: 'invalid' },
  { prefix: 'Exceeded msg rate', kind: 'rate-limited' },
];

export function errorKindOf(venueError: string): ErrorKind {
  for (const r of RULES) if (venueError.startsWith(r.prefix)) return r.kind;
  return 'internal';
}

/** Maps one venue error string. `EService:Throttled: <unix ts>` carries its retry time. */
export function mapKrakenError(venueError: string, now = Date.now()): VenueError {
  const rule = RULES.find((r) => venueError.startsWith(r.prefix));
  const kind = rule?.kind ?? 'internal';
  const message = rule?.hint ? `${venueError} (${rule.hint})` : venueError;
  let retryAfterMs: number | undefined;
  const throttled = /^EService:Throttled:\s*(\d+)/.exec(venueError);
  if (throttled) retryAfterMs = Math.max(0, Number(throttled[1]) * 1000 - now);
  else if (kind === 'rate-limited') retryAfterMs = 1000;
  return new VenueError(kind, venueError, message, { retryAfterMs });
}

/** Picks the error that matters out of a REST `error[]` (warnings start with W). */
export function firstError(errors: readonly string[]): string | undefined {
  return errors.find((e) => !e.startsWith('W'));
}

/** After a request left the process and no answer came back, the outcome is unknown. */
/** The error's message with its causes' (fetch says only "fetch failed"; the cause says why). */
function detailOf(cause: unknown): string {
  const parts: string[] = [];
  let cur: unknown = cause;
  for (let i = 0; i < 4 && cur !== undefined; i++) {
    const text = cur instanceof Error ? cur.message : String(cur);
    if (text && !parts.includes(text)) parts.push(text);
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return parts.join(': ');
}

export function unknownOutcome(what: string, cause: unknown): VenueError {
  const detail = detailOf(cause);
  return new VenueError('unknown-outcome', 'no-reply', `${what}: sent but no reply (${detail})`, { cause });
}

export function unavailable(what: string, cause: unknown): VenueError {
  const detail = detailOf(cause);
  return new VenueError('unavailable', 'network', `${what}: ${detail}`, { cause });
}
