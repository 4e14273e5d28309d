/**
 * Faults a test can switch on. The REST and WS layers consult this state; the socket
 * actions (drop, malformed) are wired in by the WS server.
 */
/** Order commands whose reply can be lost after they executed. */
export type LostReplyKind = 'rest-addorder' | 'ws-add_order' | 'rest-cancelorder' | 'ws-cancel_order' | 'ws-amend_order';

export interface KrakenFaults {
  /** Terminates every WebSocket connection at once (no close frame). */
  dropSockets(): void;
  /** While on, nothing at all is sent on any WebSocket, and nothing is closed. */
  stall(on: boolean): void;
  /** The next book message (for this v2 symbol, or any) carries a wrong checksum. */
  corruptNextBookChecksum(symbol?: string): void;
  /** Sends one non-JSON frame and one JSON frame of unknown shape on every socket. */
  sendMalformed(): void;
  /** The next `n` private REST calls answer EService:Unavailable and do nothing. */
  restUnavailable(n: number): void;
  /** The next order of this kind is executed but its reply never comes (HTTP: the connection drops). */
  loseNextReply(kind: LostReplyKind): void;
  /** Every WebSocket token issued so far goes stale (private requests then get EAPI:Invalid token). */
  revokeTokens(): void;
  /**
   * Share (0..1) of executed order commands (AddOrder, add_order, CancelOrder, cancel_order)
   * whose reply is lost, drawn from the sim's seeded generator: what a crash test runs under.
   */
  loseReplyRate: number;
}

/** The switch state behind KrakenFaults. */
export class FaultState {
  stalled = false;
  loseReplyRate = 0;
  restUnavailable = 0;
  readonly corruptBook = new Set<string>();
  readonly loseReply = new Set<LostReplyKind>();

  /** Takes the corrupt-checksum switch for `symbol` if set. */
  takeCorrupt(symbol: string): boolean {
    if (this.corruptBook.delete(symbol)) return true;
    return this.corruptBook.delete('*');
  }

  constructor(private readonly rand: () => number = Math.random) {}

  /** Whether this executed command loses its reply: a switched-on single loss, or the rate's draw. */
  takeLostReply(kind: LostReplyKind): boolean {
    if (this.loseReply.delete(kind)) return true;
    return this.loseReplyRate > 0 && this.rand() < this.loseReplyRate;
  }

  takeUnavailable(): boolean {
    if (this.restUnavailable <= 0) return false;
    this.restUnavailable--;
    return true;
  }
}
