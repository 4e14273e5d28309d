/** Short-lived notices: fills, rejections, disconnects. The newest few are kept. */
import type { SliceCreator } from './app-state.js';

export type ToastTone = 'info' | 'fill' | 'error' | 'warning';

export interface Toast {
  id: number;
  tone: ToastTone;
  title: string;
  detail?: string;
  /** Stays until dismissed (things the trader must act on). */
  sticky: boolean;
  /** Same key as a toast still shown: not shown twice (an update and a command's answer telling the same). */
  key?: string;
}

export interface ToastInput {
  tone: ToastTone;
  title: string;
  detail?: string;
  sticky?: boolean;
  key?: string;
}

export const MAX_TOASTS = 6;

export interface ToastsSlice {
  toasts: Toast[];
  notify(toast: ToastInput): void;
  dismissToast(id: number): void;
  /** Dismisses the toasts whose key starts so: news that is no longer true. */
  dismissToasts(keyPrefix: string): void;
}

export const createToastsSlice: SliceCreator<ToastsSlice> = () => (set, get) => {
  let next = 1;
  const seen = new Set<string>();
  return {
    toasts: [],
    notify(input) {
      if (input.key !== undefined) {
        if (seen.has(input.key)) return;
        seen.add(input.key);
        if (seen.size > 2000) seen.delete(seen.values().next().value!);
      }
      const toast: Toast = { id: next++, tone: input.tone, title: input.title, sticky: input.sticky ?? false };
      if (input.detail !== undefined) toast.detail = input.detail;
      if (input.key !== undefined) toast.key = input.key;
      set({ toasts: [...get().toasts, toast].slice(-MAX_TOASTS) });
    },
    dismissToast(id) {
      if (get().toasts.some((t) => t.id === id)) set({ toasts: get().toasts.filter((t) => t.id !== id) });
    },
    dismissToasts(keyPrefix) {
      const keep = get().toasts.filter((t) => !t.key?.startsWith(keyPrefix));
      if (keep.length !== get().toasts.length) set({ toasts: keep });
    },
  };
};
