/**
 * The language server as a real child process, driven over stdio by an LSP client: initialize, didOpen a
 * Linux-style C driver and a virtio-drivers-style Rust driver, hover, completion, inlay hints, diagnostics,
 * and the `virtio/liveState` notification changing hovers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type CompletionItem, type MarkupContent } from 'vscode-languageserver-protocol';
import { LIVE_STATE_METHOD, type LiveStateParams } from '../../protocol/lsp';
import { LspClient, positionAt, positionOf } from './lsp-client';

const docOf = (item: CompletionItem): string => (item.documentation as MarkupContent | undefined)?.value ?? '';

describe('language server over stdio', () => {
  let client: LspClient;
  let c: { uri: string; text: string };
  let rs: { uri: string; text: string };

  before(async () => {
    const started = await LspClient.start();
    client = started.client;
    const caps = started.init.capabilities;
    assert.ok(caps.hoverProvider, 'hover capability');
    assert.ok(caps.completionProvider, 'completion capability');
    assert.ok(caps.inlayHintProvider, 'inlay hint capability');
    const cf = await client.openFixture('tiny_net.c', 'c');
    const rf = await client.openFixture('tiny_blk.rs', 'rust');
    assert.deepEqual(await cf.diagnostics, [], 'no diagnostic on ordinary C driver code');
    assert.deepEqual(await rf.diagnostics, [], 'no diagnostic on ordinary Rust driver code');
    c = cf;
    rs = rf;
  });

  after(async () => {
    if (client) {
      const code = await client.stop();
      assert.equal(code, 0, `server exits 0 after shutdown/exit; stderr: ${client.errorOutput}`);
    }
  });

  test('hover on VIRTIO_NET_F_MRG_RXBUF: bit 15, meaning, device, spec section 5.1.3', async () => {
    const text = await client.hoverText(c.uri, positionAt(c.text, 'VIRTIO_NET_F_MRG_RXBUF', 1));
    assert.match(text, /\*\*VIRTIO_NET_F_MRG_RXBUF\*\*/);
    assert.match(text, /bit 15\b/);
    assert.match(text, /0x8000/);
    assert.match(text, /§5\.1\.3/);
    assert.match(text, /virtio-net feature/);
    assert.match(text, /merge receive buffers/i);
    assert.match(text, /Features::MRG_RXBUF/, 'lists the Rust crate spelling');
  });

  test('hover on a feature with dependencies lists them', async () => {
    const uri = 'file:///deps.c';
    await client.open(uri, 'c', 'bool mq = virtio_has_feature(vdev, VIRTIO_NET_F_MQ);\n');
    const text = await client.hoverText(uri, { line: 0, character: 40 });
    assert.match(text, /bit 22/);
    assert.match(text, /requires CTRL_VQ/);
  });

  test('hover on a status bit and a descriptor flag', async () => {
    const status = await client.hoverText(c.uri, positionAt(c.text, 'VIRTIO_CONFIG_S_DRIVER)'));
    assert.match(status, /\*\*VIRTIO_CONFIG_S_DRIVER\*\*/);
    assert.match(status, /device status bit/);
    assert.match(status, /value 2 \(`0x2`\) · bit 1/);
    assert.match(status, /§2\.1/);
    const flag = await client.hoverText(c.uri, positionAt(c.text, 'VRING_DESC_F_NEXT'));
    assert.match(flag, /descriptor flag/);
    assert.match(flag, /value 1 \(`0x1`\)/);
    assert.match(flag, /§2\.7\.5/);
    assert.match(flag, /VIRTQ_DESC_F_NEXT/, 'the spec spelling is listed');
  });

  test('hover on a config field named through struct virtio_net_config', async () => {
    const text = await client.hoverText(c.uri, positionAt(c.text, ', mtu,', 0, 3));
    assert.match(text, /virtio_net_config\.mtu/);
    assert.match(text, /offset 10/);
    assert.match(text, /exists if MTU is offered/);
  });

  test('hover on Rust crate spellings: a feature mask, a request type, a status bit', async () => {
    const feature = await client.hoverText(rs.uri, positionAt(rs.text, 'Features::MRG_RXBUF', 0, 12));
    assert.match(feature, /\*\*Features::MRG_RXBUF\*\*/);
    assert.match(feature, /mask `0x8000` = `1 << 15` \(bit 15\)/);
    assert.match(feature, /VIRTIO_NET_F_MRG_RXBUF/);
    const onQualifier = await client.hoverText(rs.uri, positionAt(rs.text, 'Features::MRG_RXBUF', 0, 2));
    assert.equal(onQualifier, feature, 'the qualifier stands for the whole path');
    const req = await client.hoverText(rs.uri, positionAt(rs.text, 'ReqType::Flush', 0, 10));
    assert.match(req, /blk request type/);
    assert.match(req, /value 4 \(`0x4`\)/);
    assert.match(req, /VIRTIO_BLK_T_FLUSH/);
    assert.match(req, /§5\.2\.6/);
    assert.match(req, /needs feature FLUSH/);
    const ok = await client.hoverText(rs.uri, positionAt(rs.text, 'DeviceStatus::DRIVER_OK', 0, 16));
    assert.match(ok, /VIRTIO_CONFIG_S_DRIVER_OK/);
    assert.match(ok, /value 4/);
  });

  test('no hover in comments and strings, nor on unrelated identifiers', async () => {
    assert.equal(await client.hover(c.uri, positionAt(c.text, 'VIRTIO_NET_F_MRG_RXBUF', 0)), null, 'comment');
    assert.equal(await client.hover(c.uri, positionAt(c.text, 'VIRTIO_NET_F_MRG_RXBUF %d')), null, 'string');
    assert.equal(await client.hover(c.uri, positionAt(c.text, 'mergeable_rx_bufs')), null, 'plain identifier');
    assert.equal(await client.hover(rs.uri, positionAt(rs.text, '"DescFlags::NEXT', 0, 5)), null, 'Rust string');
  });

  test('hover on a numeric literal in a status write decodes it', async () => {
    const text = await client.hoverText(c.uri, positionAt(c.text, '0xf,', 0, 1));
    assert.match(text, /device status/);
    assert.match(text, /ACKNOWLEDGE \| DRIVER \| FEATURES_OK \| DRIVER_OK/);
    assert.match(text, /VIRTIO_CONFIG_S_FEATURES_OK/);
  });

  test('completion of VIRTIO_NET_F_ lists net features with documentation', async () => {
    const { uri, text } = { uri: 'file:///complete.c', text: 'if (virtio_has_feature(vdev, VIRTIO_NET_F_' };
    await client.open(uri, 'c', text);
    const items = await client.completion(uri, positionOf(text, text.length));
    const labels = items.map((i) => i.label);
    assert.ok(labels.length >= 30, `many net features (${labels.length})`);
    assert.ok(labels.every((l) => l.startsWith('VIRTIO_NET_F_')), 'only net features');
    for (const name of ['VIRTIO_NET_F_MRG_RXBUF', 'VIRTIO_NET_F_CSUM', 'VIRTIO_NET_F_MQ', 'VIRTIO_NET_F_RSS']) assert.ok(labels.includes(name), name);
    const mrg = items.find((i) => i.label === 'VIRTIO_NET_F_MRG_RXBUF')!;
    assert.match(docOf(mrg), /bit 15/);
    assert.match(docOf(mrg), /§5\.1\.3/);
    assert.match(mrg.detail ?? '', /bit 15/);
  });

  test('completion after a Rust qualifier lists its members; C files never get Rust paths', async () => {
    const text = 'let f = Features::MR';
    await client.open('file:///complete.rs', 'rust', text);
    const items = await client.completion('file:///complete.rs', positionOf(text, text.length));
    assert.deepEqual(items.map((i) => i.label), ['MRG_RXBUF']);
    assert.match(docOf(items[0]!), /mask `0x8000`/);
    const all = await client.completion('file:///complete.rs', positionOf(text, text.length - 2));
    assert.ok(all.some((i) => i.label === 'VERSION_1'), 'transport bits of the net Features type');
    const cText = 'x = DescFl';
    await client.open('file:///complete2.c', 'c', cText);
    assert.deepEqual(await client.completion('file:///complete2.c', positionOf(cText, cText.length)), []);
  });

  test('inlay hints: status write 0xf and descriptor flags 3, in C and Rust, nothing else', async () => {
    const cHints = await client.inlayHints(c.uri, c.text);
    const label = (h: { label: unknown }): string => String(h.label);
    assert.deepEqual(cHints.map(label), ['0 (reset)', 'ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK', 'NEXT | WRITE']);
    assert.deepEqual(cHints[1]!.position, positionOf(c.text, c.text.indexOf('0xf,') + 3), 'after the literal');
    assert.deepEqual(cHints[2]!.position, positionOf(c.text, c.text.indexOf('flags = 3') + 9));
    const rHints = await client.inlayHints(rs.uri, rs.text);
    assert.deepEqual(rHints.map(label), ['ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK', 'NEXT | WRITE']);
    assert.deepEqual(rHints[1]!.position, positionOf(rs.text, rs.text.indexOf('flags: 3') + 8));
  });

  test('diagnostics: a blk feature tested in a net driver, published and then cleared when fixed', async () => {
    const uri = 'file:///buggy_net.c';
    const ids = 'static const struct virtio_device_id id_table[] = {\n\t{ VIRTIO_ID_NET, VIRTIO_DEV_ANY_ID },\n\t{ 0 },\n};\n';
    const text = `${ids}static bool ro(struct virtio_device *vdev)\n{\n\treturn virtio_has_feature(vdev, VIRTIO_BLK_F_RO);\n}\n`;
    const diags = await client.open(uri, 'c', text);
    assert.equal(diags.length, 1);
    assert.equal(diags[0]!.code, 'wrong-device-feature');
    assert.equal(diags[0]!.source, 'virtio');
    assert.deepEqual(diags[0]!.range.start, positionAt(text, 'VIRTIO_BLK_F_RO', 0, 0));
    const fixed = client.nextDiagnostics(uri);
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: text.replace('VIRTIO_BLK_F_RO', 'VIRTIO_NET_F_MAC') }],
    });
    assert.deepEqual(await fixed, []);
  });

  test('live state: hovers show offered / negotiated per device, and drop it when the session ends', async () => {
    const at = positionAt(c.text, 'VIRTIO_NET_F_MRG_RXBUF', 1);
    assert.doesNotMatch(await client.hoverText(c.uri, at), /negotiated on/, 'no session yet');
    const state = (accepted: bigint, status: number): LiveStateParams => ({
      session: 'net demo',
      devices: [
        { id: 'blk0', type: 'blk', offered: '0x100000200', accepted: '0x100000200', status: 0xf },
        { id: 'net0', type: 'net', offered: `0x${((1n << 15n) | (1n << 32n)).toString(16)}`, accepted: `0x${accepted.toString(16)}`, status },
      ],
    });
    await client.connection.sendNotification(LIVE_STATE_METHOD, state((1n << 15n) | (1n << 32n), 0xf));
    const negotiated = await client.hoverText(c.uri, at);
    assert.match(negotiated, /Live \(net demo\)/);
    assert.match(negotiated, /offered \/ negotiated on net0: yes \/ yes/);
    assert.doesNotMatch(negotiated, /blk0/, 'a net feature is not shown for blk devices');

    await client.connection.sendNotification(LIVE_STATE_METHOD, state(1n << 32n, 0xf));
    assert.match(await client.hoverText(c.uri, at), /offered \/ negotiated on net0: yes \/ no/);

    await client.connection.sendNotification(LIVE_STATE_METHOD, state((1n << 15n) | (1n << 32n), 0x3));
    assert.match(await client.hoverText(c.uri, at), /on net0: yes \/ accepted, FEATURES_OK not set yet/);

    const version1 = await client.hoverText(c.uri, positionAt(c.text, 'VIRTIO_F_VERSION_1'));
    assert.match(version1, /on blk0: yes \/ yes/, 'transport features are shown for every device');
    assert.match(version1, /on net0: yes \/ accepted/);

    const status = await client.hoverText(c.uri, positionAt(c.text, 'VIRTIO_CONFIG_S_DRIVER)'));
    assert.match(status, /net0: status `0x3` \(ACKNOWLEDGE \| DRIVER\) — VIRTIO_CONFIG_S_DRIVER set/);

    await client.connection.sendNotification(LIVE_STATE_METHOD, { devices: [] } satisfies LiveStateParams);
    assert.doesNotMatch(await client.hoverText(c.uri, at), /Live/);
  });

  test('a malformed live state is ignored, not fatal', async () => {
    await client.connection.sendNotification(LIVE_STATE_METHOD, { devices: [{ id: 7, type: 'net', offered: 'zz' }, null] });
    const text = await client.hoverText(c.uri, positionAt(c.text, 'VIRTIO_NET_F_MRG_RXBUF', 1));
    assert.match(text, /bit 15/);
    assert.doesNotMatch(text, /Live/);
  });
});
