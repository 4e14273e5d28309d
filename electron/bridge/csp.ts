/**
 * The renderer's Content-Security-Policy, one definition for both ways of serving it.
 * style-src allows inline styles only because lightweight-charts injects a <style> element
 * for its attribution logo; scripts stay 'self' only.
 */
export function contentSecurityPolicy(opts: { connectSrc?: readonly string[] } = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `connect-src ${["'self'", ...(opts.connectSrc ?? [])].join(' ')}`,
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
