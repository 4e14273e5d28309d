/**
 * Log redaction. Two nets: the exact secrets we know (registered when credentials are stored
 * or loaded, or when a venue hands out a session token), and shapes that are secrets whoever
 * owns them (bearer tokens, authorization metadata, Kraken API-Key/API-Sign headers, Kraken
 * private keys, T-Invest tokens), so a secret we never saw is still caught.
 *
 * It touches only what it must: text that merely names a secret ("otp: required", "the bearer
 * of", "api-key: it was revoked") comes out as it went in. A field's value is masked when it
 * is quoted, follows machine syntax (key=value), or looks like a credential; the shapes only
 * when they look like one (a base64 run of one character class is padding, not a key).
 */
import { formatWithOptions } from 'node:util';

export const REDACTED = '[redacted]';

/** Shorter strings would redact ordinary words; real keys are far longer. */
const MIN_SECRET_LENGTH = 8;

/**
 * Names whose value is a credential: HTTP headers and gRPC metadata (authorization, Kraken's
 * API-Key/API-Sign), form and query fields (token, otp), config keys (apiSecret, password).
 * No left boundary, so camelCase and snake_case carriers match (apiSecret, ws_token); the name
 * must end there, so "tokens" or "tokenization" do not.
 */
const FIELD_NAMES =
  'proxy-authorization|authorization|x-api-key|api[-_]?key|api[-_]?sign|api[-_]?secret|access[-_]?token|refresh[-_]?token|token|secret|password|passphrase|otp';
/** Authorization schemes ("Bearer xyz"): the word after one of them is the credential. */
const SCHEMES = 'bearer|basic|digest|token|negotiate|ntlm|hmac|aws4-hmac-sha256';
/** An unquoted value word: no separators, no "[" (a mask already there), no trailing full stop. */
const WORD = `[^\\s,;}\\]&"'\\[]*[^\\s,;}\\]&"'\\[.]`;
// The name (optionally quoted), its separator (": ", "=", '" : "', Map's "=>", an optional
// array bracket), then the value: quoted, a scheme and its credential ("Bearer xyz"), or one
// unquoted word. A value already masked is left as it is.
const SENSITIVE_FIELD = new RegExp(
  `((?:${FIELD_NAMES})(?![A-Za-z0-9])["']?\\s*(=>|[:=])\\s*(?!\\[redacted\\])\\[?\\s*)("[^"\\r\\n]*"|'[^'\\r\\n]*'|(?:${SCHEMES})[ \\t]+${WORD}|${WORD})`,
  'gi',
);
/** Authorization schemes: the word after one of them is the credential. */
const AUTH_SCHEME = new RegExp(`^(?:${SCHEMES})$`, 'i');
/** "Bearer <token>" outside any field; whether the word after it is a token is checked below. */
const BEARER = /\b(bearer)([ \t]+)([A-Za-z0-9._~+/=-]+)/gi;
/** A Kraken private key (and an API-Sign value): base64 of 64 bytes, 88 characters. */
const KRAKEN_SECRET = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])/g;
/** A T-Invest API token: "t." and a long base64url tail. */
const TINVEST_TOKEN = /(?<![\w.])t\.[A-Za-z0-9_-]{40,}/g;

/**
 * Whether an unquoted word after "name: " is a credential rather than prose ("otp: required",
 * "api-key: it was revoked"). Credentials carry digits or symbols, mix cases, or run long;
 * words of a sentence do none of these. Trailing sentence punctuation doesn't count.
 */
function looksLikeCredential(word: string): boolean {
  const w = word.replace(/[.!?)]+$/, '');
  if (/\d/.test(w)) return w.length >= 4;
  if (w.length >= 24) return true;
  return w.length >= 8 && (/[._~+/=-]/.test(w) || (/[a-z]/.test(w) && /[A-Z]/.test(w.slice(1))));
}

/** Characters of a base64 run from more than one class: a key is random, a run of "AAAA…" is padding. */
function mixedClasses(run: string): boolean {
  let classes = 0;
  if (/[A-Z]/.test(run)) classes++;
  if (/[a-z]/.test(run)) classes++;
  if (/[0-9]/.test(run)) classes++;
  if (/[+/]/.test(run)) classes++;
  return classes >= 2;
}

/** The value of a sensitive field, masked when it is one; a sentence that only names the field stays. */
function maskField(match: string, head: string, sep: string, value: string): string {
  const q = value.charAt(0);
  if (q === '"' || q === "'") return `${head}${q}${REDACTED}${q}`;
  const space = value.search(/[ \t]/);
  // "Authorization: Bearer xyz": the scheme and its credential go together.
  if (space > 0 && AUTH_SCHEME.test(value.slice(0, space))) return `${head}${REDACTED}`;
  // key=value and Map's "=>" are machine syntax: the value is the field's, whatever it looks like.
  if (sep !== ':' || looksLikeCredential(value)) return `${head}${REDACTED}`;
  return match;
}

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
      .replace(SENSITIVE_FIELD, maskField)
      .replace(BEARER, (m, word: string, gap: string, token: string) => (looksLikeCredential(token) ? `${word}${gap}${REDACTED}` : m))
      .replace(KRAKEN_SECRET, (m) => (mixedClasses(m.slice(0, 86)) ? REDACTED : m))
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

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
