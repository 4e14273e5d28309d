/**
 * Faults a test can switch on. The REST and WS layers consult this state; the socket
 * actions (drop, malformed) are wired in by the WS server.
 */
export type LostReplyKind = 'rest-addorder' | 'ws-add_order';

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
}

/** The switch state behind KrakenFaults. */
export class FaultState {
  stalled = false;
  restUnavailable = 0;
  readonly corruptBook = new Set<string>();
  readonly loseReply = new Set<LostReplyKind>();

  /** Takes the corrupt-checksum switch for `symbol` if set. */
  takeCorrupt(symbol: string): boolean {
    if (this.corruptBook.delete(symbol)) return true;
    return this.corruptBook.delete('*');
  }

  takeLostReply(kind: LostReplyKind): boolean {
    return this.loseReply.delete(kind);
  }

  takeUnavailable(): boolean {
    if (this.restUnavailable <= 0) return false;
    this.restUnavailable--;
    return true;
  }
}
