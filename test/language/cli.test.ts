/** `virtio-debug lsp --stdio`: the CLI runs the same server for any editor. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { LspClient, positionAt, ROOT } from './lsp-client';

describe('virtio-debug lsp', () => {
  test('--stdio answers a hover on VIRTIO_NET_F_MRG_RXBUF with bit 15 and its spec section', async () => {
    const { client, init } = await LspClient.start('cli');
    try {
      assert.equal(init.serverInfo?.name, 'virtio-debug-language-server');
      const text = 'static bool mergeable(struct virtio_device *vdev)\n{\n\treturn virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF);\n}\n';
      await client.open('file:///mergeable.c', 'c', text);
      const hover = await client.hoverText('file:///mergeable.c', positionAt(text, 'VIRTIO_NET_F_MRG_RXBUF'));
      assert.match(hover, /bit 15\b/);
      assert.match(hover, /§5\.1\.3/);
      assert.equal(await client.stop(), 0);
    } finally {
      client.kill();
    }
  });

  test('without --stdio it exits 2 with one clear line', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'lsp'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /lsp: only --stdio is supported/);
  });

  test('exits 1 when the client closes stdin without shutdown', async () => {
    const { client } = await LspClient.start('cli');
    client.closeInput();
    assert.equal(await client.exited, 1);
    client.kill();
  });
});
