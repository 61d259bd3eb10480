/** EditDocument behaves exactly like vscode-languageserver-textdocument's TextDocument under random edits. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { EditDocument } from '../../language/edit-document';

const chars = fc.constantFrom('a', 'b', ' ', '\n', '\r', '\r\n', 'xyz', '\n\n');
const text = fc.array(chars, { maxLength: 30 }).map((a) => a.join(''));

test('random incremental edits: same text, offsets, positions and line count as the library', () => {
  fc.assert(
    fc.property(
      text,
      fc.array(fc.record({ a: fc.nat(), b: fc.nat(), t: text, full: fc.integer({ min: 0, max: 19 }).map((x) => x === 0) }), { maxLength: 25 }),
      (initial, edits) => {
        const ref = TextDocument.create('file:///r.c', 'c', 1, initial);
        const doc = new EditDocument('file:///r.c', 'c', 1, initial);
        let v = 1;
        for (const e of edits) {
          const len = ref.getText().length;
          const start = ref.positionAt(e.a % (len + 1));
          const end = ref.positionAt(e.b % (len + 1));
          const change = e.full ? { text: e.t } : { range: { start, end }, text: e.t };
          TextDocument.update(ref, [change], ++v);
          doc.update([change], v);
          assert.equal(doc.version, ref.version);
          assert.equal(doc.lineCount, ref.lineCount);
          const full = ref.getText();
          for (let o = 0; o <= full.length + 1; o++) assert.deepEqual(doc.positionAt(o), ref.positionAt(o), `positionAt ${o}`);
          for (let l = -1; l <= ref.lineCount; l++) {
            for (let c = -1; c < 6; c++) assert.equal(doc.offsetAt({ line: l, character: c }), ref.offsetAt({ line: l, character: c }));
            assert.deepEqual(doc.getLineRange(l), ref.getLineRange(l));
            assert.equal(doc.getEOLCharacters(l), ref.getEOLCharacters(l));
          }
          for (const r of [
            { start: ref.positionAt(e.b % (full.length + 1)), end: ref.positionAt(full.length) },
            { start: ref.positionAt(Math.min(e.a, e.b) % (full.length + 1)), end: ref.positionAt(Math.min(e.a, e.b) % (full.length + 1) + e.t.length) },
          ]) {
            assert.equal(doc.getText(r), ref.getText(r));
          }
        }
        assert.equal(doc.getText(), ref.getText());
      },
    ),
    { numRuns: 400 },
  );
});
