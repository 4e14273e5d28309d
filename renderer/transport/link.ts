import type { BridgeApi } from '../../electron/contract.js';

/**
 * The pipe under the bridge. IPC is always 'open'; a socket goes round the others. 'refused':
 * the server turned this tab's access token down (restarted with a new one); like 'closed',
 * nothing follows it.
 */
export type LinkState = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'refused';

/** The contract's BridgeApi plus what the renderer needs to know about the pipe itself. */
export interface RendererBridge extends BridgeApi {
  readonly transport: 'ipc' | 'websocket';
  link(): LinkState;
  /**
   * Called on every change of the link. An 'open' after the first one means the far side
   * started a new session: its subscriptions and batch sequence are gone.
   */
  onLink(listener: (state: LinkState) => void): () => void;
  close(): void;
}
