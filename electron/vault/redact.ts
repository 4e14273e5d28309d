/**
 * Log redaction. Two nets: the exact secrets we know (registered when credentials are stored
 * or loaded, or when a venue hands out a session token), and shapes that are secrets whoever
 * owns them (bearer tokens, authorization metadata, Kraken API-Key/API-Sign headers, Kraken
 * private keys, T-Invest tokens), so a secret we never saw is still caught.
 */
import { formatWithOptions } from 'node:util';

export const REDACTED = '[redacted]';

/** Shorter strings would redact ordinary words; real keys are far longer. */
const MIN_SECRET_LENGTH = 8;

// Header or metadata name, its separator (": ", "=", '" : "', Map's "=>", an optional array
// bracket), then the value: quoted, or one or two unquoted words ("Bearer xyz").
const SENSITIVE_FIELD =
  /(\b(?:authorization|proxy-authorization|api-key|api-sign|x-api-key|otp)\b["']?\s*(?:=>|[:=])\s*\[?\s*)("[^"\r\n]*"|'[^'\r\n]*'|[^\s,;}\]]+(?:[ \t]+[^\s,;}\]"']+)?)/gi;
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi;
/** A Kraken private key (and an API-Sign value): base64 of 64 bytes, 88 characters. */
const KRAKEN_SECRET = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])/g;
/** A T-Invest API token: "t." and a long base64url tail. */
const TINVEST_TOKEN = /(?<![\w.])t\.[A-Za-z0-9_-]{40,}/g;

export class Redactor {
  readonly #secrets = new Set<string>();
  #known: RegExp | null = null;

  /** Remembers secrets to redact from now on, with their URL- and JSON-escaped spellings. */
  register(...secrets: readonly string[]): void {
    for (const s of secrets) {
      if (s.length < MIN_SECRET_LENGTH) continue;
      for (const form of [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1), s.replaceAll('/', '\\/')]) {
        if (!this.#secrets.has(form)) {
          this.#secrets.add(form);
          this.#known = null;
        }
      }
    }
  }

  get size(): number {
    return this.#secrets.size;
  }

  redact(text: string): string {
    let out = text;
    const known = this.#knownPattern();
    if (known) out = out.replace(known, REDACTED);
    return out
      .replace(SENSITIVE_FIELD, (_m, head: string, value: string) => head + quoteLike(value))
      .replace(BEARER, `$1 ${REDACTED}`)
      .replace(KRAKEN_SECRET, REDACTED)
      .replace(TINVEST_TOKEN, REDACTED);
  }

  /** util.format for a logger, redacted: errors, objects and gRPC Metadata included. */
  format(...args: readonly unknown[]): string {
    return this.redact(formatWithOptions({ depth: 6, breakLength: Infinity }, ...args));
  }

  #knownPattern(): RegExp | null {
    if (this.#known === null && this.#secrets.size > 0) {
      // Longest first, so a secret is never half-replaced by a shorter one inside it.
      const alternatives = [...this.#secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.#known = new RegExp(alternatives.join('|'), 'g');
    }
    return this.#known;
  }
}

function quoteLike(value: string): string {
  const q = value.charAt(0);
  return q === '"' || q === "'" ? `${q}${REDACTED}${q}` : REDACTED;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
