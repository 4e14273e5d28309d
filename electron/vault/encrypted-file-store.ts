/**
 * SecretStore as one file of ciphertexts, encrypted by an OS-protected key (Electron
 * safeStorage in the app). All the logic is here, in plain Node, so it can be tested without
 * Electron; safe-storage.ts only adapts Electron's API to `OsCipher`.
 *
 * The file (0600, replaced atomically) records which backend wrote it, because a Linux
 * backend can't decrypt another's data and the next start must pin the same one.
 */
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { z } from 'zod';
import { VENUE_IDS, type VenueId } from '../../common/domain.js';
import { decodeCredentials, encodeCredentials } from './credential-codec.js';
import type { CredentialsByVenue } from '../credentials.js';
import { INSECURE_BACKENDS } from './password-store-switch.js';
import { SECRET_NAME, SecretStoreError, type NamedSecretStore, type SecretStore } from './secret-store.js';
import { replaceFile } from '../core/replace-file.js';

/** What the store needs from the OS: Electron's safeStorage, adapted. */
export interface OsCipher {
  /** Electron's Linux backend name (gnome_libsecret, kwallet5, basic_text…), or keychain / dpapi. */
  readonly backend: string;
  isAvailable(): Promise<boolean>;
  encrypt(plain: string): Promise<Buffer>;
  /** `shouldReEncrypt`: the key was rotated or upgraded; write the value again. */
  decrypt(blob: Buffer): Promise<{ plain: string; shouldReEncrypt: boolean }>;
}

export const VAULT_FILE_NAME = 'credentials.vault.json';

const FORMAT = 1;
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const vaultFileSchema = z
  .object({
    v: z.literal(FORMAT),
    backend: z.string().min(1).max(64),
    entries: z.partialRecord(z.enum(VENUE_IDS), base64),
    /** Secrets other than venue credentials (webhooks), by name; absent in files that hold none. */
    named: z.record(z.string().regex(SECRET_NAME), base64).optional(),
  })
  .strict();
type VaultFile = z.infer<typeof vaultFileSchema>;

export interface EncryptedFileStoreOptions {
  file: string;
  cipher: OsCipher;
  platform?: NodeJS.Platform;
}

export class EncryptedFileStore implements SecretStore {
  readonly backend: string;
  readonly #file: string;
  readonly #cipher: OsCipher;
  readonly #platform: NodeJS.Platform;
  /** Writers queue here: set, delete and re-encryption each read-modify-write the one file. */
  #queue: Promise<unknown> = Promise.resolve();
  #available = false;

  constructor(opts: EncryptedFileStoreOptions) {
    this.#file = opts.file;
    this.#cipher = opts.cipher;
    this.#platform = opts.platform ?? process.platform;
    this.backend = `safe-storage/${opts.cipher.backend}`;
  }

