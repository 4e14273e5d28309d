/**
 * The Electron transport in plain Node terms: it takes an ipcMain-like object, so it runs and
 * is tested without Electron. Every invoke is checked in one place — it must come from the
 * top frame of a window we registered, showing our app's origin — then goes to that window's
 * Session. Pushes go back over IPC_PUSH as `{topic, payload}`.
 */
import { IPC_INVOKE, IPC_PUSH } from '../contract-names.js';
import type { Result } from '../contract.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import { failure } from './errors.js';
import { Session, bridgeDeps } from './session.js';
import type { BridgeDeps } from './session.js';

/** What we use of Electron's WebFrameMain. */
export interface FrameLike {
  readonly url: string;
  readonly processId: number;
  readonly routingId: number;
}

/** What we use of Electron's WebContents. */
export interface WebContentsLike {
  readonly id: number;
  readonly mainFrame: FrameLike;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

/** What we use of Electron's IpcMainInvokeEvent. */
export interface InvokeEventLike {
  readonly sender: WebContentsLike;
  readonly senderFrame: FrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface IpcBridgeOptions extends BridgeDeps {
  ipcMain: IpcMainLike;
  /** "app://switchboard": the only origin whose pages may call the bridge. */
  appOrigin: string;
}

export interface IpcBridge {
  /** Trusts this window's top frame and gives it a session. */
  addWindow(contents: WebContentsLike): void;
  /** The window's page is being replaced (reload, crash): release what the old page held. */
  resetWindow(id: number): void;
  /** The window is gone. */
  removeWindow(id: number): void;
  close(): void;
}

/** scheme://host of a URL; Node's URL gives "null" as the origin of non-web schemes like app:. */
export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return undefined;
  }
}

function sameFrame(a: FrameLike, b: FrameLike): boolean {
  return a === b || (a.processId === b.processId && a.routingId === b.routingId);
}

export function attachIpcBridge(opts: IpcBridgeOptions): IpcBridge {
  const log: Logger = opts.log ?? silentLogger;
  const windows = new Map<number, { contents: WebContentsLike; session: Session | undefined }>();

  const newSession = (contents: WebContentsLike): Session =>
    new Session({
      ...bridgeDeps(opts),
      transport: 'ipc',
      push: (topic, payload) => {
        if (!contents.isDestroyed()) contents.send(IPC_PUSH, { topic, payload });
      },
    });

  /** Why the sender may not call, or undefined when it may. */
  const refusal = (event: InvokeEventLike): string | undefined => {
    const win = windows.get(event.sender.id);
    if (!win || win.contents !== event.sender) return 'not one of our windows';
    const frame = event.senderFrame;
    if (!frame || !sameFrame(frame, event.sender.mainFrame)) return 'not the top frame';
    if (originOf(frame.url) !== opts.appOrigin) return 'not the app origin';
    return undefined;
  };

  opts.ipcMain.handle(IPC_INVOKE, async (event, method, payload): Promise<Result<unknown>> => {
    const why = refusal(event);
    if (why !== undefined) {
      log.warn(`refused an IPC call: ${why}`);
      return failure('auth', 'caller not allowed');
    }
    const win = windows.get(event.sender.id);
    if (!win) return failure('not-connected', 'window gone');
    win.session ??= newSession(win.contents);
    return win.session.handle(method, payload);
  });

  const dropSession = (id: number): void => {
    const win = windows.get(id);
    win?.session?.close();
    if (win) win.session = undefined;
  };

  return {
    addWindow: (contents) => {
      dropSession(contents.id);
      windows.set(contents.id, { contents, session: undefined });
    },
    resetWindow: dropSession,
    removeWindow: (id) => {
      dropSession(id);
      windows.delete(id);
    },
    close: () => {
      opts.ipcMain.removeHandler(IPC_INVOKE);
      for (const id of [...windows.keys()]) dropSession(id);
      windows.clear();
    },
  };
}
