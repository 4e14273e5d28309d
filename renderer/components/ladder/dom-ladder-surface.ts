/**
 * The ladder's DOM: one row per level, a spread row between asks and bids. Rows are reused and
 * a cell's text is set only when it changed, so a busy book costs a few text writes per frame.
 */
import { grouped } from '../../../common/decimal.js';
import type { LadderSurface } from './ladder-painter.js';
import type { LadderLevel, LadderView } from './ladder-rows.js';

function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

function setAttr(el: HTMLElement, name: string, value: string): void {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

interface RowCells {
  row: HTMLTableRowElement;
  ownBuy: HTMLTableCellElement;
  bid: HTMLButtonElement;
  price: HTMLTableCellElement;
  ask: HTMLButtonElement;
  ownSell: HTMLTableCellElement;
}

/** Each size cell holds a button "Buy at P" / "Sell at P"; the click is handled by delegation on the body. */
export class DomLadderSurface implements LadderSurface {
  private readonly rows: RowCells[] = [];
  private readonly spreadRow: HTMLTableRowElement;
  private readonly spreadCell: HTMLTableCellElement;

  constructor(private readonly body: HTMLTableSectionElement) {
    const doc = body.ownerDocument;
    this.spreadRow = doc.createElement('tr');
    this.spreadRow.className = 'ladder-spread';
    this.spreadCell = doc.createElement('td');
    this.spreadCell.colSpan = 5;
    this.spreadRow.append(this.spreadCell);
  }

  draw(view: LadderView): void {
    const levels: LadderLevel[] = [...view.asks, ...view.bids];
    while (this.rows.length < levels.length) this.rows.push(this.makeRow());
    const want: HTMLTableRowElement[] = [];
    levels.forEach((level, i) => {
      const cells = this.rows[i]!;
      this.fill(cells, level);
      if (i === view.asks.length) want.push(this.spreadRow);
      want.push(cells.row);
    });
    if (view.bids.length === 0) want.push(this.spreadRow);
    setText(this.spreadCell, view.spread !== undefined ? `Spread ${grouped(view.spread)}` : 'No spread: one side is empty');
    // Rows move only when the level count changes.
    const children = this.body.children;
    let same = children.length === want.length;
    for (let i = 0; same && i < want.length; i += 1) same = children[i] === want[i];
    if (!same) {
      this.body.replaceChildren(...want);
      this.centre();
    }
  }

  /** Brings the spread to the middle of the scroll box once the rows take their places (a layout read, only then). */
  private centre(): void {
    const box = this.body.closest('table');
    if (!box || box.scrollHeight <= box.clientHeight) return;
    box.scrollTop = this.spreadRow.offsetTop - (box.clientHeight - this.spreadRow.offsetHeight) / 2;
  }

  private makeRow(): RowCells {
    const doc = this.body.ownerDocument;
    const row = doc.createElement('tr');
    const td = () => doc.createElement('td');
    const ownBuy = td();
    ownBuy.className = 'ladder-own buy';
    const bidCell = td();
    const bid = doc.createElement('button');
    bid.type = 'button';
    bid.dataset.side = 'buy';
    bidCell.append(bid);
    const price = td();
    price.className = 'ladder-price';
    const askCell = td();
    const ask = doc.createElement('button');
    ask.type = 'button';
    ask.dataset.side = 'sell';
    askCell.append(ask);
    const ownSell = td();
    ownSell.className = 'ladder-own sell';
    bidCell.className = 'ladder-bid';
    askCell.className = 'ladder-ask';
    row.append(ownBuy, bidCell, price, askCell, ownSell);
    return { row, ownBuy, bid, price, ask, ownSell };
  }

  private fill(c: RowCells, level: LadderLevel): void {
    setAttr(c.row, 'class', `ladder-row ${level.kind}`);
    setText(c.price, level.price);
    setText(c.bid, level.kind === 'bid' ? level.size : '');
    setText(c.ask, level.kind === 'ask' ? level.size : '');
    // Only the level's own side is a control: no empty buttons for assistive tech.
    if (c.bid.hidden !== (level.kind !== 'bid')) c.bid.hidden = level.kind !== 'bid';
    if (c.ask.hidden !== (level.kind !== 'ask')) c.ask.hidden = level.kind !== 'ask';
    c.bid.dataset.price = level.price;
    c.ask.dataset.price = level.price;
    setAttr(c.bid, 'aria-label', `Buy at ${level.price}`);
    setAttr(c.ask, 'aria-label', `Sell at ${level.price}`);
    setText(c.ownBuy, level.ownBuy ? `+${level.ownBuy}` : '');
    setText(c.ownSell, level.ownSell ? `−${level.ownSell}` : '');
  }
}
