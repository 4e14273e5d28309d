/**
 * How a cancel-all report reads: one line per venue and account, saying what was cancelled
 * and what was not, with why. The panic dialog shows it; the toasts of a venue's own
 * cancel-all use the same words.
 */
import type { CancelAllResult } from '../electron/contract.js';
import { VENUE_NAMES } from './order-text.js';

export interface ReportLine {
  ok: boolean;
  text: string;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function cancelAllHeadline(r: CancelAllResult): string {
  const failed = r.failed.length;
  return failed === 0 ? `Cancelled ${plural(r.cancelled, 'order')}` : `Cancelled ${plural(r.cancelled, 'order')}; ${failed} not done`;
}

export function cancelAllLines(r: CancelAllResult): ReportLine[] {
  const out: ReportLine[] = [];
  for (const v of r.venues) {
    const venue = VENUE_NAMES[v.venue];
    if (v.error) out.push({ ok: false, text: `${venue}: nothing cancelled — ${v.error.code}: ${v.error.message}` });
    for (const a of v.accounts) {
      const tries = a.attempts > 1 ? ` after ${plural(a.attempts, 'attempt')}` : '';
      if (a.ok) {
        out.push({ ok: true, text: `${venue} · ${a.accountId}: cancelled ${plural(a.cancelled, 'order')}${tries}` });
        continue;
      }
      const why = a.error ? ` — ${a.error.code}: ${a.error.message}` : '';
      const open = a.mayBeOpen.length > 0 ? `; ${plural(a.mayBeOpen.length, 'order')} of this app may still be open` : '';
      out.push({ ok: false, text: `${venue} · ${a.accountId}: NOT cancelled${tries}${why}${open}` });
    }
  }
  return out;
}
