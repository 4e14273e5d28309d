import type { CandleKey, Interval } from '../../common/domain.js';
import { candleKeyId } from '../../common/domain.js';

/** Map key of one candle series: the kernel's key, the same one the hub uses. */
export const seriesKey: (k: CandleKey) => string = candleKeyId;

/** The intervals a chart offers, in button order. */
export const CHART_INTERVALS = ['1m', '5m', '15m', '1h', '4h', '1d', '1w'] as const satisfies readonly Interval[];

/** Fails to compile if the domain gains an interval the buttons do not offer. */
type MissingInterval = Exclude<Interval, (typeof CHART_INTERVALS)[number]>;
export const everyIntervalOffered: MissingInterval extends never ? true : never = true;
