/**
 * The renderer's book, tape and quote subscriptions, counted per key: the first view of a key
 * subscribes, the last one to let go unsubscribes. An answer that arrives after its key was
 * let go (or after a new far-side session made it stale) is unsubscribed at once, so nothing
 * leaks on the main side. After a new session every held key subscribes again.
 */
import type { BridgeApi, SubscriptionError } from '../../electron/contract.js';
import type { ErrorKind, MarketKey } from '../../common/domain.js';
import { ERROR_KINDS, marketKeyId } from '../../common/domain.js';

export interface MarketSubscriptionEvents {
  /** The bridge refused the subscription (or could not be reached). */
  failed(key: MarketKey, error: SubscriptionError): void;
  /** The last holder let go of the key. */
  released(key: MarketKey): void;
}

interface Held {
  key: MarketKey;
  count: number;
  /** Bumped by each subscribe; an answer for an older one is stale. */
  attempt: number;
  subscriptionId?: string;
}

function kindOf(code: string): ErrorKind {
  return (ERROR_KINDS as readonly string[]).includes(code) ? (code as ErrorKind) : 'unavailable';
}

export class MarketSubscriptions {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly bridge: Pick<BridgeApi, 'invoke'>,
    private readonly events: MarketSubscriptionEvents,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keys held now, with how many views hold each (for tests and diagnostics). */
  counts(): ReadonlyMap<string, number> {
    return new Map([...this.held].map(([id, h]) => [id, h.count]));
  }

  retain(key: MarketKey): () => void {
    const id = marketKeyId(key);
    let h = this.held.get(id);
    if (h) h.count += 1;
    else {
      h = { key, count: 1, attempt: 0 };
      this.held.set(id, h);
      this.subscribe(h);
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.release(id);
    };
  }

  /** The far side's session is new: its old subscription ids mean nothing there now. */
  resubscribe(): void {
    for (const h of this.held.values()) {
      delete h.subscriptionId;
      this.subscribe(h);
    }
  }

  private release(id: string): void {
    const h = this.held.get(id);
    if (!h || --h.count > 0) return;
    this.held.delete(id);
    h.attempt += 1;
    if (h.subscriptionId) void this.bridge.invoke('market.unsubscribe', { subscriptionId: h.subscriptionId });
    this.events.released(h.key);
  }

  private subscribe(h: Held): void {
    const attempt = (h.attempt += 1);
    const { venue, instrumentId, stream, depth } = h.key;
    const request = depth !== undefined && stream === 'book' ? { venue, instrumentId, stream, depth } : { venue, instrumentId, stream };
    void this.bridge.invoke('market.subscribe', request).then(
      (r) => {
        const current = this.held.get(marketKeyId(h.key)) === h && h.attempt === attempt;
        if (!r.ok) {
          if (current) this.events.failed(h.key, { kind: kindOf(r.code), code: r.venue?.code ?? r.code, message: r.message, at: this.now() });
          return;
        }
        if (current) h.subscriptionId = r.value.subscriptionId;
        else void this.bridge.invoke('market.unsubscribe', { subscriptionId: r.value.subscriptionId });
      },
      (err: unknown) => {
        if (this.held.get(marketKeyId(h.key)) === h && h.attempt === attempt) {
          this.events.failed(h.key, { kind: 'internal', code: 'internal', message: String(err), at: this.now() });
        }
      },
    );
  }
}
