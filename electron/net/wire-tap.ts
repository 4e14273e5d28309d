/**
 * What crossed a venue connection, frame by frame, for the wire inspector and the session
 * recorder. Adapters hold one WireTap and, at each frame in or out, do
 * `if (tap.active) tap.emit(...)`: with nobody listening that is one property read, so the
 * hot path pays nothing for an inspector that is closed. Frames are passed as they crossed
 * the wire (JSON text, protobuf bytes); decoding and redaction happen in the consumers, off
 * the hot path, and only while someone looks.
 */

export type WireDir = 'in' | 'out';

/**
 * frame: a message; open/close: a connection or a stream began or ended (close carries the
 * code and reason); error: a call or stream failed (the gRPC status, the transport's error).
 */
export type WireEventKind = 'frame' | 'open' | 'close' | 'error';

export interface WireStatus {
  /** WebSocket close code, gRPC status code, HTTP status, or a transport error code. */
  readonly code: number | string;
  readonly detail: string;
}

export interface WireFrame {
  /** The venue the connection belongs to. */
  readonly venue: string;
  /**
   * One connection of the venue, stable across reconnects: 'public', 'private', 'rest',
   * 'marketdata#0', 'order-state', 'unary'.
   */
  readonly connection: string;
  /**
   * What the frame is about, where the adapter knows it without parsing: a WS method, a REST
   * method, a gRPC method name. Consumers work it out of the text when absent.
   */
  readonly channel?: string;
  readonly dir: WireDir;
  readonly kind: WireEventKind;
  /** Wall-clock ms with sub-ms precision (wallClock()). */
  readonly at: number;
  /** JSON as sent or received (Kraken WS frames, REST bodies and query strings). */
  readonly text?: string;
  /** Protobuf bytes as sent or received (T-Invest). */
  readonly bytes?: Uint8Array;
  readonly status?: WireStatus;
  /**
   * Which call or stream of the connection this belongs to (a gRPC call, a REST request, a
   * socket's attempt), so a reply can be matched with its request; unique per connection.
   */
  readonly call?: number;
}

export interface WireTap {
  /** True while at least one consumer listens; check it before building a frame. */
  readonly active: boolean;
  emit(frame: WireFrame): void;
}

export type WireConsumer = (frame: WireFrame) => void;

/** Milliseconds since the epoch with sub-ms precision; the same clock in every process on the machine. */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

/** A tap nobody listens to (tests, the bench's baseline). */
export const SILENT_TAP: WireTap = Object.freeze({ active: false, emit: () => undefined });

/**
 * The app's one tap: every adapter emits into it, every consumer (inspector, recorder)
 * attaches to it. A consumer that throws is detached and reported, never the adapter's problem.
 */
export class WireTaps implements WireTap {
  active = false;
  private readonly consumers = new Set<WireConsumer>();

  constructor(private readonly onConsumerError: (err: unknown) => void = () => undefined) {}

  /** Starts delivering every frame to `consumer`; returns its detach. */
  attach(consumer: WireConsumer): () => void {
    this.consumers.add(consumer);
    this.active = true;
    return () => {
      this.consumers.delete(consumer);
      this.active = this.consumers.size > 0;
    };
  }

  emit(frame: WireFrame): void {
    for (const c of this.consumers) {
      try {
        c(frame);
      } catch (err) {
        this.consumers.delete(c);
        this.active = this.consumers.size > 0;
        this.onConsumerError(err);
      }
    }
  }
}
