import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { openBridge } from './bridge.js';
import { startLiveSession } from './live-session.js';
import { ServicesContext } from './services.js';
import { createAppStore } from './store/app-store.js';
import './styles.css';

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

const bridge = openBridge();
const store = createAppStore(bridge);
startLiveSession(bridge, store, { scheduleFrame, later: (fn, ms) => void setTimeout(fn, ms) });

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <ServicesContext value={{ bridge, store }}>
      <App transport={bridge.transport} />
    </ServicesContext>
  </StrictMode>,
);
