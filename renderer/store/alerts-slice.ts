/**
 * The Alerts panel's state: rules, webhook endpoints, the dead-letter list and the fired
 * history, read over the bridge and refreshed after every change the panel makes and every
 * alert that fires. Its own small store: nothing else in the workspace reads it.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AlertRule, AlertRuleInput, BridgeApi, Delivery, FiredAlert, MethodRequest, Result, WebhookEndpoint } from '../../electron/contract.js';

export interface AlertsState {
  rules: AlertRule[];
  webhooks: WebhookEndpoint[];
  deadLetters: Delivery[];
  history: FiredAlert[];
  /** The last failure of a panel action, in words. */
  error: string | undefined;
  loading: boolean;
  refresh(): Promise<void>;
  create(rule: AlertRuleInput): Promise<boolean>;
  remove(id: string): Promise<void>;
  rearm(rule: AlertRule): Promise<void>;
  saveWebhook(req: MethodRequest<'webhooks.save'>): Promise<boolean>;
  deleteWebhook(id: string): Promise<void>;
  testWebhook(id: string): Promise<void>;
  resend(deliveryId: string): Promise<void>;
}

export type AlertsStore = StoreApi<AlertsState>;

/** A rule's terms without what the app gave it, for an update that re-arms it. */
function termsOf(rule: AlertRule): AlertRuleInput {
  const { id: _id, createdAt: _c, active: _a, ...terms } = rule;
  return terms;
}

export function createAlertsStore(bridge: BridgeApi): AlertsStore {
  return createStore<AlertsState>()((set, get) => {
    /** Runs an action; a failure is kept for the panel to show. */
    const act = async <T>(r: Promise<Result<T>>): Promise<T | undefined> => {
      const res = await r;
      if (!res.ok) {
        set({ error: res.message });
        return undefined;
      }
      set({ error: undefined });
      return res.value;
    };
    const after = async <T>(r: Promise<Result<T>>): Promise<boolean> => {
      const v = await act(r);
      await get().refresh();
      return v !== undefined;
    };
    return {
      rules: [],
      webhooks: [],
      deadLetters: [],
      history: [],
      error: undefined,
      loading: false,
      async refresh() {
        set({ loading: true });
        const [rules, webhooks, deadLetters, history] = await Promise.all([
          bridge.invoke('alerts.list', {}),
          bridge.invoke('webhooks.list', {}),
          bridge.invoke('alerts.deadLetters', {}),
          bridge.invoke('alerts.history', { limit: 50 }),
        ]);
        const failed = [rules, webhooks, deadLetters, history].find((r) => !r.ok);
        set({
          loading: false,
          rules: rules.ok ? rules.value : get().rules,
          webhooks: webhooks.ok ? webhooks.value : get().webhooks,
          deadLetters: deadLetters.ok ? deadLetters.value : get().deadLetters,
          history: history.ok ? history.value : get().history,
          error: failed && !failed.ok ? failed.message : get().error,
        });
      },
      create: (rule) => after(bridge.invoke('alerts.create', rule)),
      async remove(id) {
        await after(bridge.invoke('alerts.delete', { id }));
      },
      async rearm(rule) {
        await after(bridge.invoke('alerts.update', { id: rule.id, rule: termsOf(rule) }));
      },
      saveWebhook: (req) => after(bridge.invoke('webhooks.save', req)),
      async deleteWebhook(id) {
        await after(bridge.invoke('webhooks.delete', { id }));
      },
      async testWebhook(id) {
        await after(bridge.invoke('webhooks.test', { id }));
      },
      async resend(deliveryId) {
        await after(bridge.invoke('alerts.resend', { deliveryId }));
      },
    };
  });
}
