import { describe, expect, it } from 'vitest';
import { matchShortcut, SHORTCUTS, type KeyLike } from '../../renderer/keyboard.js';

const key = (over: Partial<KeyLike>): KeyLike => ({
  code: '',
  key: '',
  altKey: false,
  ctrlKey: false,
  shiftKey: false,
  metaKey: false,
  inTextField: false,
  ...over,
});

describe('keyboard shortcuts', () => {
  it('match by physical key, so a Russian layout works the same', () => {
    expect(matchShortcut(key({ code: 'KeyB', key: 'и', altKey: true }))).toBe('buy');
    expect(matchShortcut(key({ code: 'KeyS', key: 'ы', altKey: true }))).toBe('sell');
    expect(matchShortcut(key({ code: 'F2', key: 'F2', inTextField: true }))).toBe('focus-ticket');
    expect(matchShortcut(key({ code: 'KeyX', key: 'X', ctrlKey: true, shiftKey: true }))).toBe('panic');
  });

  it('leave plain typing alone', () => {
    expect(matchShortcut(key({ code: 'KeyB', key: 'b' }))).toBeUndefined();
    expect(matchShortcut(key({ code: 'KeyB', key: 'B', shiftKey: true }))).toBeUndefined();
    expect(matchShortcut(key({ code: 'KeyX', key: 'x', ctrlKey: true }))).toBeUndefined();
    expect(matchShortcut(key({ code: 'Slash', key: '?', shiftKey: true, inTextField: true }))).toBeUndefined();
    expect(matchShortcut(key({ code: 'Slash', key: '?', shiftKey: true }))).toBe('help');
  });

  it('are all documented with what they do', () => {
    expect(SHORTCUTS.map((s) => s.keys)).toEqual([
      'F2',
      'Alt+B',
      'Alt+S',
      'Delete',
      'Right-click on a chart',
      'Drag an order line (or ↑/↓ on its handle, Enter)',
      'Ctrl+Shift+X',
      '?',
    ]);
    for (const s of SHORTCUTS) expect(s.does.length).toBeGreaterThan(10);
  });
});
