import { useEffect, useId, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { AlertRule, AlertRuleInput, OrderAlertEvent, WebhookPreset } from '../../../electron/contract.js';
import { VENUE_IDS, type VenueId } from '../../../common/domain.js';
import { isDecText } from '../../../common/decimal.js';
import { useAppState, useServices } from '../../services.js';
import { activeSlot } from '../../store/layout.js';
import { seriesKey } from '../../store/series-key.js';
import { createAlertsStore, type AlertsState, type AlertsStore } from '../../store/alerts-slice.js';

type Kind = AlertRule['kind'];
const KIND_NAMES: Readonly<Record<Kind, string>> = { 'price-above': 'Price above', 'price-below': 'Price below', order: 'Order events', 'connection-down': 'Connection down' };
const EVENTS: readonly OrderAlertEvent[] = ['fill', 'partial-fill', 'reject', 'cancel'];
const PRESETS: readonly WebhookPreset[] = ['generic', 'slack', 'telegram'];

function useAlerts<T>(store: AlertsStore, select: (s: AlertsState) => T): T {
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}

/** The toolbar's Alerts button and its dialog. */
export function AlertsButton({ transport }: { transport: 'ipc' | 'websocket' }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        Alerts
      </button>
      {open && <AlertsDialog transport={transport} onClose={() => setOpen(false)} />}
    </>
  );
}

function describeRule(r: AlertRule): string {
  switch (r.kind) {
    case 'price-above':
    case 'price-below':
      return `${r.venue} ${r.instrumentId} ${r.kind === 'price-above' ? '≥' : '≤'} ${r.level} (${r.repeat === 'once' ? 'once' : 'every crossing'})`;
    case 'order':
      return `${r.venue ?? 'every venue'}: ${r.events.join(', ')}`;
    case 'connection-down':
      return `${r.venue} out of live > ${r.seconds} s`;
  }
}

function AlertsDialog({ transport, onClose }: { transport: 'ipc' | 'websocket'; onClose(): void }) {
  const { bridge } = useServices();
  const store = useMemo(() => createAlertsStore(bridge), [bridge]);
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    void store.getState().refresh();
    // A fired alert changes the history (and may spend a rule): read again.
    const off = bridge.subscribe('alert', () => void store.getState().refresh());
    return () => {
      off();
      dialog?.close();
    };
  }, [store, bridge]);
  const error = useAlerts(store, (s) => s.error);
  return (
    <dialog
      ref={ref}
      className="settings alerts-dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId}>Alerts</h2>
      {error && <p role="alert">{error}</p>}
      {transport === 'websocket' && <AllowNotifications />}
      <Rules store={store} />
      <RuleForm store={store} />
      <Webhooks store={store} />
      <DeadLetters store={store} />
      <FiredHistory store={store} />
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}

/**
 * The browser asks only after a click: "Allow notifications" is that click. Whatever the browser
 * answers is said in words: a dismissed prompt ('default' again) as plainly as a refusal.
 */
function AllowNotifications() {
  const supported = typeof Notification !== 'undefined';
  const [permission, setPermission] = useState(supported ? Notification.permission : 'denied');
  const [asked, setAsked] = useState(false);
  if (!supported) return <p>This browser shows no notifications; alerts come as toasts.</p>;
  if (permission === 'granted') return <p role="status">Notifications are allowed: alerts that ask for one show it.</p>;
  const ask = () => {
    setAsked(false);
    // A browser may reject rather than answer (no prompt possible here): that is a refusal too.
    void Notification.requestPermission().then(
      (p) => {
        setPermission(p);
        setAsked(true);
      },
      () => {
        setPermission('denied');
        setAsked(true);
      },
    );
  };
  return (
    <p>
      <button type="button" onClick={ask} disabled={permission === 'denied'}>
        Allow notifications
      </button>{' '}
      <span role="status">
        {permission === 'denied' && 'Notifications are blocked for this page in the browser settings; alerts come as toasts only.'}
        {permission === 'default' && asked && 'The browser did not allow notifications (the request was dismissed); alerts come as toasts only.'}
      </span>
    </p>
  );
}

