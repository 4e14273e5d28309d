import { describe, expect, it } from 'vitest';
import type { PushBatch, Result, Snapshot } from '../../electron/contract.js';
import { BatchSequencer } from '../../renderer/store/batch-sequencer.js';
import { batch, deferred, settle, snapshot } from './fixtures.js';

function setup() {
  const snapshots: ReturnType<typeof deferred<Result<Snapshot>>>[] = [];
  const applied: (number | string)[] = [];
  const retries: (() => void)[] = [];
  const sequencer = new BatchSequencer({
    requestSnapshot: () => {
      const d = deferred<Result<Snapshot>>();
      snapshots.push(d);
      return d.promise;
    },
    onBatch: (b: PushBatch) => applied.push(b.seq),
    onSnapshot: (s: Snapshot) => applied.push(`snapshot@${s.seq}`),
    later: (fn) => retries.push(fn),
  });
  return { sequencer, snapshots, applied, retries };
}

describe('BatchSequencer', () => {
  it('applies nothing before the first snapshot, then only the batches after its seq', async () => {
    const { sequencer, snapshots, applied } = setup();
    sequencer.reset();
    sequencer.push(batch(3));
    sequencer.push(batch(4));
    sequencer.push(batch(5));
    expect(applied).toEqual([]);
    snapshots[0]!.resolve({ ok: true, value: snapshot(3) });
    await settle();
    expect(applied).toEqual(['snapshot@3', 4, 5]);
    sequencer.push(batch(6));
    expect(applied).toEqual(['snapshot@3', 4, 5, 6]);
  });

  it('asks for a snapshot on a gap and replays the batches that follow it in seq order', async () => {
    const { sequencer, snapshots, applied } = setup();
    sequencer.reset();
    snapshots[0]!.resolve({ ok: true, value: snapshot(0) });
    await settle();
    sequencer.push(batch(1));
    sequencer.push(batch(3)); // 2 went missing
    sequencer.push(batch(5));
    sequencer.push(batch(4));
    expect(snapshots).toHaveLength(2);
    expect(applied).toEqual(['snapshot@0', 1]);
    snapshots[1]!.resolve({ ok: true, value: snapshot(3) });
    await settle();
    expect(applied).toEqual(['snapshot@0', 1, 'snapshot@3', 4, 5]);
    expect(sequencer.lastSeq()).toBe(5);
  });

  it('ignores a batch it already has', async () => {
    const { sequencer, snapshots, applied } = setup();
    sequencer.reset();
    snapshots[0]!.resolve({ ok: true, value: snapshot(2) });
    await settle();
    sequencer.push(batch(2));
    sequencer.push(batch(3));
    sequencer.push(batch(3));
    expect(applied).toEqual(['snapshot@2', 3]);
    expect(snapshots).toHaveLength(1);
  });

  it('retries a failed snapshot request later', async () => {
    const { sequencer, snapshots, applied, retries } = setup();
    sequencer.reset();
    snapshots[0]!.resolve({ ok: false, code: 'unavailable', message: 'down' });
    await settle();
    expect(retries).toHaveLength(1);
    retries[0]!();
    snapshots[1]!.resolve({ ok: true, value: snapshot(7) });
    await settle();
    expect(applied).toEqual(['snapshot@7']);
  });

  it('drops the answer to a snapshot asked for before a reset', async () => {
    const { sequencer, snapshots, applied } = setup();
    sequencer.reset();
    sequencer.reset();
    snapshots[0]!.resolve({ ok: true, value: snapshot(50) });
    snapshots[1]!.resolve({ ok: true, value: snapshot(0) });
    await settle();
    expect(applied).toEqual(['snapshot@0']);
  });

  it('keeps only the newest batches while a snapshot is slow', async () => {
    const seen: number[] = [];
    const d = deferred<Result<Snapshot>>();
    const sequencer = new BatchSequencer({
      requestSnapshot: () => d.promise,
      onBatch: (b) => seen.push(b.seq),
      onSnapshot: () => undefined,
      later: () => undefined,
      maxBuffered: 2,
    });
    sequencer.reset();
    for (let seq = 1; seq <= 5; seq++) sequencer.push(batch(seq));
    d.resolve({ ok: true, value: snapshot(3) });
    await settle();
    expect(seen).toEqual([4, 5]);
  });
});
