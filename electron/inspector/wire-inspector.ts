/**
 * The wire inspector: the last frames of every venue connection, in and out, for the views
 * that are open. It listens to the app's WireTaps only while at least one view is open, so
 * with every view closed the adapters' `tap.active` is false and they build no frame at all;
 * when the last view closes the frames held are let go. While listening, a frame costs one
 * ring slot (its protobuf bytes copied); decoding, redaction and cutting to size wait for a
 * view to read it, and happen once per frame.
 */
import { randomUUID } from 'node:crypto';
import { HubError } from '../core/hub-error.js';
import type { WireFrame, WireTaps } from '../net/wire-tap.js';
import { FrameRing, type HeldFrame } from './frame-ring.js';
import { frameText, MAX_DETAIL_CHARS } from './frame-text.js';
import type { BytesDecoder, InspectorConnection, InspectorFilter, InspectorFrame, InspectorOpened, InspectorRead } from './types.js';

/** Frames kept per connection. */
export const FRAMES_PER_CONNECTION = 500;
/** Characters of text plus bytes kept per connection; the oldest frames go first past it. */
export const WEIGHT_PER_CONNECTION = 8 * 1024 * 1024;
/** A payload larger than this is not kept: its frame says how large it was. */
export const MAX_KEPT_PAYLOAD = 1024 * 1024;
/** Connections held at once; frames of further ones are counted, not kept. */
export const MAX_CONNECTIONS = 64;
/** Views open at once in the whole app. */
export const MAX_VIEWS = 64;
/** Frames one read returns at most. */
export const MAX_READ = 500;
/** Characters of text one read returns at most (past it, `more`): one answer stays a few MiB on the bridge. */
export const MAX_READ_CHARS = 2 * 1024 * 1024;
/** Channels listed per connection. */
export const MAX_CHANNELS_LISTED = 256;

export interface WireInspectorOptions {
  wire: WireTaps;
  /** The app's one redactor (core/log.ts `redact`): every text shown passes through it. */
  redact: (text: string) => string;
  /** Binary frames to JSON (T-Invest protobuf), from the composition root. */
  decode?: BytesDecoder;
  framesPerConnection?: number;
  weightPerConnection?: number;
}

interface View {
  readonly filter: InspectorFilter;
  /** Lower-cased channel filter. */
  readonly channel: string | undefined;
  cursor: number;
}

function matches(f: InspectorFilter, venue: string, connection: string): boolean {
  return (f.venue === undefined || f.venue === venue) && (f.connection === undefined || f.connection === connection);
}

export class WireInspector {
  private readonly views = new Map<string, View>();
  private readonly rings = new Map<string, { venue: string; connection: string; ring: FrameRing }>();
  private detach: (() => void) | undefined;
  private seq = 0;
  /** Frames not kept because MAX_CONNECTIONS connections were already held. */
  private overflow = 0;
  private readonly capacity: number;
  private readonly maxWeight: number;

  constructor(private readonly o: WireInspectorOptions) {
    this.capacity = o.framesPerConnection ?? FRAMES_PER_CONNECTION;
    this.maxWeight = o.weightPerConnection ?? WEIGHT_PER_CONNECTION;
  }

  /** Whether the inspector is listening to the wire (some view is open). */
  get listening(): boolean {
    return this.detach !== undefined;
  }

  get openViews(): number {
    return this.views.size;
  }

  /** Frames of connections beyond MAX_CONNECTIONS, counted since the inspector was made. */
  get overflowFrames(): number {
    return this.overflow;
  }

  open(filter: InspectorFilter): InspectorOpened {
    if (this.views.size >= MAX_VIEWS) throw new HubError('invalid', `at most ${MAX_VIEWS} inspector views may be open at once`);
    const viewId = randomUUID();
    const f: InspectorFilter = {};
    if (filter.venue !== undefined) f.venue = filter.venue;
    if (filter.connection !== undefined) f.connection = filter.connection;
    if (filter.channel !== undefined && filter.channel !== '') f.channel = filter.channel;
    this.views.set(viewId, { filter: f, channel: f.channel?.toLowerCase(), cursor: 0 });
    this.detach ??= this.o.wire.attach(this.consume);
    return { viewId, connections: this.connections(), capacity: this.capacity };
  }

