import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allConstants } from '../../../engine/spec-tables';

describe('allConstants', () => {
  const all = allConstants();
  const byName = new Map(all.map((c) => [c.name, c]));

  test('names are unique and every entry has a meaning and a section', () => {
    assert.equal(byName.size, all.length);
    for (const c of all) {
      assert.ok(c.meaning.length > 3, c.name);
      assert.match(c.section, /^\d+(\.\d+)*$/, c.name);
      assert.ok(Number.isInteger(c.value) && c.value >= 0, c.name);
    }
  });

  test('an alias never names a different constant of the same kind with another value', () => {
    for (const c of all) {
      for (const a of c.aliases) {
        const other = byName.get(a);
        if (other) assert.ok(other.kind !== c.kind || other.value === c.value, `${a} of ${c.name}`);
      }
    }
  });

  test('a sample of every kind', () => {
    const v = (n: string): number | undefined => byName.get(n)?.value;
    assert.equal(v('VIRTIO_NET_F_MRG_RXBUF'), 15);
    assert.equal(v('VIRTIO_F_RING_PACKED'), 34);
    assert.equal(v('VIRTIO_CONFIG_S_FEATURES_OK'), 8);
    assert.equal(v('VRING_DESC_F_INDIRECT'), 4);
    assert.equal(v('VRING_PACKED_DESC_F_AVAIL'), 7);
    assert.equal(v('VIRTQ_DESC_F_USED'), 0x8000);
    assert.equal(v('RING_EVENT_FLAGS_DESC'), 2);
    assert.equal(v('VIRTIO_BLK_T_GET_ID'), 8);
    assert.equal(v('VIRTIO_BLK_S_UNSUPP'), 2);
    assert.equal(v('VIRTIO_NET_HDR_GSO_TCPV6'), 4);
    assert.equal(v('VIRTIO_NET_CTRL_MQ'), 4);
    assert.equal(v('VIRTIO_NET_OK'), 0);
    assert.equal(v('virtio_blk_config.write_zeroes_may_unmap'), 56);
    assert.equal(v('virtio_net_config.mtu'), 10);
    assert.equal(v('virtio_net_hdr.num_buffers'), 10);
    assert.equal(v('VIRTIO_ID_BLOCK'), 2);
    assert.equal(v('VIRTIO_PCI_CAP_NOTIFY_CFG'), 2);
    assert.equal(v('VIRTIO_PCI_COMMON_Q_USEDLO'), 48);
    assert.equal(v('VIRTIO_MMIO_QUEUE_NOTIFY'), 0x50);
    assert.equal(v('VIRTIO_MMIO_INT_CONFIG'), 2);
    assert.deepEqual(byName.get('virtio_net_config.mtu')?.features, ['MTU']);
    assert.deepEqual(byName.get('VIRTIO_NET_F_GUEST_TSO4')?.features, ['GUEST_CSUM']);
    assert.deepEqual(byName.get('VIRTIO_NET_CTRL_RX_NOBCAST')?.features, ['CTRL_RX_EXTRA']);
    assert.equal(byName.get('VIRTIO_BLK_F_FLUSH')?.aliases.includes('VIRTIO_BLK_F_WCE'), true);
  });

  test('is built once', () => {
    assert.equal(allConstants(), all);
  });
});
