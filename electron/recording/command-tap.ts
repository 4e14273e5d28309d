/**
 * What the app asked of a venue, on the wire tap: a recording holds the frames, but a replay
 * must also ask the adapter the same things (connect, subscribe, place, cancel, resolve…) at
 * the same moments. Each call of a Venue method goes out as a frame on connection 'app'
 * (channel = method, text = the arguments as JSON, call = a per-venue number), and its outcome
 * comes back on the same call (text = the result, or status = the error). Only while the tap
 * is active; otherwise a call costs one property read more.
 */
import type { WireTap } from '../net/wire-tap.js';
import { wallClock } from '../net/wire-tap.js';
import type { Venue } from '../venues/venue.js';

/** The connection name of command frames. */
export const APP_CONNECTION = 'app';

/** Venue methods whose calls are recorded: their arguments are plain data (JSON). */
export const RECORDED_COMMANDS: ReadonlySet<string> = new Set([
  'connect',
  'close',
  'accounts',
  'searchInstruments',
  'instrument',
  'history',
  'subscribeCandles',
  'unsubscribeCandles',
  'subscribeMarket',
  'unsubscribeMarket',
  'placeOrder',
  'cancelOrder',
  'amendOrder',
  'cancelAll',
  'openOrders',
  'resolveOrder',
  'accountHistory',
  'portfolio',
]);

/** An error as a command's outcome: what the app could see of it. */
export interface CommandError {
  name: string;
  kind?: string;
  code?: string;
  message: string;
}

export function commandError(e: unknown): CommandError {
  if (!(e instanceof Error)) return { name: 'throw', message: String(e) };
  const o = e as Error & { kind?: unknown; code?: unknown };
  return {
    name: e.name,
    ...(typeof o.kind === 'string' ? { kind: o.kind } : {}),
    ...(typeof o.code === 'string' ? { code: o.code } : {}),
    message: e.message,
  };
}

/** The venue with every recorded command told to `tap`. */
export function tapCommands<V extends Venue>(venue: V, tap: WireTap): V {
  let calls = 0;
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(venue, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || typeof prop !== 'string' || !RECORDED_COMMANDS.has(prop)) return v;
      let w = wrapped.get(prop);
      if (w === undefined) {
        const fn = v as (...args: unknown[]) => unknown;
        w = (...args: unknown[]): unknown => {
          if (!tap.active) return fn.apply(target, args);
          const call = ++calls;
          const base = { venue: target.id, connection: APP_CONNECTION, channel: prop, call } as const;
          tap.emit({ ...base, dir: 'out', kind: 'frame', at: wallClock(), text: JSON.stringify(args) });
          let r: unknown;
          try {
            r = fn.apply(target, args);
          } catch (e) {
            tap.emit({ ...base, dir: 'in', kind: 'error', at: wallClock(), status: { code: 'throw', detail: JSON.stringify(commandError(e)) } });
            throw e;
          }
          if (r instanceof Promise) {
            r.then(
              (value: unknown) => {
                if (tap.active) tap.emit({ ...base, dir: 'in', kind: 'frame', at: wallClock(), text: JSON.stringify(value ?? null) });
              },
              (e: unknown) => {
                if (tap.active) tap.emit({ ...base, dir: 'in', kind: 'error', at: wallClock(), status: { code: 'reject', detail: JSON.stringify(commandError(e)) } });
              },
            );
          }
          return r;
        };
        wrapped.set(prop, w);
      }
      return w;
    },
  });
}
