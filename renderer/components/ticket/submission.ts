/**
 * One ticket submission from the trader's press to the venue's answer. The client order id
 * is made when the trader submits, once; a retry of that submission (after a lost answer or
 * a venue that was not reachable) sends the very same request, so the venue can tell it is
 * the same order. Editing the ticket starts a new submission next time.
 */
import type { Result } from '../../../electron/contract.js';
import type { Order } from '../../../common/domain.js';
import { newClientOrderId } from '../../client-order-id.js';
import { isVenueRejection, type PlaceRequest } from '../../store/orders.js';

export type OrderDraft = Omit<PlaceRequest, 'clientOrderId'>;

export type SubmissionView =
  | { state: 'idle' }
  | { state: 'confirming'; request: PlaceRequest }
  | { state: 'sending'; request: PlaceRequest }
  | { state: 'accepted'; request: PlaceRequest; order: Order }
  | { state: 'rejected'; request: PlaceRequest; message: string }
  /** The venue may or may not have the order (`unknown`), or surely has not; either way a retry is safe. */
  | { state: 'failed'; request: PlaceRequest; message: string; unknown: boolean };

export class TicketSubmission {
  private current: SubmissionView = { state: 'idle' };

  constructor(
    private readonly place: (request: PlaceRequest) => Promise<Result<Order>>,
    private readonly onChange: (view: SubmissionView) => void,
    private readonly makeId: () => string = newClientOrderId,
  ) {}

  view(): SubmissionView {
    return this.current;
  }

  /** A new submission: a fresh client order id. Ignored while one is on its way. */
  submit(draft: OrderDraft, confirmFirst: boolean): void {
    if (this.current.state === 'sending' || this.current.state === 'confirming') return;
    const request: PlaceRequest = { ...draft, clientOrderId: this.makeId() };
    if (confirmFirst) this.set({ state: 'confirming', request });
    else void this.send(request);
  }

  confirm(): void {
    if (this.current.state === 'confirming') void this.send(this.current.request);
  }

  /** Back from the confirmation: nothing was sent, the id is dropped. */
  back(): void {
    if (this.current.state === 'confirming') this.set({ state: 'idle' });
  }

  /** Sends the failed submission again, same id. */
  retry(): void {
    if (this.current.state === 'failed') void this.send(this.current.request);
  }

  /** The ticket changed: what was shown about the last submission no longer applies. */
  reset(): void {
    if (this.current.state !== 'sending' && this.current.state !== 'idle') this.set({ state: 'idle' });
  }

  private async send(request: PlaceRequest): Promise<void> {
    this.set({ state: 'sending', request });
    const result = await this.place(request);
    if (result.ok && result.value.status === 'unknown') {
      // The venue's answer was lost: the same request again is the safe way to learn what it holds.
      this.set({ state: 'failed', request, unknown: true, message: 'no answer from the venue' });
      return;
    }
    if (result.ok) {
      this.set({ state: 'accepted', request, order: result.value });
      return;
    }
    const code = result.venue?.code ?? result.code;
    const said = result.message === code || result.message.startsWith(`${code}:`) ? result.message : `${code}: ${result.message}`;
    if (isVenueRejection(result)) {
      this.set({ state: 'rejected', request, message: said });
    } else if (result.code === 'bad-request' || (result.code === 'auth' && result.venue === undefined)) {
      // Our request was malformed, or this console may not trade (a gateway's NATS permissions):
      // sending it again cannot help.
      this.set({ state: 'rejected', request, message: `Not sent: ${result.message}` });
    } else {
      const unknown = result.code === 'unknown-outcome';
      this.set({ state: 'failed', request, unknown, message: said });
    }
  }

  private set(view: SubmissionView): void {
    this.current = view;
    this.onChange(view);
  }
}
