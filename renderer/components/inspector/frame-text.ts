/** How the inspector's rows read: time to the millisecond, sizes in bytes, the last frames kept. */
import type { InspectorFrame } from '../../../electron/contract.js';

/** Frames the panel keeps; older ones scroll away (the app still holds its own last 500 per connection). */
export const SHOWN_FRAMES = 500;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Local time with milliseconds: frames a few ms apart must read apart. */
export function frameTime(at: number): string {
  const d = new Date(at);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** What the row says of a frame that carries no message: the connection opened, closed or failed. */
export function kindText(f: InspectorFrame): string {
  if (f.kind === 'frame') return '';
  const status = f.status ? ` ${f.status.code}${f.status.detail ? `: ${f.status.detail}` : ''}` : '';
  return `${f.kind}${status}`;
}

/** The list after `more` arrived: oldest first, at most SHOWN_FRAMES, a frame already held not twice. */
export function appendFrames(held: readonly InspectorFrame[], more: readonly InspectorFrame[], max = SHOWN_FRAMES): InspectorFrame[] {
  const last = held.at(-1)?.seq ?? 0;
  const fresh = more.filter((f) => f.seq > last);
  if (fresh.length === 0) return held as InspectorFrame[];
  const all = held.concat(fresh);
  return all.length > max ? all.slice(all.length - max) : all;
}

/** One line of a frame's text, for the collapsed row. */
export function preview(f: InspectorFrame, max = 160): string {
  const t = f.note ?? f.text ?? '';
  const flat = t.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
