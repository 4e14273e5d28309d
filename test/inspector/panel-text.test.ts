import { describe, expect, it } from 'vitest';
import type { InspectorFrame } from '../../electron/contract.js';
import { appendFrames, frameTime, kindText, preview, sizeText } from '../../renderer/components/inspector/frame-text.js';

function f(seq: number, o: Partial<InspectorFrame> = {}): InspectorFrame {
  return { seq, at: 0, venue: 'kraken', connection: 'public', dir: 'in', kind: 'frame', size: 10, ...o };
}

describe('the inspector panel, in words', () => {
  it('keeps the newest frames up to its bound, oldest first, and never a frame twice', () => {
    const held = appendFrames([], [f(1), f(2), f(3)], 4);
    expect(appendFrames(held, [f(3), f(4), f(5)], 4).map((x) => x.seq)).toEqual([2, 3, 4, 5]);
    // Nothing new: the same list, so React sees no change.
    expect(appendFrames(held, [f(2)], 4)).toBe(held);
  });

  it('says time to the millisecond, sizes in bytes, and what a frame without a message was', () => {
    expect(frameTime(new Date(2026, 11, 6, 9, 5, 7, 42).getTime())).toBe('09:05:07.042');
    expect([sizeText(512), sizeText(2048), sizeText(3 * 1024 * 1024)]).toEqual(['512 B', '2.0 KiB', '3.0 MiB']);
    expect(kindText(f(1, { kind: 'close', status: { code: '1006', detail: 'gone' } }))).toBe('close 1006: gone');
    expect(kindText(f(1))).toBe('');
    expect(preview(f(1, { text: '{\n  "a": 1\n}' }))).toBe('{ "a": 1 }');
    expect(preview(f(1, { text: 'x'.repeat(200) }), 10)).toBe(`${'x'.repeat(10)}…`);
    expect(preview(f(1, { text: '01 02', note: 'no decoder' }))).toBe('no decoder');
  });
});
