/**
 * Chart time in the trader's zone. Candles stay UTC seconds everywhere (store, feed, chart
 * data); only labels are shifted: the axis, the crosshair and the legends all format through
 * here, so they agree. Day and week bars are labelled by their date, never shifted: a daily
 * bar is a trading day, and a zone west of UTC would otherwise print the day before.
 */
import type { Interval, VenueId } from '../../common/domain.js';
import type { ChartTimeZone } from '../store/prefs.js';

/** The venues' exchange time: MOEX runs on Moscow time, UTC+3 all year (no DST since 2014). */
const EXCHANGE_ZONES: Readonly<Record<VenueId, { offsetSec: number; label: string }>> = {
  tinvest: { offsetSec: 3 * 3600, label: 'MSK' },
  kraken: { offsetSec: 0, label: 'UTC' },
};

/** Seconds to add to a UTC time to read it in the zone at that instant (the local zone follows DST). */
export function zoneOffsetSec(zone: ChartTimeZone, venue: VenueId, utcSec: number): number {
  if (zone === 'utc') return 0;
  if (zone === 'exchange') return EXCHANGE_ZONES[venue].offsetSec;
  return -new Date(utcSec * 1000).getTimezoneOffset() * 60;
}

/** What the labels say the zone is: "UTC", "MSK", or the local offset ("UTC+5:30"). */
export function zoneLabel(zone: ChartTimeZone, venue: VenueId, utcSec: number): string {
  if (zone === 'utc') return 'UTC';
  if (zone === 'exchange') return EXCHANGE_ZONES[venue].label;
  const off = zoneOffsetSec(zone, venue, utcSec);
  if (off === 0) return 'UTC';
  const abs = Math.abs(off);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  return `UTC${off < 0 ? '-' : '+'}${h}${m ? `:${pad(m)}` : ''}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Date parts of a UTC time read in the zone (computed on a shifted Date read as UTC). */
function parts(utcSec: number, offsetSec: number) {
  const d = new Date((utcSec + offsetSec) * 1000);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds() };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function isDateInterval(interval: Interval): boolean {
  return interval === '1d' || interval === '1w';
}

export interface ChartClock {
  zone: ChartTimeZone;
  venue: VenueId;
  interval: Interval;
}

/** A bar's open time as the legends show it: "2026-12-06" for day/week bars, else "14:05 MSK". */
export function barTimeText(utcSec: number, c: ChartClock): string {
  if (isDateInterval(c.interval)) {
    const p = parts(utcSec, 0);
    return `${p.y}-${pad(p.mo)}-${pad(p.d)}`;
  }
  const p = parts(utcSec, zoneOffsetSec(c.zone, c.venue, utcSec));
  return `${pad(p.h)}:${pad(p.mi)} ${zoneLabel(c.zone, c.venue, utcSec)}`;
}

/** The crosshair's time label: the date too, since the crosshair may sit days back. */
export function crosshairTimeText(utcSec: number, c: ChartClock): string {
  if (isDateInterval(c.interval)) return barTimeText(utcSec, c);
  const p = parts(utcSec, zoneOffsetSec(c.zone, c.venue, utcSec));
  return `${p.d} ${MONTHS[p.mo - 1]} ${String(p.y).slice(2)} ${pad(p.h)}:${pad(p.mi)} ${zoneLabel(c.zone, c.venue, utcSec)}`;
}

/** lightweight-charts' TickMarkType values (kept here so this file needs no chart import). */
export const TICK = { Year: 0, Month: 1, DayOfMonth: 2, Time: 3, TimeWithSeconds: 4 } as const;

/** An axis label: the library picks where ticks go (on UTC boundaries) and how fine; we say what they read. */
export function tickText(utcSec: number, tickType: number, c: ChartClock): string {
  const offset = isDateInterval(c.interval) ? 0 : zoneOffsetSec(c.zone, c.venue, utcSec);
  const p = parts(utcSec, offset);
  switch (tickType) {
    case TICK.Year:
      return String(p.y);
    case TICK.Month:
      return MONTHS[p.mo - 1]!;
    case TICK.DayOfMonth:
      return String(p.d);
    case TICK.TimeWithSeconds:
      return `${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`;
    default:
      return `${pad(p.h)}:${pad(p.mi)}`;
  }
}
