import { describe, expect, it } from 'vitest';
import { bridgeSocketUrl, takeToken } from '../../renderer/transport/token.js';

function page(search: string) {
  const replaced: (string | undefined)[] = [];
  const location = { search, pathname: '/', hash: '#top' };
  const history = { replaceState: (_d: unknown, _u: string, url?: string) => void replaced.push(url) };
  return { location, history, replaced };
}

describe('takeToken', () => {
  it('takes the token and removes it from the shown URL, keeping the rest', () => {
    const p = page('?a=1&token=abc_-9&b=2');
    expect(takeToken(p.location, p.history)).toBe('abc_-9');
    expect(p.replaced).toEqual(['/?a=1&b=2#top']);
  });

  it('remembers the token for a reload of the tab, which comes without it', () => {
    let kept: string | undefined;
    const keeper = { get: () => kept, set: (t: string) => void (kept = t) };
    const first = page('?token=abc');
    expect(takeToken(first.location, first.history, keeper)).toBe('abc');
    const reload = page('');
    expect(takeToken(reload.location, reload.history, keeper)).toBe('abc');
    expect(reload.replaced).toEqual([]);
  });

  it('leaves a URL without a token alone', () => {
    const p = page('?a=1');
    expect(takeToken(p.location, p.history)).toBeUndefined();
    expect(p.replaced).toEqual([]);
  });
});

describe('bridgeSocketUrl', () => {
  it('points at /bridge on the page origin with the token in the query', () => {
    expect(bridgeSocketUrl({ protocol: 'http:', host: '127.0.0.1:4321' }, 'a b')).toBe('ws://127.0.0.1:4321/bridge?token=a%20b');
    expect(bridgeSocketUrl({ protocol: 'https:', host: 'x' }, 't')).toBe('wss://x/bridge?token=t');
  });
});
