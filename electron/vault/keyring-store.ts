/**
 * SecretStore on the OS keyring for headless mode: Secret Service on Linux, Keychain on
 * macOS, Credential Manager on Windows. One entry per venue: service "switchboard",
 * account = venue id, password = the credentials' JSON; named secrets (webhooks) under
 * account = their name, password = the secret.
 */
import { AsyncEntry } from '@napi-rs/keyring';
import { VENUE_IDS, type VenueId } from '../../common/domain.js';
import { decodeCredentials, encodeCredentials } from './credential-codec.js';
import type { CredentialsByVenue } from '../credentials.js';
import { SECRET_NAME, SecretStoreError, type NamedSecretStore, type SecretStore } from './secret-store.js';

export const KEYRING_SERVICE = 'switchboard';

export interface KeyringStoreOptions {
  /** Keyring service name; tests may isolate themselves with another. */
  service?: string;
  /** How long one operation may wait, e.g. on an unlock prompt, before it counts as locked. */
  timeoutMs?: number;
  platform?: NodeJS.Platform;
  /** Environment consulted to explain a failure (D-Bus address); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

type EntryCall<T> = (entry: AsyncEntry, signal: AbortSignal) => Promise<T>;

export class KeyringStore implements SecretStore {
  readonly backend: string;
  readonly #service: string;
  readonly #timeoutMs: number;
  readonly #platform: NodeJS.Platform;
  readonly #env: NodeJS.ProcessEnv;

  constructor(opts: KeyringStoreOptions = {}) {
    this.#service = opts.service ?? KEYRING_SERVICE;
    this.#timeoutMs = opts.timeoutMs ?? 60_000;
    this.#platform = opts.platform ?? process.platform;
    this.#env = opts.env ?? process.env;
    this.backend = backendName(this.#platform);
  }

  async get<V extends VenueId>(venue: V): Promise<CredentialsByVenue[V] | null> {
    const text = await this.#call(venue, (e, signal) => e.getPassword(signal));
    return text === null ? null : decodeCredentials(venue, text);
  }

  async set<V extends VenueId>(venue: V, creds: CredentialsByVenue[V]): Promise<void> {
    const text = encodeCredentials(venue, creds);
    await this.#call(venue, (e, signal) => e.setPassword(text, signal));
  }

  async delete(venue: VenueId): Promise<void> {
    await this.#call(venue, (e, signal) => e.deletePassword(signal));
  }

  async has(venue: VenueId): Promise<boolean> {
    return (await this.#call(venue, (e, signal) => e.getPassword(signal))) !== null;
  }

  /** Named secrets: one entry each, account = the name (venue ids never contain a colon, names do). */
  readonly named: NamedSecretStore = {
    get: (name) => this.#call(checkName(name), (e, signal) => e.getPassword(signal)),
    set: async (name, value) => {
      await this.#call(checkName(name), (e, signal) => e.setPassword(value, signal));
    },
    delete: async (name) => {
      await this.#call(checkName(name), (e, signal) => e.deletePassword(signal));
    },
  };

  /** `account`: a venue id (its credentials) or a secret's name. */
  async #call<T>(account: string, fn: EntryCall<T>): Promise<T> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    try {
      // The constructor already talks to D-Bus on Linux and throws when there is none.
      // Pinning the Secret Service: without it keyring-rs silently falls back to the kernel
      // keyutils store, which forgets everything at reboot.
      const entry = new AsyncEntry(this.#service, account, { linux: { store: 'secret-service' } });
      return await fn(entry, signal);
    } catch (err) {
      throw this.#explain(err, account, signal.aborted);
    }
  }

  #explain(err: unknown, account: string, timedOut: boolean): SecretStoreError {
    const venue = (VENUE_IDS as readonly string[]).includes(account) ? (account as VenueId) : undefined;
    const platform = this.#platform;
    if (timedOut) {
      return new SecretStoreError('keyring-locked', {
        ...(venue ? { venue } : {}),
        platform,
        detail: `no answer from the keyring within ${Math.round(this.#timeoutMs / 1000)} s`,
        cause: err,
      });
    }
    const raw = err instanceof Error ? err.message : String(err);
    const code = classify(raw);
    let detail = raw;
    if (code === 'keyring-unavailable' && platform === 'linux' && !this.#env['DBUS_SESSION_BUS_ADDRESS']) {
      // keyring-rs then reports a baffling X11 autolaunch failure; say what is really missing.
      detail = 'no D-Bus session: DBUS_SESSION_BUS_ADDRESS is not set';
    } else if (/no result found/i.test(raw)) {
      detail = 'the Secret Service has no default keyring (collection) to write to';
    }
    return new SecretStoreError(code, { ...(venue ? { venue } : {}), platform, detail, cause: err });
  }
}

function backendName(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'keychain';
  if (platform === 'win32') return 'credential-manager';
  return 'secret-service';
}

/** keyring-rs reports everything as GenericFailure; its message is all there is to go on. */
function classify(message: string): SecretStoreError['code'] {
  if (/prompt was dismissed|\blocked\b|interaction is not allowed|user canceled/i.test(message)) return 'keyring-locked';
  if (/ambiguous/i.test(message)) return 'corrupt';
  return 'keyring-unavailable';
}

function checkName(name: string): string {
  if (!SECRET_NAME.test(name) || (VENUE_IDS as readonly string[]).includes(name)) throw new TypeError('not a secret name');
  return name;
}
