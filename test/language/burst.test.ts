/**
 * A burst of edits on a big document (issue 12): the server analyses the whole document once the edits
 * pause (not once per edit), answers a hover promptly from the text around the cursor, and publishes
 * diagnostics for the latest version only. Runs the real server over stdio; no tight timing assertions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DidChangeTextDocumentNotification } from 'vscode-languageserver-protocol';
import { FIXTURES, LspClient, positionOf } from './lsp-client';

const EDITS = 200;

test('200 edits to a 2 MB document: a prompt hover, far fewer than 200 whole-document analyses, diagnostics of the last version', async () => {
  const unit = readFileSync(join(FIXTURES, 'tiny_net.c'), 'utf8');
  const text = unit.repeat(Math.ceil((2 << 20) / unit.length));
  assert.ok(text.length >= 2 << 20);
  const { client } = await LspClient.start('server', { trace: 'verbose' });
  try {
    const uri = 'file:///burst/big_net.c';
    await client.open(uri, 'c', text);
    const analysesAfterOpen = client.traces.filter((t) => t.startsWith('analysed ')).length;
    assert.equal(analysesAfterOpen, 1, client.traces.join('\n'));

    // Type 200 characters at the end of the document, one notification each, without waiting.
    const last = client.nextDiagnostics(uri);
    let typed = '';
    const end = positionOf(text, text.length);
    for (let v = 2; v <= EDITS + 1; v++) {
      const at = { line: end.line, character: end.character + typed.length };
      void client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version: v },
        contentChanges: [{ range: { start: at, end: at }, text: 'x' }],
      });
      typed += 'x';
    }
    const doc = text + typed;
    // A hover right after the burst, on a constant near the start of the document.
    const needle = 'vdev, VIRTIO_NET_F_MRG_RXBUF';
    const started = Date.now();
    const hover = await client.hoverText(uri, positionOf(doc, doc.indexOf(needle) + 9));
    const hoverMs = Date.now() - started;
    assert.match(hover, /VIRTIO_NET_F_MRG_RXBUF/);
    assert.ok(hoverMs < 10_000, `hover answered in ${hoverMs} ms (generous bound: 10 s)`);

    await last;
    // Wait until the pause has been analysed, then count.
    const deadline = Date.now() + 30_000;
    while (!client.traces.some((t) => t.includes(`version ${EDITS + 1} `))) {
      assert.ok(Date.now() < deadline, `no analysis of version ${EDITS + 1}: ${client.traces.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const analyses = client.traces.filter((t) => t.startsWith('analysed ')).length - analysesAfterOpen;
    assert.ok(analyses >= 1 && analyses <= 20, `${analyses} whole-document analyses for ${EDITS} edits`);
    const versions = client.traces.filter((t) => t.startsWith('analysed ')).map((t) => Number(/version (\d+)/.exec(t)![1]));
    assert.equal(versions[versions.length - 1], EDITS + 1, 'the latest version is analysed last');
    // The hover after the pause uses the whole-document analysis and agrees with the partial one.
    assert.equal(await client.hoverText(uri, positionOf(doc, doc.indexOf(needle) + 9)), hover);
  } finally {
    const code = await client.stop().catch(() => client.kill());
    assert.notEqual(code, 1);
  }
});
