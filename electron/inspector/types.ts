/**
 * What the wire inspector shows, as it crosses the bridge: frames already decoded, redacted
 * and cut to size on the main side. The contract re-exports these; the renderer imports them
 * only as types from there.
 */
import type { WireDir, WireEventKind } from '../net/wire-tap.js';

/** Which frames a view shows; every field narrows, none = everything. */
export interface InspectorFilter {
  venue?: string;
  connection?: string;
  /** A part of the channel, case-insensitive ("book" matches "book" and "subscribe:book"). */
  channel?: string;
}

export interface InspectorFrame {
  /** Increases by one per frame the inspector kept, across every connection: the read cursor. */
  seq: number;
  /** Wall-clock ms with sub-ms precision, when the frame crossed. */
  at: number;
  venue: string;
  connection: string;
  /** What the frame is about: the adapter's word, else `channel`/`method` out of the JSON. */
  channel?: string;
  dir: WireDir;
  kind: WireEventKind;
  /** The call or stream of the connection, to pair a reply with its request. */
  call?: number;
  /** Close code, gRPC or HTTP status, transport error: redacted and cut short. */
  status?: { code: string; detail: string };
  /** Bytes on the wire (UTF-8 bytes of a JSON text, protobuf bytes). */
  size: number;
  /** The frame as text: JSON re-indented as sent (numbers untouched), protobuf decoded to JSON; redacted. */
  text?: string;
  /** The text was longer than the inspector shows: `text` is its start. */
  truncated?: true;
  /** Why the payload is not shown as decoded (protobuf it could not decode, a frame too large to keep). */
  note?: string;
}

/** One connection the inspector holds frames of. */
export interface InspectorConnection {
  venue: string;
  connection: string;
  /** Frames held now (at most the ring's capacity). */
  frames: number;
  /** Channels seen among the frames read so far, sorted. */
  channels: string[];
}

export interface InspectorOpened {
  viewId: string;
  connections: InspectorConnection[];
  /** Frames kept per connection. */
  capacity: number;
}

export interface InspectorRead {
  /** Frames of the view after the cursor, oldest first. */
  frames: InspectorFrame[];
  /** The cursor for the next read. */
  next: number;
  /** More frames wait after `next`: read again at once. */
  more: boolean;
  /** Frames of the view's connections were dropped from the buffer before this read reached them. */
  gap: boolean;
  connections: InspectorConnection[];
}

/**
 * Turns a venue's binary frame into a JSON-able value (T-Invest protobuf by the gRPC method's
 * request or response type); undefined when it does not know the frame; throws when the bytes
 * don't decode. Registered by the composition root, which may know venues; the inspector doesn't.
 */
export type BytesDecoder = (frame: { venue: string; channel: string | undefined; dir: WireDir; bytes: Uint8Array }) => unknown;
