/**
 * The desktop SecretStore: Electron safeStorage (async API only; the sync one is deprecated in
 * Electron 45 and removed in 46) over the encrypted file in userData. Glue only: the logic
 * lives in encrypted-file-store.ts, where plain Node tests it.
 */
import { join } from 'node:path';
import { app, safeStorage } from 'electron';
import { EncryptedFileStore, readRecordedBackend, VAULT_FILE_NAME, type OsCipher } from './encrypted-file-store.js';
import { passwordStoreSwitch } from './password-store-switch.js';
import type { SecretStore } from './secret-store.js';

function vaultFile(): string {
  return join(app.getPath('userData'), VAULT_FILE_NAME);
}

/**
 * Call from main.ts before `ready` (and after any app.setPath('userData')): Chromium fixes the
 * Linux password store at `ready`, and would otherwise pick basic_text on desktops it doesn't
 * recognise, or another backend than the one that wrote the file.
 */
export function pinPasswordStore(): void {
  if (process.platform !== 'linux') return;
  // A store the user chose on the command line wins; an insecure one is refused later anyway.
  if (app.commandLine.hasSwitch('password-store')) return;
  app.commandLine.appendSwitch('password-store', passwordStoreSwitch(readRecordedBackend(vaultFile())));
}

/** The store for the desktop app; resolves after `ready`, when the backend is known. */
export async function createSafeStorageStore(): Promise<SecretStore> {
  await app.whenReady();
  return new EncryptedFileStore({ file: vaultFile(), cipher: safeStorageCipher() });
}

function safeStorageCipher(): OsCipher {
  const backend =
    process.platform === 'linux'
      ? safeStorage.getSelectedStorageBackend()
      : process.platform === 'darwin'
        ? 'keychain'
        : 'dpapi';
  return {
    backend,
    isAvailable: () => safeStorage.isAsyncEncryptionAvailable(),
    encrypt: (plain) => safeStorage.encryptStringAsync(plain),
    decrypt: async (blob) => {
      const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(blob);
      return { plain: result, shouldReEncrypt };
    },
  };
}
