/**
 * The last frames of one connection, bounded twice: by count, and by the characters and bytes
 * they hold (a few large REST answers must not keep megabytes alive). Oldest go first.
 */
import type { FrameText } from './frame-text.js';
import type { WireFrame } from '../net/wire-tap.js';

export interface HeldFrame {
  readonly seq: number;
  readonly frame: WireFrame;
  /** A copy of the frame's protobuf bytes (a transport may reuse its buffer). */
  readonly bytes: Uint8Array | undefined;
  /** What the payload weighs in memory here, for the ring's budget. */
  readonly weight: number;
  /** Set when the payload was too large to keep; the frame's size then. */
  readonly dropped?: number;
  /** Worked out on the first read that reaches the frame. */
  shown?: FrameText & { size: number };
}

export class FrameRing {
  private readonly items: (HeldFrame | undefined)[];
  private head = 0;
  private count = 0;
  private weight = 0;
  /** The seq of the newest frame pushed out (by count or weight), or 0: a reader behind it missed frames. */
  evictedUpTo = 0;
  /** Channels seen by reads, for the filter's choices. */
  readonly channels = new Set<string>();

  constructor(
    readonly capacity: number,
    private readonly maxWeight: number,
  ) {
    this.items = new Array<HeldFrame | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(h: HeldFrame): void {
    if (this.count === this.capacity) this.shift();
    this.items[(this.head + this.count) % this.capacity] = h;
    this.count++;
    this.weight += h.weight;
    while (this.weight > this.maxWeight && this.count > 1) this.shift();
  }

  /** Frames with a seq above `after`, oldest first. */
  *after(after: number): Generator<HeldFrame> {
    for (let i = 0; i < this.count; i++) {
      const h = this.items[(this.head + i) % this.capacity]!;
      if (h.seq > after) yield h;
    }
  }

  private shift(): void {
    const h = this.items[this.head]!;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    this.weight -= h.weight;
    this.evictedUpTo = h.seq;
  }
}