function Rules({ store }: { store: AlertsStore }) {
  const rules = useAlerts(store, (s) => s.rules);
  return (
    <section aria-label="Alert rules">
      <h3>Rules</h3>
      {rules.length === 0 ? (
        <p>No alerts yet.</p>
      ) : (
        <ul className="alert-rules">
          {rules.map((r) => (
            <li key={r.id}>
              <span>
                {r.label ? `${r.label}: ` : ''}
                {KIND_NAMES[r.kind]} — {describeRule(r)}
                {r.channels.os ? ' · notification' : ''}
                {r.channels.webhooks.length > 0 ? ` · ${r.channels.webhooks.length} webhook(s)` : ''}
                {!r.active && ' · spent'}
              </span>{' '}
              {!r.active && (
                <button type="button" onClick={() => void store.getState().rearm(r)}>
                  Re-arm
                </button>
              )}{' '}
              <button type="button" aria-label={`Delete alert: ${describeRule(r)}`} onClick={() => void store.getState().remove(r.id)}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RuleForm({ store }: { store: AlertsStore }) {
  const chart = useAppState((s) => activeSlot(s));
  const instrument = chart.instrument;
  const lastClose = useAppState((s) => (instrument ? s.lastCandles[seriesKey({ venue: instrument.venue, instrumentId: instrument.id, interval: chart.interval })]?.close : undefined));
  const webhooks = useAlerts(store, (s) => s.webhooks);
  const [kind, setKind] = useState<Kind>('price-above');
  const [venue, setVenue] = useState<VenueId>(instrument?.venue ?? VENUE_IDS[0]);
  const [instrumentId, setInstrumentId] = useState(instrument?.id ?? '');
  const [level, setLevel] = useState(lastClose ?? '');
  const [repeat, setRepeat] = useState<'once' | 'rearm'>('once');
  const [events, setEvents] = useState<OrderAlertEvent[]>(['fill', 'reject']);
  const [anyVenue, setAnyVenue] = useState(true);
  const [seconds, setSeconds] = useState('30');
  const [os, setOs] = useState(true);
  const [hooks, setHooks] = useState<string[]>([]);
  const [label, setLabel] = useState('');
  const [problem, setProblem] = useState<string | undefined>();

  const useChart = () => {
    if (!instrument) return;
    setVenue(instrument.venue);
    setInstrumentId(instrument.id);
    if (lastClose) setLevel(lastClose);
  };

  const submit = async () => {
    const channels = { os, webhooks: hooks };
    const common = label.trim() ? { label: label.trim(), channels } : { channels };
    let rule: AlertRuleInput;
    if (kind === 'price-above' || kind === 'price-below') {
      if (!instrumentId.trim()) return setProblem('Choose an instrument (the active chart’s, or type its id).');
      if (!isDecText(level.trim())) return setProblem('The level is a plain decimal, like 101.5.');
      rule = { kind, venue, instrumentId: instrumentId.trim(), level: level.trim(), repeat, ...common };
    } else if (kind === 'order') {
      if (events.length === 0) return setProblem('Pick at least one order event.');
      rule = anyVenue ? { kind, events, ...common } : { kind, venue, events, ...common };
    } else {
      const n = Number(seconds);
      if (!Number.isInteger(n) || n < 1 || n > 86_400) return setProblem('Seconds: a whole number from 1 to 86400.');
      rule = { kind, venue, seconds: n, ...common };
    }
    setProblem(undefined);
    if (await store.getState().create(rule)) setLabel('');
  };

  return (
    <section aria-label="New alert">
      <h3>New alert</h3>
      <div className="settings-row">
        <label>
          Kind{' '}
          <select aria-label="Alert kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            {(Object.keys(KIND_NAMES) as Kind[]).map((k) => (
              <option key={k} value={k}>
                {KIND_NAMES[k]}
              </option>
            ))}
          </select>
        </label>
        {!(kind === 'order' && anyVenue) && (
          <label>
            Venue{' '}
            <select aria-label="Alert venue" value={venue} onChange={(e) => setVenue(e.target.value as VenueId)}>
              {VENUE_IDS.map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {(kind === 'price-above' || kind === 'price-below') && (
        <div className="settings-row">
          <label>
            Instrument id <input aria-label="Alert instrument" value={instrumentId} onChange={(e) => setInstrumentId(e.target.value)} />
          </label>
          {instrument && (
            <button type="button" onClick={useChart}>
              Use {instrument.symbol}
            </button>
          )}
          <label>
            Level <input aria-label="Alert level" inputMode="decimal" value={level} onChange={(e) => setLevel(e.target.value)} />
          </label>
          <label>
            <input type="checkbox" checked={repeat === 'rearm'} onChange={(e) => setRepeat(e.target.checked ? 'rearm' : 'once')} /> Every crossing
          </label>
        </div>
      )}
      {kind === 'order' && (
        <div className="settings-row">
          <label>
            <input type="checkbox" checked={anyVenue} onChange={(e) => setAnyVenue(e.target.checked)} /> Every venue
          </label>
          {EVENTS.map((ev) => (
            <label key={ev}>
              <input type="checkbox" checked={events.includes(ev)} onChange={(e) => setEvents(e.target.checked ? [...events, ev] : events.filter((x) => x !== ev))} /> {ev}
            </label>
          ))}
        </div>
      )}
      {kind === 'connection-down' && (
        <div className="settings-row">
          <label>
            Down longer than <input aria-label="Seconds down" inputMode="numeric" value={seconds} onChange={(e) => setSeconds(e.target.value)} size={6} /> s
          </label>
        </div>
      )}
      <div className="settings-row">
        <label>
          Label <input aria-label="Alert label" value={label} maxLength={80} onChange={(e) => setLabel(e.target.value)} />
        </label>
        <label>
          <input type="checkbox" checked={os} onChange={(e) => setOs(e.target.checked)} /> OS notification
        </label>
        {webhooks.map((w) => (
          <label key={w.id}>
            <input type="checkbox" checked={hooks.includes(w.id)} onChange={(e) => setHooks(e.target.checked ? [...hooks, w.id] : hooks.filter((x) => x !== w.id))} /> {w.name}
          </label>
        ))}
      </div>
      {problem && <p role="alert">{problem}</p>}
      <button type="button" onClick={() => void submit()}>
        Add alert
      </button>
    </section>
  );
}

function Webhooks({ store }: { store: AlertsStore }) {
  const webhooks = useAlerts(store, (s) => s.webhooks);
  const [name, setName] = useState('');
  const [preset, setPreset] = useState<WebhookPreset>('generic');
  const [url, setUrl] = useState('');
  const [chatId, setChatId] = useState('');
  const [secret, setSecret] = useState('');
  const save = async () => {
    const req = { name: name.trim(), preset, url: url.trim(), ...(preset === 'telegram' && chatId.trim() ? { chatId: chatId.trim() } : {}), ...(secret ? { secret } : {}) };
    if (await store.getState().saveWebhook(req)) {
      setName('');
      setUrl('');
      setSecret('');
      setChatId('');
    }
  };
  return (
    <section aria-label="Webhooks">
      <h3>Webhooks</h3>
      <ul>
        {webhooks.map((w) => (
          <li key={w.id}>
            {w.name} ({w.preset}) {w.url} {w.secretSet ? '· secret set' : '· no secret'}{' '}
            <button type="button" onClick={() => void store.getState().testWebhook(w.id)}>
              Test
            </button>{' '}
            <button type="button" aria-label={`Delete webhook ${w.name}`} onClick={() => void store.getState().deleteWebhook(w.id)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
      <div className="settings-row">
        <input aria-label="Webhook name" placeholder="Name" value={name} maxLength={80} onChange={(e) => setName(e.target.value)} />
        <select aria-label="Webhook preset" value={preset} onChange={(e) => setPreset(e.target.value as WebhookPreset)}>
          {PRESETS.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <input aria-label="Webhook URL" placeholder={preset === 'telegram' ? 'https://api.telegram.org/bot<token>/sendMessage' : 'https://…'} value={url} onChange={(e) => setUrl(e.target.value)} />
        {preset === 'telegram' && <input aria-label="Telegram chat id" placeholder="Chat id" value={chatId} onChange={(e) => setChatId(e.target.value)} />}
        <input aria-label="Webhook signing secret" type="password" autoComplete="off" placeholder="Signing secret (optional)" value={secret} onChange={(e) => setSecret(e.target.value)} />
        <button type="button" onClick={() => void save()}>
          Save webhook
        </button>
      </div>
    </section>
  );
}

function DeadLetters({ store }: { store: AlertsStore }) {
  const dead = useAlerts(store, (s) => s.deadLetters);
  const webhooks = useAlerts(store, (s) => s.webhooks);
  if (dead.length === 0) return null;
  return (
    <section aria-label="Failed deliveries">
      <h3>Failed deliveries</h3>
      <ul>
        {dead.map((d) => (
          <li key={d.id}>
            {new Date(d.updatedAt).toLocaleString()} · {webhooks.find((w) => w.id === d.webhookId)?.name ?? 'deleted webhook'} · {d.event} · {d.attempts.length} attempt(s): {d.lastError ?? ''}{' '}
            <button type="button" onClick={() => void store.getState().resend(d.id)}>
              Resend
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function FiredHistory({ store }: { store: AlertsStore }) {
  const history = useAlerts(store, (s) => s.history);
  return (
    <section aria-label="Fired alerts">
      <h3>Fired</h3>
      {history.length === 0 ? (
        <p>Nothing fired yet.</p>
      ) : (
        <ul>
          {history.map((a) => (
            <li key={a.id}>
              {new Date(a.at).toLocaleString()} · {a.title}: {a.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
