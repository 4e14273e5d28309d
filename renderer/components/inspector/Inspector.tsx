import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { InspectorConnection, InspectorFrame, MethodRequest } from '../../../electron/contract.js';
import { VENUE_IDS, type VenueId } from '../../../common/domain.js';
import { VENUE_NAMES } from '../../order-text.js';
import { useServices } from '../../services.js';
import { appendFrames, frameTime, kindText, preview, sizeText } from './frame-text.js';
import './inspector.css';

/** How often an open, unpaused inspector asks for new frames. */
const POLL_MS = 250;
/** Typing in the channel box reopens the view once the trader stops for this long. */
const TYPING_MS = 300;
/** Reads in one poll while the app says more wait: a burst is caught up quickly, never in an endless loop. */
const READS_PER_POLL = 4;

function venueName(venue: string): string {
  return (VENUE_NAMES as Readonly<Record<string, string>>)[venue] ?? venue;
}

function sourceKey(c: { venue: string; connection: string }): string {
  return `${c.venue}/${c.connection}`;
}

function sameConnections(a: readonly InspectorConnection[], b: readonly InspectorConnection[]): boolean {
  return a.length === b.length && a.every((x, i) => JSON.stringify(x) === JSON.stringify(b[i]));
}

function FrameRow({ f }: { f: InspectorFrame }) {
  const where = `${venueName(f.venue)} ${f.connection}`;
  const kind = kindText(f);
  return (
    <li className={`kind-${f.kind}`}>
      <details>
        <summary aria-label={`${f.dir === 'in' ? 'In' : 'Out'} ${f.channel ?? f.kind} on ${where}, ${sizeText(f.size)}`}>
          <span className={`dir-${f.dir}`} title={f.dir === 'in' ? 'from the venue' : 'to the venue'}>
            {f.dir === 'in' ? '↓' : '↑'}
          </span>
          <time>{frameTime(f.at)}</time>
          <span>{where}</span>
          <span className="frame-channel">{f.channel ?? '—'}</span>
          <span>{sizeText(f.size)}</span>
          <span className="frame-preview">{kind !== '' ? kind : preview(f)}</span>
        </summary>
        {f.note !== undefined && <div className="frame-note">{f.note}</div>}
        {f.text !== undefined && (
          <pre aria-label="Frame text">
            {f.text}
            {f.truncated ? '\n… (cut: the frame is longer than the inspector shows)' : ''}
          </pre>
        )}
      </details>
    </li>
  );
}

/**
 * The wire inspector: the last frames of each venue connection as the app saw them, decoded
 * and redacted in the main process. Open while this panel is shown (closing it closes the
 * view, and with the last view the app stops copying frames); paused, the list holds still
 * while the app keeps buffering.
 */
