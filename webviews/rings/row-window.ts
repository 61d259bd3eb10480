/**
 * Which rows of a ring table to draw: every row is ROW_HEIGHT_PX tall, so the rows that show follow from the
 * scroll offset and the viewport's height alone (no row is measured). lit-virtualizer did this before: on a
 * fresh panel it read its ancestors' computed styles and its bounds (a forced style and layout of the whole
 * page before any row existed), then measured every row it drew (bounds and computed margins), ~30 ms of the
 * first paint of a 32768-entry queue (figure 7 of issue 13). Pure: no DOM.
 */

/** --row-h in webviews/shared/styles.ts. */
export const ROW_HEIGHT_PX = 22;
/** Rows drawn beyond each edge of the viewport (scrolling with the wheel shows no gap before the next draw). */
export const OVERSCAN_ROWS = 2;

/** Rows first (inclusive) to last (exclusive). */
export interface RowRange {
  first: number;
  last: number;
}

/**
 * The rows to draw for `count` rows scrolled by `scrollTop` px in a viewport `viewport` px tall. `drawn`, the
 * rows drawn now, is kept while it still covers every row in view (a viewport found smaller than first
 * assumed, or a scroll within the overscan, redraws nothing); otherwise the rows in view plus OVERSCAN_ROWS on
 * each side.
 */
export function rowsToDraw(count: number, scrollTop: number, viewport: number, drawn?: RowRange): RowRange {
  const n = Math.max(0, Math.floor(count));
  const top = Math.min(Math.max(0, scrollTop), n * ROW_HEIGHT_PX);
  const firstShown = Math.min(n, Math.floor(top / ROW_HEIGHT_PX));
  const lastShown = Math.min(n, Math.ceil((top + Math.max(0, viewport)) / ROW_HEIGHT_PX));
  if (drawn && drawn.first <= firstShown && drawn.last >= lastShown && drawn.last <= n && drawn.first <= drawn.last) return drawn;
  return { first: Math.max(0, firstShown - OVERSCAN_ROWS), last: Math.min(n, lastShown + OVERSCAN_ROWS) };
}

/** The scroll offset that shows row `index` in the middle of a viewport `viewport` px tall. */
export function centreOn(index: number, viewport: number): number {
  return Math.max(0, index * ROW_HEIGHT_PX - Math.max(0, viewport - ROW_HEIGHT_PX) / 2);
}
