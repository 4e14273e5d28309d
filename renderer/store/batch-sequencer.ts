/**
 * Puts push batches in order. Every batch must carry the seq after the last one applied;
 * a gap means something was missed, so the session snapshot is fetched and applied, and
 * the batches that follow it are replayed. Nothing is applied until the first snapshot.
 */
import type { PushBatch, Result, Snapshot } from '../../electron/contract.js';

export interface SequencerOptions {
  requestSnapshot(): Promise<Result<Snapshot>>;
  onBatch(batch: PushBatch): void;
  onSnapshot(snapshot: Snapshot): void;
  /** Schedules a retry of a failed snapshot request. */
  later(fn: () => void, ms: number): void;
  /** Batches kept while a snapshot is on its way; older ones are dropped (the snapshot covers them). */
  maxBuffered?: number;
}

export class BatchSequencer {
  /** Seq of the last batch (or snapshot) applied; undefined while resyncing. */
  private last: number | undefined;
  private buffered: PushBatch[] = [];
  private requesting = false;
  private generation = 0;
  private failures = 0;
  private readonly maxBuffered: number;

  constructor(private readonly options: SequencerOptions) {
    this.maxBuffered = options.maxBuffered ?? 1000;
  }

  /** The seq applied last, for diagnostics and tests. */
  lastSeq(): number | undefined {
    return this.last;
  }

  /** Forgets the sequence (the far side started a new session) and resyncs from a snapshot. */
  reset(): void {
    this.generation += 1;
    this.requesting = false;
    this.last = undefined;
    this.buffered = [];
    this.resync();
  }

  push(batch: PushBatch): void {
    if (this.last === undefined) {
      this.buffer(batch);
      return;
    }
    if (batch.seq <= this.last) return; // already covered by a snapshot or applied
    if (batch.seq !== this.last + 1) {
      this.last = undefined;
      this.buffer(batch);
      this.resync();
      return;
    }
    this.last = batch.seq;
    this.options.onBatch(batch);
  }

  private buffer(batch: PushBatch): void {
    this.buffered.push(batch);
    if (this.buffered.length > this.maxBuffered) this.buffered.shift();
  }

  private resync(): void {
    if (this.requesting) return;
    this.requesting = true;
    const generation = this.generation;
    void this.options.requestSnapshot().then(
      (result) => this.snapshotArrived(generation, result),
      (err: unknown) =>
        this.snapshotArrived(generation, { ok: false, code: 'internal', message: String(err) }),
    );
  }

  private snapshotArrived(generation: number, result: Result<Snapshot>): void {
    if (generation !== this.generation) return; // a reset asked for a newer one
    this.requesting = false;
    if (!result.ok) {
      this.failures += 1;
      const delay = Math.min(10_000, 500 * 2 ** (this.failures - 1));
      this.options.later(() => {
        if (generation === this.generation && this.last === undefined) this.resync();
      }, delay);
      return;
    }
    this.failures = 0;
    const snapshot = result.value;
    this.last = snapshot.seq;
    this.options.onSnapshot(snapshot);
    const replay = this.buffered.sort((a, b) => a.seq - b.seq);
    this.buffered = [];
    // A gap inside the replay starts another resync; the rest is buffered again by push().
    for (const batch of replay) this.push(batch);
  }
}
