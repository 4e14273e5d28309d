/**
 * One bridge client's inspector views: a client reads and closes only the views it opened,
 * and when it goes away (a window closed, a socket dropped) its views close with it, so a
 * vanished client never leaves the inspector listening.
 */
import { HubError } from '../core/hub-error.js';
import type { WireInspector } from './wire-inspector.js';
import type { InspectorFilter, InspectorOpened, InspectorRead } from './types.js';

/** Views one client may hold at once. */
export const MAX_VIEWS_PER_CLIENT = 8;

export class InspectorViews {
  private readonly mine = new Set<string>();

  constructor(private readonly inspector: WireInspector) {}

  open(filter: InspectorFilter): InspectorOpened {
    if (this.mine.size >= MAX_VIEWS_PER_CLIENT) throw new HubError('invalid', `at most ${MAX_VIEWS_PER_CLIENT} inspector views per client; close one first`);
    const opened = this.inspector.open(filter);
    this.mine.add(opened.viewId);
    return opened;
  }

  read(viewId: string, after?: number, limit?: number): InspectorRead {
    this.own(viewId);
    return this.inspector.read(viewId, after, limit);
  }

  close(viewId: string): void {
    this.own(viewId);
    this.mine.delete(viewId);
    this.inspector.close(viewId);
  }

  /** The client went away. Idempotent. */
  closeAll(): void {
    for (const id of this.mine) this.inspector.close(id);
    this.mine.clear();
  }

  private own(viewId: string): void {
    if (!this.mine.has(viewId)) throw new HubError('not-found', 'no such inspector view (it was closed)');
  }
}