  async get<V extends VenueId>(venue: V): Promise<CredentialsByVenue[V] | null> {
    await this.#requireSecureBackend();
    const vault = await this.#read();
    const blob = vault?.entries[venue];
    if (vault === null || blob === undefined) return null;
    this.#requireSameBackend(vault, venue);
    let decrypted: { plain: string; shouldReEncrypt: boolean };
    try {
      decrypted = await this.#cipher.decrypt(Buffer.from(blob, 'base64'));
    } catch (err) {
      throw new SecretStoreError('corrupt', { venue, platform: this.#platform, detail: "can't be decrypted with this keyring's key", cause: err });
    }
    const creds = decodeCredentials(venue, decrypted.plain);
    if (decrypted.shouldReEncrypt) await this.#reEncrypt(venue, blob, decrypted.plain);
    return creds;
  }

  async set<V extends VenueId>(venue: V, creds: CredentialsByVenue[V]): Promise<void> {
    await this.#requireSecureBackend();
    const blob = (await this.#cipher.encrypt(encodeCredentials(venue, creds))).toString('base64');
    await this.#exclusive(async () => {
      const vault = (await this.#read()) ?? { v: FORMAT, backend: this.#cipher.backend, entries: {} };
      // Another venue's data under another backend can't be re-encrypted from here; one file
      // holds one backend, so the trader deletes the old credentials first.
      const others = [...Object.keys(vault.entries).filter((v) => v !== venue), ...Object.keys(vault.named ?? {})];
      if (others.length > 0) this.#requireSameBackend(vault, venue);
      vault.entries[venue] = blob;
      vault.backend = this.#cipher.backend;
      await this.#write(vault);
    });
  }

  /** Needs no key: deleting must work even when the keyring is gone, and is the way out of `corrupt`. */
  async delete(venue: VenueId): Promise<void> {
    await this.#exclusive(async () => {
      let vault: VaultFile | null;
      try {
        vault = await this.#read();
      } catch (err) {
        // An unreadable file holds nothing anyone can use; removing it is the recovery.
        if (err instanceof SecretStoreError && err.code === 'corrupt') return rm(this.#file, { force: true });
        throw err;
      }
      if (vault === null || vault.entries[venue] === undefined) return;
      delete vault.entries[venue];
      if (isEmpty(vault)) return rm(this.#file, { force: true });
      await this.#write(vault);
    });
  }

  async has(venue: VenueId): Promise<boolean> {
    const vault = await this.#read();
    return vault?.entries[venue] !== undefined;
  }

  /** Named secrets: encrypted like credentials, in the same file, under `named`. */
  readonly named: NamedSecretStore = {
    get: async (name) => {
      await this.#requireSecureBackend();
      const vault = await this.#read();
      const blob = vault?.named?.[name];
      if (vault === null || blob === undefined) return null;
      this.#requireSameBackend(vault);
      try {
        return (await this.#cipher.decrypt(Buffer.from(blob, 'base64'))).plain;
      } catch (err) {
        throw new SecretStoreError('corrupt', { platform: this.#platform, detail: "a webhook secret can't be decrypted with this keyring's key", cause: err });
      }
    },
    set: async (name, value) => {
      if (!SECRET_NAME.test(name)) throw new TypeError('not a secret name');
      await this.#requireSecureBackend();
      const blob = (await this.#cipher.encrypt(value)).toString('base64');
      await this.#exclusive(async () => {
        const vault = (await this.#read()) ?? { v: FORMAT, backend: this.#cipher.backend, entries: {} };
        if (!isEmpty(vault)) this.#requireSameBackend(vault);
        vault.named = { ...vault.named, [name]: blob };
        vault.backend = this.#cipher.backend;
        await this.#write(vault);
      });
    },
    delete: async (name) => {
      await this.#exclusive(async () => {
        const vault = await this.#read();
        if (vault?.named?.[name] === undefined) return;
        delete vault.named[name];
        if (isEmpty(vault)) return rm(this.#file, { force: true });
        await this.#write(vault);
      });
    },
  };

  async #requireSecureBackend(): Promise<void> {
    if (this.#available) return;
    const platform = this.#platform;
    if (INSECURE_BACKENDS.includes(this.#cipher.backend)) {
      throw new SecretStoreError('no-secure-backend', { platform, detail: `Electron selected ${this.#cipher.backend}` });
    }
    if (!(await this.#cipher.isAvailable())) {
      // On Linux a chosen backend that isn't running is a missing keyring; elsewhere the OS
      // facility itself is missing.
      const code = platform === 'darwin' || platform === 'win32' ? 'no-secure-backend' : 'keyring-unavailable';
      throw new SecretStoreError(code, { platform, detail: `${this.#cipher.backend} is not available` });
    }
    this.#available = true;
  }

  #requireSameBackend(vault: VaultFile, venue?: VenueId): void {
    if (vault.backend === this.#cipher.backend) return;
    throw new SecretStoreError('backend-mismatch', {
      ...(venue ? { venue } : {}),
      platform: this.#platform,
      detail: `saved under ${vault.backend}, this session uses ${this.#cipher.backend}`,
    });
  }

  async #reEncrypt(venue: VenueId, oldBlob: string, plain: string): Promise<void> {
    const blob = (await this.#cipher.encrypt(plain)).toString('base64');
    await this.#exclusive(async () => {
      const vault = await this.#read();
      // Only if nobody replaced or deleted the entry meanwhile.
      if (vault === null || vault.entries[venue] !== oldBlob) return;
      vault.entries[venue] = blob;
      await this.#write(vault);
    });
  }

  async #read(): Promise<VaultFile | null> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    }
    return parseVault(text, this.#platform);
  }

  /** Atomic and durable (core/replace-file.ts): a crash leaves the old file or the new one. */
  async #write(vault: VaultFile): Promise<void> {
    await replaceFile(this.#file, `${JSON.stringify(vault)}
`, 0o600);
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function parseVault(text: string, platform: NodeJS.Platform): VaultFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new SecretStoreError('corrupt', { platform, detail: 'the vault file is not JSON' });
  }
  const parsed = vaultFileSchema.safeParse(raw);
  if (!parsed.success) throw new SecretStoreError('corrupt', { platform, detail: 'the vault file has an unknown shape' });
  return parsed.data;
}

/**
 * The backend recorded in the vault file, read synchronously because it is needed before
 * Electron's `ready` to pin the same backend. Null when there is no readable file.
 */
export function readRecordedBackend(file: string): string | null {
  try {
    const parsed = vaultFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data.backend : null;
  } catch {
    return null;
  }
}


function isEmpty(vault: VaultFile): boolean {
  return Object.keys(vault.entries).length === 0 && Object.keys(vault.named ?? {}).length === 0;
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
