import { useEffect } from 'react';
import type { FiredAlert } from '../../../electron/contract.js';
import { useServices } from '../../services.js';

/**
 * Every fired alert becomes a toast; one whose rule asked for an OS notification also becomes
 * the browser's Notification in headless mode, once the trader allowed it (the Alerts panel's
 * "Allow notifications"). The desktop app's main process shows its own, so the window does not.
 */
export function AlertFeed({ transport }: { transport: 'ipc' | 'websocket' }) {
  const { bridge, store } = useServices();
  useEffect(
    () =>
      bridge.subscribe('alert', (a: FiredAlert) => {
        store.getState().notify({ tone: a.kind === 'connection-down' && a.phase !== 'recovered' ? 'warning' : 'info', title: a.title, detail: a.message, key: `alert:${a.id}` });
        if (a.os && transport === 'websocket' && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
          new Notification(a.title, { body: a.message, tag: a.id });
        }
      }),
    [bridge, store, transport],
  );
  return null;
}
