/** Hover content in-process, for every kind of constant the tables know and every spelling they list. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type MarkupContent } from 'vscode-languageserver';
import { allConstants } from '../../engine/spec-tables';
import { hover } from '../../language/hover';
import { LiveState } from '../../language/live-state';
import { isPrefixedName, isRustPath, symbolIndex } from '../../language/symbol-index';
import { analysisOf } from './support';

/** Hover text at the first occurrence of `needle` (+ delta) in `code`. */
function hoverAt(code: string, needle: string, lang: 'c' | 'rust' = 'c', delta = 1): string {
  const a = analysisOf(code, lang);
  const h = hover(a, a.doc.positionAt(code.indexOf(needle) + delta), symbolIndex(), new LiveState());
  return h ? (h.contents as MarkupContent).value : '';
}

describe('hover', () => {
  test('every prefixed constant of the tables hovers with its name, value and section', () => {
    let checked = 0;
    for (const c of allConstants()) {
      for (const spelling of [c.name, ...c.aliases].filter(isPrefixedName)) {
        const text = hoverAt(`x = ${spelling};`, spelling);
        assert.match(text, new RegExp(`\\*\\*${spelling}\\*\\*`), spelling);
        assert.ok(text.includes(`§${c.section}`), `${spelling}: section ${c.section}`);
        const value =
          c.kind === 'feature' ? `bit ${c.value}` : c.kind === 'ring-bit-number' ? `bit number ${c.value}` : `${c.value} (\`0x${c.value.toString(16)}\`)`;
        assert.ok(text.includes(value), `${spelling}: ${value}`);
        checked++;
      }
    }
    assert.ok(checked > 300, `${checked} spellings`);
  });

  test('every Rust crate spelling hovers in Rust, as a mask for features', () => {
    let checked = 0;
    for (const c of allConstants()) {
      for (const spelling of c.aliases.filter(isRustPath)) {
        const text = hoverAt(`let x = ${spelling};`, spelling, 'rust', spelling.indexOf('::') + 3);
        assert.ok(text.includes(`**${spelling}**`), spelling);
        if (c.kind === 'feature') assert.ok(text.includes(`\`1 << ${c.value}\` (bit ${c.value})`), `${spelling} is a mask`);
        checked++;
      }
    }
    assert.ok(checked > 50, `${checked} Rust spellings`);
  });

  test('kinds: control class and command, device id, PCI capability, MMIO register, header flag, gso type, blk status', () => {
    assert.match(hoverAt('virtnet_send_command(vi, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &sg);', 'VIRTIO_NET_CTRL_MQ,'), /net control class[\s\S]*value 4[\s\S]*needs feature MQ or RSS or HASH_REPORT/);
    assert.match(hoverAt('x(VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET);', 'VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET'), /net control command[\s\S]*le16 virtqueue_pairs/);
    assert.match(hoverAt('{ VIRTIO_ID_NET, VIRTIO_DEV_ANY_ID }', 'VIRTIO_ID_NET'), /device ID[\s\S]*network card/);
    assert.match(hoverAt('if (type == VIRTIO_PCI_CAP_COMMON_CFG)', 'VIRTIO_PCI_CAP_COMMON_CFG'), /PCI capability type[\s\S]*value 1/);
    assert.match(hoverAt('writel(s, base + VIRTIO_MMIO_STATUS);', 'VIRTIO_MMIO_STATUS'), /MMIO register[\s\S]*offset 112 \(`0x70`\)/);
    assert.match(hoverAt('hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;', 'VIRTIO_NET_HDR_F_NEEDS_CSUM'), /virtio_net_hdr flag[\s\S]*§5\.1\.6/);
    assert.match(hoverAt('hdr->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;', 'VIRTIO_NET_HDR_GSO_TCPV4'), /gso_type[\s\S]*value 1/);
    assert.match(hoverAt('case VIRTIO_BLK_S_IOERR:', 'VIRTIO_BLK_S_IOERR'), /blk request status[\s\S]*value 1/);
  });

  test('structure members: named by struct virtio_*_config, or by an object that names the structure', () => {
    const cread = 'virtio_cread_feature(vdev, VIRTIO_BLK_F_GEOMETRY, struct virtio_blk_config, geometry.heads, &h);';
    assert.match(hoverAt(cread, 'heads'), /virtio_blk_config\.geometry\.heads[\s\S]*offset 18[\s\S]*exists if GEOMETRY is offered/);
    assert.match(hoverAt('n = offsetof(struct virtio_net_config, max_virtqueue_pairs);', 'max_virtqueue_pairs'), /offset 8[\s\S]*MQ or RSS/);
    assert.match(hoverAt('vp_iowrite8(s, &cfg->device_status);', 'device_status'), /virtio_pci_common_cfg\.device_status[\s\S]*offset 20/);
    assert.match(hoverAt('n = hdr->num_buffers;', 'num_buffers'), /virtio_net_hdr\.num_buffers[\s\S]*offset 10/);
    assert.equal(hoverAt('n = skb->csum_start;', 'csum_start'), '', 'an sk_buff is not a virtio_net_hdr');
    assert.equal(hoverAt('vbr->status = 1;', 'status'), '', 'a generic member name on an unknown object');
  });

  test('spec spellings and legacy names resolve to the same knowledge', () => {
    assert.match(hoverAt('d->flags = VIRTQ_DESC_F_WRITE;', 'VIRTQ_DESC_F_WRITE'), /\*\*VIRTQ_DESC_F_WRITE\*\*[\s\S]*value 2[\s\S]*`VRING_DESC_F_WRITE`/);
    assert.match(hoverAt('x = VIRTIO_F_RING_INDIRECT_DESC;', 'VIRTIO_F_RING_INDIRECT_DESC'), /bit 28[\s\S]*VIRTIO_RING_F_INDIRECT_DESC/);
    assert.match(hoverAt('x = VIRTIO_BLK_F_WCE;', 'VIRTIO_BLK_F_WCE'), /bit 9[\s\S]*VIRTIO_BLK_F_FLUSH/);
  });

  test('bare short names and Rust paths in C are not matched', () => {
    assert.equal(hoverAt('x = DRIVER_OK;', 'DRIVER_OK'), '');
    assert.equal(hoverAt('x = SECTOR_SIZE;', 'SECTOR_SIZE'), '');
    assert.equal(hoverAt('let s = Status::new();', 'Status', 'rust'), '');
    assert.equal(hoverAt('let x = MRG_RXBUF;', 'MRG_RXBUF', 'rust'), '');
  });
});