export function Inspector() {
  const { bridge } = useServices();
  const [connections, setConnections] = useState<InspectorConnection[]>([]);
  const [frames, setFrames] = useState<InspectorFrame[]>([]);
  const [source, setSource] = useState('');
  const [channelText, setChannelText] = useState('');
  const [channel, setChannel] = useState('');
  const [paused, setPaused] = useState(false);
  const [gap, setGap] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  /** Views of earlier filters, closed once the next view is open so the app never stops listening in between. */
  const retired = useRef<string[]>([]);
  const list = useRef<HTMLOListElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    const t = setTimeout(() => setChannel(channelText.trim()), TYPING_MS);
    return () => clearTimeout(t);
  }, [channelText]);

  useEffect(() => {
    let cancelled = false;
    let viewId: string | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const filter: MethodRequest<'inspector.open'> = {};
    const at = source.indexOf('/');
    const venue = source.slice(0, at);
    if (at > 0 && (VENUE_IDS as readonly string[]).includes(venue)) {
      filter.venue = venue as VenueId;
      filter.connection = source.slice(at + 1);
    }
    if (channel !== '') filter.channel = channel;
    const closeRetired = () => {
      for (const id of retired.current.splice(0)) void bridge.invoke('inspector.close', { viewId: id });
    };
    const poll = async (id: string, after: number): Promise<void> => {
      let cursor = after;
      if (!pausedRef.current) {
        for (let i = 0; i < READS_PER_POLL && !cancelled; i++) {
          const r = await bridge.invoke('inspector.read', { viewId: id, after: cursor });
          if (cancelled) return;
          if (!r.ok) {
            setProblem(r.message);
            break;
          }
          const v = r.value;
          cursor = v.next;
          if (v.gap) setGap(true);
          setConnections((prev) => (sameConnections(prev, v.connections) ? prev : v.connections));
          if (v.frames.length > 0) setFrames((prev) => appendFrames(prev, v.frames));
          if (!v.more) break;
        }
      }
      if (!cancelled) timer = setTimeout(() => void poll(id, cursor), POLL_MS);
    };
    void (async () => {
      const opened = await bridge.invoke('inspector.open', filter);
      if (!opened.ok) {
        setProblem(opened.message);
        return;
      }
      if (cancelled) {
        void bridge.invoke('inspector.close', { viewId: opened.value.viewId });
        return;
      }
      viewId = opened.value.viewId;
      closeRetired();
      setProblem(undefined);
      setGap(false);
      setFrames([]);
      setConnections(opened.value.connections);
      await poll(viewId, 0);
    })();
    return () => {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
      if (viewId !== undefined) retired.current.push(viewId);
    };
  }, [bridge, source, channel]);

  // Leaving the panel closes every view this panel opened (after the filter effect's clean-up has retired its view).
  useEffect(
    () => () => {
      queueMicrotask(() => {
        for (const id of retired.current.splice(0)) void bridge.invoke('inspector.close', { viewId: id });
      });
    },
    [bridge],
  );

  // New frames scroll into view while the trader is at the bottom; reading higher up, the list stays put.
  useLayoutEffect(() => {
    const el = list.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [frames]);

  const channels = useMemo(() => {
    const seen = new Set<string>();
    for (const c of connections) if (source === '' || sourceKey(c) === source) for (const ch of c.channels) seen.add(ch);
    return [...seen].sort();
  }, [connections, source]);

  return (
    <section className="inspector" aria-label="Wire inspector">
      <div className="inspector-bar">
        <label>
          Connection
          <select value={source} onChange={(e) => setSource(e.target.value)}>
            <option value="">All connections</option>
            {connections.map((c) => (
              <option key={sourceKey(c)} value={sourceKey(c)}>{`${venueName(c.venue)} ${c.connection} (${c.frames})`}</option>
            ))}
          </select>
        </label>
        <label>
          Channels seen
          <select value={channels.includes(channelText) ? channelText : ''} onChange={(e) => setChannelText(e.target.value)}>
            <option value="">Any channel</option>
            {channels.map((ch) => (
              <option key={ch} value={ch}>
                {ch}
              </option>
            ))}
          </select>
        </label>
        <label>
          Channel contains
          <input type="search" value={channelText} maxLength={128} placeholder="book, ohlc, PostOrder…" onChange={(e) => setChannelText(e.target.value)} />
        </label>
        <button type="button" aria-pressed={paused} onClick={() => setPaused((p) => !p)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={() => setFrames([])}>
          Clear
        </button>
        <span className={`inspector-state${paused ? ' paused' : ''}`} role="status">
          {paused ? `Paused at ${frames.length} frames; the app keeps the newest 500 per connection` : `${frames.length} frames`}
          {gap ? ' · some frames were dropped before they were shown' : ''}
          {problem !== undefined ? ` · ${problem}` : ''}
        </span>
      </div>
      <ol
        className="inspector-frames"
        aria-label="Frames"
        ref={list}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
        }}
      >
        {frames.map((f) => (
          <FrameRow key={f.seq} f={f} />
        ))}
      </ol>
    </section>
  );
}
