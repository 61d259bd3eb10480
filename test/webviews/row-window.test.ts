// Which rows the ring panel draws (webviews/rings/row-window.ts): the rows in view plus a few beyond, kept while
// they still cover the view, and never past the ring's ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OVERSCAN_ROWS, ROW_HEIGHT_PX, centreOn, rowsToDraw } from '../../webviews/rings/row-window';

const H = ROW_HEIGHT_PX;

test('the rows in view and OVERSCAN_ROWS beyond each edge, clamped to the ring', () => {
  assert.deepEqual(rowsToDraw(32768, 0, 40 * H), { first: 0, last: 40 + OVERSCAN_ROWS });
  assert.deepEqual(rowsToDraw(32768, 1000 * H + 5, 40 * H), { first: 1000 - OVERSCAN_ROWS, last: 1041 + OVERSCAN_ROWS });
  assert.deepEqual(rowsToDraw(32768, 32768 * H, 40 * H), { first: 32768 - OVERSCAN_ROWS, last: 32768 });
  assert.deepEqual(rowsToDraw(16, 0, 40 * H), { first: 0, last: 16 });
  assert.deepEqual(rowsToDraw(0, 0, 40 * H), { first: 0, last: 0 });
  assert.deepEqual(rowsToDraw(16, -50, -1), { first: 0, last: OVERSCAN_ROWS });
});

test('rows that still cover the view are kept (the same object: nothing to draw)', () => {
  const first = rowsToDraw(32768, 0, 900);
  assert.equal(rowsToDraw(32768, 0, 780, first), first, 'a viewport smaller than assumed before the first layout');
  assert.equal(rowsToDraw(32768, (OVERSCAN_ROWS - 1) * H, 780, first), first, 'a scroll within the rows beyond the view');
  const moved = rowsToDraw(32768, 100 * H, 780, first);
  assert.notEqual(moved, first);
  assert.deepEqual(moved, { first: 100 - OVERSCAN_ROWS, last: 100 + Math.ceil(780 / H) + OVERSCAN_ROWS });
  assert.notEqual(rowsToDraw(8, 0, 780, first), first, 'a smaller ring (another queue) drops rows past its end');
  assert.deepEqual(rowsToDraw(8, 0, 780, first), { first: 0, last: 8 });
});

test('a revealed row is centred', () => {
  assert.equal(centreOn(30000, 780), 30000 * H - (780 - H) / 2);
  assert.equal(centreOn(3, 780), 0, 'not above the first row');
});
