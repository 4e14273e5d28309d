/**
 * Runs KeyringStore operations in a child process with an environment of the test's choosing
 * (no D-Bus session, a bus without a Secret Service…): a process's D-Bus connection can't be
 * taken away from inside it. Prints one JSON line per operation.
 * Usage: node --import tsx test/vault/keyring-probe.ts <service> <op>...   (op: set|get|has|delete)
 */
import { KeyringStore } from '../../electron/vault/keyring-store.js';
import { isSecretStoreError } from '../../electron/vault/secret-store.js';

const PROBE_CREDENTIALS = {
  apiKey: 'probeApiKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  apiSecret: `${'c'.repeat(86)}==`,
  mode: 'live',
} as const;

const [service, ...ops] = process.argv.slice(2);
const store = new KeyringStore({ service, timeoutMs: 10_000 });

for (const op of ops) {
  try {
    let value: unknown = null;
    if (op === 'set') await store.set('kraken', PROBE_CREDENTIALS);
    else if (op === 'get') value = await store.get('kraken');
    else if (op === 'has') value = await store.has('kraken');
    else if (op === 'delete') await store.delete('kraken');
    else throw new Error(`unknown op ${op}`);
    console.log(JSON.stringify({ op, ok: true, value }));
  } catch (err) {
    const code = isSecretStoreError(err) ? err.code : 'not-a-secret-store-error';
    console.log(JSON.stringify({ op, ok: false, code, message: err instanceof Error ? err.message : String(err) }));
  }
}