  /** Frames of the view after `after` (default: where its last read ended), oldest first. */
  read(viewId: string, after?: number, limit = MAX_READ): InspectorRead {
    const view = this.views.get(viewId);
    if (!view) throw new HubError('not-found', 'no such inspector view (it was closed)');
    const from = after ?? view.cursor;
    const max = Math.max(1, Math.min(limit, MAX_READ));
    const found: HeldFrame[] = [];
    let gap = false;
    for (const { venue, connection, ring } of this.rings.values()) {
      if (!matches(view.filter, venue, connection)) continue;
      if (ring.evictedUpTo > from) gap = true;
      for (const h of ring.after(from)) {
        const shown = this.show(h, ring);
        if (view.channel !== undefined && !(shown.channel?.toLowerCase().includes(view.channel) ?? false)) continue;
        found.push(h);
      }
    }
    found.sort((a, b) => a.seq - b.seq);
    const frames: InspectorFrame[] = [];
    let chars = 0;
    for (const h of found) {
      const weight = h.shown?.text?.length ?? 0;
      if (frames.length === max || (frames.length > 0 && chars + weight > MAX_READ_CHARS)) break;
      chars += weight;
      frames.push(this.frameOf(h));
    }
    const more = frames.length < found.length;
    const next = more ? frames[frames.length - 1]!.seq : Math.max(from, this.seq);
    view.cursor = next;
    return { frames, next, more, gap, connections: this.connections() };
  }

  /** Closes a view; the last one closed stops the listening and lets the frames go. Idempotent. */
  close(viewId: string): void {
    if (!this.views.delete(viewId) || this.views.size > 0) return;
    this.detach?.();
    this.detach = undefined;
    this.rings.clear();
  }

  connections(): InspectorConnection[] {
    return [...this.rings.values()]
      .map(({ venue, connection, ring }) => ({ venue, connection, frames: ring.size, channels: [...ring.channels].sort().slice(0, MAX_CHANNELS_LISTED) }))
      .sort((a, b) => a.venue.localeCompare(b.venue) || a.connection.localeCompare(b.connection));
  }

  /** The hot side: called for every frame while a view is open. Keeps references; copies only bytes. */
  private readonly consume = (frame: WireFrame): void => {
    const key = `${frame.venue}\u0000${frame.connection}`;
    let held = this.rings.get(key);
    if (held === undefined) {
      if (this.rings.size >= MAX_CONNECTIONS) {
        this.overflow++;
        return;
      }
      held = { venue: frame.venue, connection: frame.connection, ring: new FrameRing(this.capacity, this.maxWeight) };
      this.rings.set(key, held);
    }
    const payload = frame.text !== undefined ? frame.text.length : (frame.bytes?.length ?? 0);
    const seq = ++this.seq;
    if (payload > MAX_KEPT_PAYLOAD) {
      // Too large to keep: its size is what the trader gets (the text's UTF-8 size is worked out once, here).
      const size = frame.text !== undefined ? Buffer.byteLength(frame.text) : payload;
      held.ring.push({ seq, frame: { ...frame, text: undefined, bytes: undefined }, bytes: undefined, weight: 0, dropped: size });
      return;
    }
    // new Uint8Array copies (a Buffer's slice would only be a view of the same memory).
    held.ring.push({ seq, frame, bytes: frame.bytes === undefined ? undefined : new Uint8Array(frame.bytes), weight: payload });
  };

  private show(h: HeldFrame, ring: FrameRing): NonNullable<HeldFrame['shown']> {
    if (h.shown === undefined) {
      const t = frameText(h.frame, h.bytes, this.o.decode, this.o.redact);
      const size = h.dropped ?? (h.frame.text !== undefined ? Buffer.byteLength(h.frame.text) : (h.bytes?.length ?? 0));
      if (h.dropped !== undefined) t.note = `a ${h.dropped}-byte frame: larger than the inspector keeps (${MAX_KEPT_PAYLOAD} bytes)`;
      h.shown = { ...t, size };
      if (t.channel !== undefined && ring.channels.size < MAX_CHANNELS_LISTED) ring.channels.add(t.channel);
    }
    return h.shown;
  }

  private frameOf(h: HeldFrame): InspectorFrame {
    const f = h.frame;
    const s = h.shown!;
    const out: InspectorFrame = { seq: h.seq, at: f.at, venue: f.venue, connection: f.connection, dir: f.dir, kind: f.kind, size: s.size };
    if (s.channel !== undefined) out.channel = s.channel;
    if (f.call !== undefined) out.call = f.call;
    if (f.status !== undefined) {
      out.status = { code: this.o.redact(String(f.status.code)).slice(0, 64), detail: this.o.redact(String(f.status.detail)).slice(0, MAX_DETAIL_CHARS) };
    }
    if (s.text !== undefined) out.text = s.text;
    if (s.truncated) out.truncated = true;
    if (s.note !== undefined) out.note = s.note;
    return out;
  }
}
