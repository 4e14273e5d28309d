/**
 * Paints the ladder's rows (dom-ladder-surface.ts writes them straight into the table body)
 * in the animation frame the book was committed in: React would render them a task later,
 * after the browser painted. Pushed data reaches the store at most once per frame (the frame drain
 * commits it), so the body is painted at most once per frame however many books arrived.
 */
import type { OrderBook, Order } from '../../../common/domain.js';
import type { AppState } from '../../store/app-state.js';
import type { AppStore } from '../../store/app-store.js';
import { ladderRows, type LadderView } from './ladder-rows.js';

/** What the ladder is drawn on: the DOM in the app, a recorder in tests. */
export interface LadderSurface {
  draw(view: LadderView, book: OrderBook): void;
}

export class LadderPainter {
  /** Paints done (one per changed book or order list), for tests and the bench. */
  paints = 0;
  private book: OrderBook | undefined;
  private orders: Readonly<Record<string, Order>> = {};

  constructor(
    private readonly surface: LadderSurface,
    private readonly onPainted?: (book: OrderBook) => void,
  ) {}

  /** A new book, or new orders; paints now when there is a book. */
  update(book: OrderBook | undefined, orders: Readonly<Record<string, Order>>): void {
    if (book === this.book && orders === this.orders) return;
    this.book = book;
    this.orders = orders;
    if (!book) return;
    this.paints += 1;
    this.surface.draw(ladderRows(book, Object.values(orders)), book);
    this.onPainted?.(book);
  }
}

/** Paints the book of `bookKey` and our orders on it whenever either changes in the store. */
export function paintFromStore(store: AppStore, bookKey: string, painter: LadderPainter): () => void {
  const read = (s: AppState) => painter.update(s.books[bookKey], s.orders);
  read(store.getState());
  return store.subscribe(read);
}
