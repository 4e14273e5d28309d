/**
 * Chromium's --password-store switch on Linux, chosen before `ready`. Data encrypted under one
 * backend can't be decrypted under another, so once something was written we pin the backend
 * that wrote it; until then GNOME libsecret, which also serves KDE 6 (KWallet's Secret Service
 * API) and desktops Chromium doesn't recognise (where it would otherwise pick basic_text).
 */

/** Electron's getSelectedStorageBackend() name → the switch value that selects it. */
const SWITCH_FOR_BACKEND: Readonly<Record<string, string>> = {
  gnome_libsecret: 'gnome-libsecret',
  kwallet: 'kwallet',
  kwallet5: 'kwallet5',
  kwallet6: 'kwallet6',
};

export const DEFAULT_PASSWORD_STORE = 'gnome-libsecret';

/** Backends that only obfuscate (a hard-coded key) or aren't decided yet: never store under them. */
export const INSECURE_BACKENDS: readonly string[] = ['basic_text', 'unknown'];

export function passwordStoreSwitch(recordedBackend: string | null): string {
  return (recordedBackend !== null && SWITCH_FOR_BACKEND[recordedBackend]) || DEFAULT_PASSWORD_STORE;
}
