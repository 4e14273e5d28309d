/**
 * Electron entry: app lifecycle, the one window, its security settings, the app:// protocol
 * serving the built renderer, and the IPC transport; with --gateway URL, a console of a desk's
 * gateway instead of a core of its own. Everything else lives in modules plain
 * Node runs and tests (app/, bridge/, core/).
 */
import { app, BrowserWindow, dialog, ipcMain, Notification, protocol, session, shell, utilityProcess } from 'electron';
import type { WebContents } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './app/create-app.js';
import type { App } from './app/create-app.js';
import { readConfigFile } from './app/config-file.js';
import type { AppConfig } from './app/config-file.js';
import { demoUnavailableNotice, readDemoFile, startDemoVenues } from './app/demo-venues.js';
import type { DemoLauncher, DemoVenues } from './app/demo-venues.js';
import { attachIpcBridge, originOf } from './bridge/ipc.js';
import type { IpcBridge } from './bridge/ipc.js';
import { contentSecurityPolicy } from './bridge/csp.js';
import { readStaticFile } from './bridge/static-files.js';
import type { LogsLocation } from './bridge/handlers.js';
import { HubError } from './core/hub-error.js';
import { createLogger } from './core/log.js';
import type { Logger } from './core/log.js';
import { openAppLog } from './core/log-file.js';
import { installCrashGuard } from './core/crash-guard.js';
import { EXIT_SLACK_MS, shutdownBoundMs } from './core/shutdown.js';
import { createSafeStorageStore, pinPasswordStore } from './vault/safe-storage.js';
import { startDesktopMetrics } from './app/metrics-settings.js';
import type { DesktopMetrics } from './app/metrics-settings.js';
import { attachConsole, consoleBridgeDeps } from './gateway/console/attach.js';
import type { AttachedConsole } from './gateway/console/attach.js';
import { natsOptionsFromFlags } from './gateway/nats-link.js';

const APP_SCHEME = 'app';
const APP_ORIGIN = `${APP_SCHEME}://switchboard`;
const START_URL = `${APP_ORIGIN}/index.html`;
/** dist/electron, where the bundled main and preload sit side by side. */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const CSP = contentSecurityPolicy();

/**
 * A switch's value, as `--name=value` (Chromium's form) or `--name value` (how every other
 * entry of ours takes it); '' when absent.
 */
function switchValue(name: string): string {
  const value = app.commandLine.getSwitchValue(name);
  if (value !== '') return value;
  const at = process.argv.indexOf(`--${name}`);
  const next = at >= 0 ? process.argv[at + 1] : undefined;
  return next !== undefined && !next.startsWith('--') ? next : '';
}

// --data-dir DIR keeps everything (settings, state, logs, stored credentials) there instead of
// the OS's per-user folder; set before anything asks for userData.
const dataDirArg = switchValue('data-dir');
if (dataDirArg !== '') app.setPath('userData', path.resolve(dataDirArg));

/**
 * The log file in the app's data folder (JSON lines, rotated; core/log-file.ts), and stderr too
 * when not packaged. userData is known before 'ready'. Writes are synchronous, so quitting loses
 * no line and nothing needs closing. If the folder can't be written the app still starts,
 * logging to stderr only.
 */
function openLog(): { log: Logger; logs?: LogsLocation } {
  try {
    const opened = openAppLog({ dataDir: app.getPath('userData'), component: 'main', stderr: !app.isPackaged });
    const { folder, file } = opened;
    const open = async (): Promise<void> => {
      // shell.openPath answers with an error text, empty on success.
      const why = await shell.openPath(folder);
      if (why !== '') throw new HubError('not-found', `could not open ${folder}: ${why}`);
    };
    return { log: opened.log, logs: { folder, file, open } };
  } catch (err) {
    const fallback = createLogger('main');
    fallback.error('no log file; logging to stderr only', err);
    return { log: fallback };
  }
}
const { log, logs } = openLog();

// Must precede 'ready': a standard, secure scheme gets a real origin for CSP 'self' and our checks.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

function isAppUrl(url: string): boolean {
  return originOf(url) === APP_ORIGIN;
}

