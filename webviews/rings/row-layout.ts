/**
 * The ring tables' virtualizer layout: lit-virtualizer's flow layout told the row height up front and drawing
 * fewer rows beyond the viewport. The stock layout first guesses 100 px per row (one pass of rows, a measure, a
 * second pass) and keeps 1000 px of rows above and below the viewport: about twice the rows a 900 px panel
 * shows, each ~20 elements to style, lay out and paint on every stop (figure 7 of issue 13).
 */
import { FlowLayout } from '@lit-labs/virtualizer/layouts/flow.js';

/** --row-h in webviews/shared/styles.ts: the first estimate only, rows are still measured. */
export const ROW_HEIGHT_PX = 22;
/** Rows drawn beyond each edge of the viewport, in px (a few rows for scrolling with the wheel). */
export const OVERHANG_PX = 160;

export class RingRowLayout extends FlowLayout {
  constructor(...args: ConstructorParameters<typeof FlowLayout>) {
    super(...args);
    this._itemSize = { width: 100, height: ROW_HEIGHT_PX };
    this._overhang = OVERHANG_PX;
  }
}

/** The value for lit-virtualizer's `layout` property. */
export const ringRowLayout = { type: RingRowLayout };
