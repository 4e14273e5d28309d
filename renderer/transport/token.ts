/** The parts of `location` and `history` the token handling needs (injected so tests run in Node). */
export interface PageLocation {
  readonly search: string;
  readonly pathname: string;
  readonly hash: string;
}

export interface PageHistory {
  replaceState(data: unknown, unused: string, url?: string): void;
}

/** Where the token survives a reload of this tab (sessionStorage: per tab, per origin, gone with the tab). */
export interface TokenKeeper {
  get(): string | undefined;
  set(token: string): void;
}

/**
 * Takes the session token from the page URL and removes it from the address shown, so it
 * is not left in screenshots, history entries or copied links. The keeper remembers it, so
 * a reload of the tab (the page itself is let in by the server's cookie) still reaches the bridge.
 */
export function takeToken(location: PageLocation, history: PageHistory, keeper?: TokenKeeper): string | undefined {
  const params = new URLSearchParams(location.search);
  const token = params.get('token') || undefined;
  if (!params.has('token')) return keeper?.get();
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  if (token) keeper?.set(token);
  return token;
}

/** The bridge socket's URL at the page's own origin. */
export function bridgeSocketUrl(location: { protocol: string; host: string }, token: string): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/bridge?token=${encodeURIComponent(token)}`;
}