/** The one place windows are made; webPreferences stay inline so scanners can read them. */
function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    show: false,
    title: 'Switchboard',
    webPreferences: {
      // Reviewed: the preload exposes only invoke/subscribe over checked names (see preload.ts).
      preload: path.join(HERE, 'preload.cjs'), // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick',
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(START_URL);
  return win;
}

/** Rules for every web contents, including any we did not mean to create. */
function lockDown(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

function installSessionPolicy(rendererDir: string): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = isAppUrl(request.url) ? await readStaticFile(rendererDir, url.pathname) : undefined;
    if (!file) return new Response('Not Found', { status: 404 });
    return new Response(new Uint8Array(file.body), {
      headers: {
        'Content-Type': file.contentType,
        'Content-Security-Policy': CSP,
        'X-Content-Type-Options': 'nosniff',
      },
    });
  });
}

function seedArg(): number {
  const n = Number(switchValue('seed') || '1');
  return Number.isInteger(n) && n >= 0 ? n : 1;
}

/**
 * The demo venues in a utility process: a Node child of Electron's own, which the release
 * build allows with the RunAsNode fuse off. It ends with the app (it watches for being
 * re-parented; Electron also ends utility processes with the app).
 */
const utilityDemoLauncher =
  (entry: string): DemoLauncher =>
  (args) => {
    const child = utilityProcess.fork(entry, [...args, '--exit-with-parent', 'ppid'], { stdio: 'pipe', serviceName: 'Switchboard demo venues' });
    if (!child.stdout) throw new Error('the utility process has no stdout');
    return {
      stdout: child.stdout,
      stderr: child.stderr ?? null,
      onExit: (listener) => child.once('exit', (code) => listener(`code ${code}`)),
      stop: () => void child.kill(),
      kill: () => void child.kill(),
    };
  };

/** --config FILE and --demo-from FILE; a bad config stops the start (it says where orders go). */
async function readArgs(): Promise<{ config?: AppConfig; demoLines?: unknown[] }> {
  const out: { config?: AppConfig; demoLines?: unknown[] } = {};
  const configFile = switchValue('config');
  if (configFile !== '') out.config = await readConfigFile(configFile);
  const demoFrom = switchValue('demo-from');
  if (demoFrom !== '') out.demoLines = await readDemoFile(demoFrom);
  return out;
}

