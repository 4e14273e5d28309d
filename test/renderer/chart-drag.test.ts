import { describe, expect, it } from 'vitest';
import type { Dec } from '../../common/domain.js';
import { LineDrag, snapToStep, type AmendOutcome, type DragTarget } from '../../renderer/components/chart-drag.js';
import { chartLines } from '../../renderer/components/price-lines.js';
import { anOrder, deferred, settle } from './fixtures.js';

describe('snapping a dragged line to the tick', () => {
  it('rounds to the nearest multiple of the step, with the step’s decimals', () => {
    expect(snapToStep(61234.46, '0.1')).toBe('61234.5');
    expect(snapToStep(61234.44, '0.1')).toBe('61234.4');
    expect(snapToStep(306.456, '0.01')).toBe('306.46');
    expect(snapToStep(306.0, '0.01')).toBe('306.00');
    expect(snapToStep(1234.7, '0.5')).toBe('1234.5');
    expect(snapToStep(1235, '5')).toBe('1235');
    expect(snapToStep(97.3, '0.005')).toBe('97.300');
  });

  it('never snaps below one step (a line dragged off the bottom)', () => {
    expect(snapToStep(-12, '0.01')).toBe('0.01');
    expect(snapToStep(0.001, '0.1')).toBe('0.1');
  });
});

function machine(o: { confirm?: boolean } = {}) {
  const sent: { target: DragTarget; to: Dec; amendId: string; answer: ReturnType<typeof deferred<AmendOutcome>> }[] = [];
  const refused: string[] = [];
  let ids = 0;
  let changes = 0;
  const drag = new LineDrag(() => '0.1', {
    send: (target, to, amendId) => {
      const answer = deferred<AmendOutcome>();
      sent.push({ target, to, amendId, answer });
      return answer.promise;
    },
    confirmFirst: () => o.confirm ?? false,
    makeId: () => `amend-${++ids}`,
    onChange: () => void (changes += 1),
    onRefused: (_t, to, reason) => void refused.push(`${to}: ${reason}`),
  });
  return { drag, sent, refused, changes: () => changes };
}

describe('dragging an order line', () => {
  const order = anOrder({ price: '50000.0' });

  it('follows the pointer on the tick and sends one amend with one id made for the gesture', async () => {
    const { drag, sent } = machine();
    expect(drag.start(order, 'price')).toBe(true);
    const { amendId } = drag.phase() as { amendId: string };
    drag.move(50012.26);
    expect(drag.display(order, 'price')).toEqual({ price: '50012.3', state: 'dragging' });
    drag.move(50020.04);
    drag.release();
    expect(sent.map((s) => [s.to, s.amendId, s.target.field, s.target.from])).toEqual([['50020.0', amendId, 'price', '50000.0']]);
    // Sent: the line stays at the new price, marked pending, until the venue answers.
    expect(drag.display(order, 'price')).toEqual({ price: '50020.0', state: 'pending' });
    expect(drag.start(order, 'price')).toBe(false);
    sent[0]!.answer.resolve({ ok: true });
    await settle();
    // Confirmed, but the pushed order still says 50000.0: the line does not jump back.
    expect(drag.display(order, 'price')).toEqual({ price: '50020.0', state: 'pending' });
    const moved = { ...order, price: '50020.0', updatedAt: 2000 };
    expect(drag.display(moved, 'price')).toEqual({ price: '50020.0', state: 'resting' });
    expect(drag.isPending(moved, 'price')).toBe(false);
  });

  it('snaps back with the venue’s reason when the amend is refused', async () => {
    const { drag, sent, refused } = machine();
    drag.start(order, 'price');
    drag.move(49000);
    drag.release();
    sent[0]!.answer.resolve({ ok: false, reason: 'EOrder:Invalid price' });
    await settle();
    expect(refused).toEqual(['49000.0: EOrder:Invalid price']);
    expect(drag.display(order, 'price')).toEqual({ price: '50000.0', state: 'resting' });
    expect(drag.start(order, 'price')).toBe(true);
  });

  it('Escape while dragging drops the gesture and sends nothing', () => {
    const { drag, sent } = machine();
    drag.start(order, 'price');
    drag.move(51000);
    drag.cancel();
    drag.release();
    expect(sent).toEqual([]);
    expect(drag.phase()).toEqual({ phase: 'idle' });
    expect(drag.display(order, 'price')).toEqual({ price: '50000.0', state: 'resting' });
  });

  it('with confirm on, shows old → new first; Escape there sends nothing, confirm sends the same amend id', () => {
    const { drag, sent } = machine({ confirm: true });
    drag.start(order, 'price');
    drag.move(50100);
    drag.release();
    expect(drag.phase()).toMatchObject({ phase: 'confirming', to: '50100.0', target: { from: '50000.0' } });
    expect(drag.display(order, 'price')).toEqual({ price: '50100.0', state: 'confirming' });
    drag.cancel();
    expect(sent).toEqual([]);
    expect(drag.display(order, 'price').price).toBe('50000.0');

    drag.start(order, 'price');
    const { amendId } = drag.phase() as { amendId: string };
    drag.move(50200);
    drag.release();
    drag.confirm();
    drag.confirm(); // a second press changes nothing
    expect(sent.map((s) => [s.to, s.amendId])).toEqual([['50200.0', amendId]]);
  });

  it('a release where the line started sends nothing; each new gesture gets a fresh amend id', () => {
    const { drag, sent } = machine();
    drag.start(order, 'price');
    const first = (drag.phase() as { amendId: string }).amendId;
    drag.move(50000.04);
    drag.release();
    expect(sent).toEqual([]);
    drag.start(order, 'price');
    expect((drag.phase() as { amendId: string }).amendId).not.toBe(first);
  });

  it('moves a stop’s trigger line apart from its limit line', () => {
    const { drag, sent } = machine();
    const stop = anOrder({ type: 'stop-loss-limit', side: 'sell', price: '59000.0', triggerPrice: '60000.0' });
    expect(chartLines([stop], drag).map((l) => [l.field, l.price, l.draggable])).toEqual([
      ['triggerPrice', '60000.0', true],
      ['price', '59000.0', true],
    ]);
    drag.start(stop, 'triggerPrice');
    drag.move(60500);
    drag.release();
    expect(sent.map((s) => [s.target.field, s.to])).toEqual([['triggerPrice', '60500.0']]);
    expect(chartLines([stop], drag).map((l) => [l.field, l.price, l.state])).toEqual([
      ['triggerPrice', '60500.0', 'pending'],
      ['price', '59000.0', 'resting'],
    ]);
  });

  it('offers no gesture on an order of unknown outcome or a trailing stop’s trigger', () => {
    const lines = chartLines([
      anOrder({ clientOrderId: 'u', status: 'unknown' }),
      anOrder({ clientOrderId: 't', type: 'trailing-stop', price: undefined, triggerPrice: '58000.0', trailingOffset: { value: '2', unit: 'percent' } }),
      anOrder({ clientOrderId: 'f', type: 'stop-loss', price: undefined, triggerPrice: '58000.0', triggeredAt: 5000 }),
    ]);
    expect(lines.map((l) => [l.order.clientOrderId, l.field, l.draggable])).toEqual([
      ['u', 'price', false],
      ['t', 'triggerPrice', false],
    ]);
  });
});
