import { describe, expect, it } from 'vitest';
import type { Result } from '../../electron/contract.js';
import type { Order } from '../../common/domain.js';
import { TicketSubmission, type OrderDraft, type SubmissionView } from '../../renderer/components/ticket/submission.js';
import type { PlaceRequest } from '../../renderer/store/orders.js';
import { deferred, settle } from './fixtures.js';

const draft: OrderDraft = {
  venue: 'kraken',
  accountId: 'spot',
  instrumentId: 'XXBTZUSD',
  side: 'buy',
  type: 'limit',
  quantity: '0.01',
  price: '50000.0',
};

function order(req: PlaceRequest): Order {
  return { ...req, price: req.price ?? '0', status: 'open', filledQuantity: '0', fills: [], createdAt: 1, updatedAt: 1 };
}

function setup(answers: Result<Order>[]) {
  const sent: PlaceRequest[] = [];
  const views: SubmissionView[] = [];
  let n = 0;
  const submission = new TicketSubmission(
    async (req) => {
      sent.push(req);
      return answers.shift() ?? { ok: true, value: order(req) };
    },
    (v) => views.push(v),
    () => `id-${++n}`,
  );
  return { submission, sent, views };
}

describe('a ticket submission', () => {
  it('shows a refusal of this console (a read-only console on a gateway) as final, with nothing to retry', async () => {
    const message = 'Refused by the desk\'s NATS server: this console (NATS user "viewer") may not send orders. It is a read-only console.';
    const { submission, sent } = setup([{ ok: false, code: 'auth', message }]);
    submission.submit(draft, false);
    await settle();
    expect(submission.view()).toMatchObject({ state: 'rejected', message: `Not sent: ${message}` });
    submission.retry();
    await settle();
    expect(sent).toHaveLength(1);
  });

  it('keeps a venue\'s own auth failure retryable (the credentials may be fixed)', async () => {
    const { submission } = setup([{ ok: false, code: 'auth', message: 'invalid key', venue: { code: 'EAPI:Invalid key' } }]);
    submission.submit(draft, false);
    await settle();
    expect(submission.view()).toMatchObject({ state: 'failed' });
  });

  it('makes its client order id once and sends the same request again on a retry after a lost answer', async () => {
    const { submission, sent } = setup([{ ok: false, code: 'unknown-outcome', message: 'no answer in 30000 ms' }]);
    submission.submit(draft, false);
    await settle();
    expect(submission.view()).toMatchObject({ state: 'failed', unknown: true });
    submission.retry();
    await settle();
    expect(sent.map((r) => r.clientOrderId)).toEqual(['id-1', 'id-1']);
    expect(submission.view().state).toBe('accepted');
    // The next submission is a new order.
    submission.submit(draft, false);
    await settle();
    expect(sent.map((r) => r.clientOrderId)).toEqual(['id-1', 'id-1', 'id-2']);
  });

  it('treats an acknowledgement in `unknown` as a lost answer the trader may retry, same id', async () => {
    const sent: PlaceRequest[] = [];
    const submission = new TicketSubmission(
      async (req) => {
        sent.push(req);
        return { ok: true, value: { ...order(req), status: sent.length === 1 ? 'unknown' : 'open' } };
      },
      () => undefined,
      () => 'only-id',
    );
    submission.submit(draft, false);
    await settle();
    expect(submission.view()).toMatchObject({ state: 'failed', unknown: true });
    submission.retry();
    await settle();
    expect(submission.view().state).toBe('accepted');
    expect(sent.map((r) => r.clientOrderId)).toEqual(['only-id', 'only-id']);
  });

  it('asks to confirm first unless one-click is on; going back sends nothing', async () => {
    const { submission, sent } = setup([]);
    submission.submit(draft, true);
    expect(submission.view().state).toBe('confirming');
    submission.back();
    expect(sent).toEqual([]);
    submission.submit(draft, true);
    submission.confirm();
    await settle();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.clientOrderId).toBe('id-2');
  });

  it('ignores another submit while one is on its way (no double orders from a double press)', async () => {
    const answer = deferred<Result<Order>>();
    const sent: PlaceRequest[] = [];
    const submission = new TicketSubmission(
      (req) => {
        sent.push(req);
        return answer.promise;
      },
      () => undefined,
    );
    submission.submit(draft, false);
    submission.submit(draft, false);
    expect(sent).toHaveLength(1);
    answer.resolve({ ok: true, value: order(sent[0]!) });
    await settle();
    expect(submission.view().state).toBe('accepted');
  });

  it('shows a venue rejection with the venue\'s code, and offers no retry for it', async () => {
    const { submission } = setup([
      { ok: false, code: 'rejected', message: 'not enough balance', venue: { code: '30034', trackingId: 'abc' } },
    ]);
    submission.submit(draft, false);
    await settle();
    expect(submission.view()).toMatchObject({ state: 'rejected', message: '30034: not enough balance' });
    submission.retry();
    expect(submission.view().state).toBe('rejected');
  });
});