async function start(): Promise<void> {
  const rootDir = app.getAppPath();
  installSessionPolicy(path.join(rootDir, 'renderer', 'dist'));
  // Filled in as start-up proceeds; quitting part-way closes what exists.
  const running: { demo?: DemoVenues; core?: App; bridge?: IpcBridge; metrics?: DesktopMetrics; console?: AttachedConsole } = {};
  let stopped = false;
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    stopped = true;
    // Whatever a venue does, the app is gone a moment after the shutdown's own bound.
    setTimeout(() => app.exit(0), shutdownBoundMs() + EXIT_SLACK_MS).unref();
    void (async () => {
      // Orders in flight are answered or recorded unknown, and the window sees it, before its bridge goes.
      await running.core?.shutdown().catch((err: unknown) => log.warn('shutting down failed', err));
      running.bridge?.close();
      await running.metrics?.close().catch((err: unknown) => log.warn('closing the metrics endpoint failed', err));
      await running.core?.close().catch((err: unknown) => log.warn('closing venues failed', err));
      await running.demo?.close().catch((err: unknown) => log.warn('stopping the simulator failed', err));
      // A console leaves its gateway: the desk's orders stay with the gateway.
      await running.console?.leave().catch((err: unknown) => log.warn('leaving the gateway failed', err));
      await running.console?.close().catch((err: unknown) => log.warn('closing the gateway link failed', err));
      app.quit();
    })();
  });

  // --gateway URL: a console of a desk's gateway (docs/gateway.md): no venues, no journal here.
  const gatewayUrl = switchValue('gateway');
  if (gatewayUrl !== '') {
    const nats = natsOptionsFromFlags({
      servers: gatewayUrl,
      user: switchValue('nats-user') || undefined,
      passwordFile: switchValue('nats-password-file') || undefined,
      caFile: switchValue('nats-ca') || undefined,
    });
    const link = await attachConsole({ nats, version: app.getVersion(), log: log.child('gateway') });
    running.console = link;
    if (stopped) return;
    const ipc = attachIpcBridge({
      ipcMain,
      appOrigin: APP_ORIGIN,
      ...consoleBridgeDeps(link),
      version: app.getVersion(),
      notices: () => link.notices(),
      log: log.child('ipc'),
      ...(logs ? { logs } : {}),
    });
    running.bridge = ipc;
    link.onAlert((a) => {
      if (a.os && Notification.isSupported()) new Notification({ title: a.title, body: a.message }).show();
    });
    openWindow(ipc);
    return;
  }

  const args = await readArgs();
  const notices: string[] = [];
  let demoLines = args.demoLines;
  if (demoLines === undefined) {
    try {
      const demo = await startDemoVenues({
        launcher: utilityDemoLauncher(path.join(rootDir, 'dist', 'sim', 'cli.js')),
        seed: seedArg(),
        log: log.child('demo'),
      });
      running.demo = demo;
      if (stopped) return void (await demo.close());
      demoLines = demo.lines;
    } catch (err) {
      // The app still opens and says why: sandbox and live don't need the demo venues.
      log.error('the demo venues could not start', err);
      notices.push(demoUnavailableNotice(err, logs?.file));
    }
  }
  const dataDir = app.getPath('userData');
  const core = await createApp({
    ...(demoLines ? { demoLines } : {}),
    ...(args.config ? { config: args.config } : {}),
    // Demo state (the local venues' throwaway keys) apart from what stored credentials keep.
    stateDir: path.join(dataDir, 'demo-state'),
    dataDir,
    secretStore: await createSafeStorageStore(),
    version: app.getVersion(),
    log: log.child('app'),
  });
  running.core = core;
  // the metrics endpoint, on loopback when the trader's setting says so.
  const metrics = await startDesktopMetrics({ hub: core.hub, version: core.version, dataDir, log: log.child('metrics') });
  running.metrics = metrics;
  const ipc = attachIpcBridge({
    ipcMain,
    appOrigin: APP_ORIGIN,
    hub: core.hub,
    modes: core.modes,
    inspector: core.inspector,
    alerts: core.alerts,
    recording: core.recorder,
    version: core.version,
    notices: () => [...notices, ...core.notices],
    metrics: metrics.metrics,
    metricsServer: metrics.control,
    log: log.child('ipc'),
    ...(logs ? { logs } : {}),
  });
  running.bridge = ipc;
  // Fired alerts that asked for it become OS notifications (the toast comes through the bridge).
  core.alerts?.on((a) => {
    if (a.os && Notification.isSupported()) new Notification({ title: a.title, body: a.message }).show();
  });

  openWindow(ipc);
}

function openWindow(ipc: IpcBridge): void {
  const win = createMainWindow();
  const id = win.webContents.id;
  ipc.addWindow(win.webContents);
  // A reload or crash replaces the page: what the old page subscribed to is released. On the
  // committed navigation only: 'did-start-navigation' also fires for one lockDown refuses, and
  // the page that stays would lose its subscriptions.
  win.webContents.on('did-navigate', () => ipc.resetWindow(id));
  win.webContents.on('render-process-gone', () => ipc.resetWindow(id));
  win.webContents.once('destroyed', () => ipc.removeWindow(id));
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // An error that escapes is logged and contained (core/crash-guard.ts); Electron's default
  // would show a dialog and leave the main process in an unknown state.
  installCrashGuard(log.child('process'));
  // Before 'ready': Chromium fixes the Linux password store then (see safe-storage.ts).
  pinPasswordStore();
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
  app.on('window-all-closed', () => app.quit());
  // A signal quits the way closing the window does: through before-quit's shutdown.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
  app.whenReady().then(start).catch((err: unknown) => {
    log.error('could not start', err);
    // A desktop app has no terminal to print to: say it in a window (a bad --config, say).
    dialog.showErrorBox('Switchboard could not start', `${err instanceof Error ? err.message : String(err)}${logs ? `\n\nSee the log: ${logs.file}` : ''}`);
    app.exit(1);
  });
}
