/**
 * Starts the renderer on a bridge: the store (with the workspace restored from storage),
 * the live session, the React tree. main.tsx boots the app on the real bridge; the UI bench
 * boots the same thing on a synthetic one.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { startLiveSession } from './live-session.js';
import { BookLatency } from './perf/book-latency.js';
import { TickLatency } from './perf/tick-latency.js';
import { startPerfReport } from './perf/perf-report.js';
import { loadPrefs, loadWorkspace, persistPrefs, persistWorkspace, type KeyValueStorage } from './persist.js';
import { ServicesContext, type Services } from './services.js';
import { createAppStore } from './store/app-store.js';
import type { RendererBridge } from './transport/link.js';

/** A hidden page gets no animation frames; this keeps the store from falling far behind. */
const FRAME_FALLBACK_MS = 250;

function scheduleFrame(fn: () => void): void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    cancelAnimationFrame(raf);
    clearTimeout(timer);
    fn();
  };
  const raf = requestAnimationFrame(run);
  const timer = setTimeout(run, FRAME_FALLBACK_MS);
}

/** localStorage, when the page may use it. */
function browserStorage(): KeyValueStorage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined; // storage disabled: the layout starts from the default each time
  }
}

export function boot(bridge: RendererBridge, root: HTMLElement): Services {
  const storage = browserStorage();
  const workspace = loadWorkspace(storage);
  const prefs = loadPrefs(storage);
  const store = createAppStore(bridge, { ...(workspace ? { workspace } : {}), ...(prefs ? { prefs } : {}) });
  persistWorkspace(store, storage);
  persistPrefs(store, storage);
  // Each tick-to-screen sample is also counted for the metrics endpoint (perf.report).
  const perfReport = startPerfReport(bridge);
  const latency = new TickLatency({
    now: () => performance.timeOrigin + performance.now(),
    nextFrame: (fn) => void requestAnimationFrame(() => fn()),
    onSample: (ms) => perfReport.sample(ms),
  });
  startLiveSession(bridge, store, { scheduleFrame, later: (fn, ms) => void setTimeout(fn, ms), latency });
  const bookLatency = new BookLatency({ now: () => performance.timeOrigin + performance.now(), nextFrame: (fn) => void requestAnimationFrame(() => fn()) });
  const services: Services = { bridge, store, latency, bookLatency };
  createRoot(root).render(
    <StrictMode>
      <ServicesContext value={services}>
        <App transport={bridge.transport} />
      </ServicesContext>
    </StrictMode>,
  );
  return services;
}
