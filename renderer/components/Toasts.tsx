import { useEffect } from 'react';
import type { Toast } from '../store/toasts.js';
import { useAppState, useServices } from '../services.js';

/** How long a toast stays, unless it is sticky. Errors stay longer than good news. */
const TOAST_MS: Readonly<Record<Toast['tone'], number>> = { info: 5000, fill: 8000, warning: 10_000, error: 15_000 };

function ToastItem({ toast }: { toast: Toast }) {
  const { store } = useServices();
  useEffect(() => {
    if (toast.sticky) return;
    const timer = setTimeout(() => store.getState().dismissToast(toast.id), TOAST_MS[toast.tone]);
    return () => clearTimeout(timer);
  }, [toast, store]);
  return (
    <li className={`toast toast-${toast.tone}`} role={toast.tone === 'error' || toast.tone === 'warning' ? 'alert' : 'status'}>
      <div>
        <strong>{toast.title}</strong>
        {toast.detail && <p>{toast.detail}</p>}
      </div>
      <button type="button" aria-label={`Dismiss: ${toast.title}`} onClick={() => store.getState().dismissToast(toast.id)}>
        ×
      </button>
    </li>
  );
}

/** Fills, rejections and disconnects, newest at the bottom. */
export function Toasts() {
  const toasts = useAppState((s) => s.toasts);
  return (
    <section className="toasts" aria-label="Notifications">
      <ul>
        {toasts.map((t) => (
          <ToastItem key={t.id} toast={t} />
        ))}
      </ul>
    </section>
  );
}
