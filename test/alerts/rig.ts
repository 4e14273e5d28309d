/** The alerts core over real parts: a database file, the encrypted vault, the hub. */
import path from 'node:path';
import { Alerts } from '../../electron/alerts/alerts.js';
import type { AlertsOptions } from '../../electron/alerts/alerts.js';
import { webhookVault } from '../../electron/alerts/webhook-secrets.js';
import { Hub } from '../../electron/core/hub.js';
import { AlertStore } from '../../electron/store/alert-store.js';
import { openDatabase } from '../../electron/store/db.js';
import type { SqliteDb } from '../../electron/store/db.js';
import { EncryptedFileStore, VAULT_FILE_NAME } from '../../electron/vault/encrypted-file-store.js';
import type { TestCipher } from '../vault/test-cipher.js';

export interface AlertsRig {
  alerts: Alerts;
  store: AlertStore;
  db: SqliteDb;
  hub: Hub;
  /** Stops everything; the files stay for a restart. */
  stop(): Promise<void>;
}

/** Tests shorten the waits through options: small backoff, short per-attempt timeout. */
export const FAST: NonNullable<AlertsOptions['sender']> = { attempts: 5, timeoutMs: 5_000, backoff: { baseMs: 5, maxMs: 40 } };

export function openRig(dir: string, cipher: TestCipher, sender: AlertsOptions['sender'] = FAST, hub = new Hub()): AlertsRig {
  const db = openDatabase({ file: path.join(dir, 'switchboard.db') });
  const store = new AlertStore(db);
  const vault = new EncryptedFileStore({ file: path.join(dir, VAULT_FILE_NAME), cipher, platform: 'linux' });
  // No re-arm cool-down: a test crosses a level as often as it says.
  const alerts = new Alerts({ hub, store, vault: webhookVault(vault.named), sender, rearmCooldownMs: 0 });
  alerts.start();
  return {
    alerts,
    store,
    db,
    hub,
    stop: async () => {
      alerts.close();
      await alerts.sender.idle();
      db.close();
    },
  };
}
