/**
 * Credentials go to the main side once and never come back: this slice holds only what
 * credentials.status says (stored or not, which backend), never a secret.
 */
import type { MethodRequest } from '../../electron/contract.js';
import type { CredentialStatus } from '../../electron/contract.js';
import type { VenueId } from '../../common/domain.js';
import type { SliceCreator } from './app-state.js';

export type StoreCredentialsRequest = MethodRequest<'credentials.store'>;

export interface CredentialsSlice {
  credentialStatus?: CredentialStatus;
  credentialsError?: string;
  loadCredentialStatus(): Promise<void>;
  /** Resolves with an error message, or undefined when stored. The request is not kept. */
  storeCredentials(request: StoreCredentialsRequest): Promise<string | undefined>;
  deleteCredentials(venue: VenueId): Promise<string | undefined>;
}

export const createCredentialsSlice: SliceCreator<CredentialsSlice> = (bridge) => (set) => ({
  credentialStatus: undefined,
  credentialsError: undefined,
  async loadCredentialStatus() {
    const r = await bridge.invoke('credentials.status', {});
    if (r.ok) set({ credentialStatus: r.value, credentialsError: undefined });
    else set({ credentialsError: `${r.code}: ${r.message}` });
  },
  async storeCredentials(request) {
    const r = await bridge.invoke('credentials.store', request);
    if (!r.ok) return `${r.code}: ${r.message}`;
    set({ credentialStatus: r.value, credentialsError: undefined });
    return undefined;
  },
  async deleteCredentials(venue) {
    const r = await bridge.invoke('credentials.delete', { venue });
    if (!r.ok) return `${r.code}: ${r.message}`;
    set({ credentialStatus: r.value, credentialsError: undefined });
    return undefined;
  },
});
