/**
 * The renderer's one way to the main side: the preload's IPC API inside Electron, else a
 * WebSocket to the headless server that served this page (token from the page URL).
 */
import type { BridgeApi } from '../electron/contract.js';
import { ipcBridge, isBridgeApi } from './transport/ipc-bridge.js';
import type { RendererBridge } from './transport/link.js';
import { bridgeSocketUrl, takeToken, type TokenKeeper } from './transport/token.js';
import { WebSocketBridge, type OpenSocket } from './transport/websocket-bridge.js';

export type { LinkState, RendererBridge } from './transport/link.js';

declare global {
  interface Window {
    /** Set by electron/preload.ts through contextBridge; absent in a plain browser. */
    readonly switchboard?: BridgeApi;
  }
}

const openBrowserSocket: OpenSocket = (url, handlers) => {
  const ws = new WebSocket(url);
  ws.onopen = () => handlers.open();
  ws.onmessage = (ev: MessageEvent<unknown>) => {
    if (typeof ev.data === 'string') handlers.message(ev.data);
  };
  ws.onclose = (ev) => handlers.close(ev.code, ev.reason);
  return { send: (text) => ws.send(text), close: () => ws.close() };
};

const TOKEN_KEY = 'switchboard.token';

function sessionKeeper(win: Window): TokenKeeper | undefined {
  try {
    const storage = win.sessionStorage;
    return {
      get: () => storage.getItem(TOKEN_KEY) ?? undefined,
      set: (token) => storage.setItem(TOKEN_KEY, token),
    };
  } catch {
    return undefined; // storage disabled: a reload then needs the URL with the token again
  }
}

export function openBridge(win: Window = window): RendererBridge {
  if (isBridgeApi(win.switchboard)) return ipcBridge(win.switchboard);
  // The headless server refuses the page without a token, so its absence here means a stale tab.
  const token = takeToken(win.location, win.history, sessionKeeper(win)) ?? '';
  return new WebSocketBridge({ url: bridgeSocketUrl(win.location, token), openSocket: openBrowserSocket });
}
