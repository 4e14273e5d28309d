/**
 * The store of an app built without one (benchmarks, embedding): every operation refuses with
 * the same typed error, so the credentials methods answer clearly instead of keeping keys anywhere.
 */
import { SecretStoreError, type SecretStore } from './secret-store.js';

const refuse = (): Promise<never> =>
  Promise.reject(new SecretStoreError('no-secure-backend', { message: 'This app was started without a credential store.' }));

export const noSecretStore: SecretStore = {
  backend: 'none',
  get: refuse,
  set: refuse,
  delete: refuse,
  has: refuse,
};
