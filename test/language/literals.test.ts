import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hintsOf } from './support';

describe('literal contexts (inlay hints)', () => {
  test('device status: setters, the status registers, the PCI device_status member', () => {
    assert.deepEqual(hintsOf('vdev->config->set_status(vdev, 0xf);'), ['0xf → ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK']);
    assert.deepEqual(hintsOf('writel(0x3, vm_dev->base + VIRTIO_MMIO_STATUS);'), ['0x3 → ACKNOWLEDGE | DRIVER']);
    assert.deepEqual(hintsOf('vp_iowrite8(0x80, &cfg->device_status);'), ['0x80 → FAILED']);
    assert.deepEqual(hintsOf('iowrite8(7, ioaddr + VIRTIO_PCI_STATUS);'), ['7 → ACKNOWLEDGE | DRIVER | DRIVER_OK']);
    assert.deepEqual(hintsOf('cfg->device_status = 0;'), ['0 → 0 (reset)']);
    assert.deepEqual(hintsOf('common->device_status = 0x2b;'), ['0x2b → ACKNOWLEDGE | DRIVER | FEATURES_OK | 0x20']);
  });

  test('device status in Rust: bitflags constructors and the tuple struct', () => {
    assert.deepEqual(hintsOf('t.set_status(DeviceStatus::from_bits_truncate(0xf));', 'rust'), ['0xf → ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK']);
    assert.deepEqual(hintsOf('let s = DeviceStatus(3);', 'rust'), ['3 → ACKNOWLEDGE | DRIVER']);
  });

  test('descriptor and ring flags by the member and its object', () => {
    assert.deepEqual(hintsOf('desc->flags = 3;'), ['3 → NEXT | WRITE']);
    assert.deepEqual(hintsOf('vq->desc[i + 1].flags = cpu_to_virtio16(vdev, 5);'), ['1 → ', '5 → NEXT | INDIRECT']);
    assert.deepEqual(hintsOf('if (vring.desc[head].flags & 1) next();'), ['1 → NEXT']);
    assert.deepEqual(hintsOf('vq->split.vring.avail->flags = cpu_to_virtio16(vdev, 1);'), ['1 → NO_INTERRUPT']);
    assert.deepEqual(hintsOf('ring->used->flags = 1;'), ['1 → NO_NOTIFY']);
    assert.deepEqual(hintsOf('packed_desc->flags = 0x8081;'), ['0x8081 → NEXT | AVAIL | USED']);
    assert.deepEqual(hintsOf('driver_event->flags = 2;'), ['2 → DESC']);
  });

  test('struct initialisers: C designated fields and Rust struct literals name the structure', () => {
    assert.deepEqual(hintsOf('struct vring_desc d = { .addr = 0x1000, .len = 16, .flags = 2, .next = 0 };'), ['0x1000 → ', '16 → ', '2 → WRITE', '0 → ']);
    assert.deepEqual(hintsOf('let d = Descriptor { addr: 0x1000, len: 16, flags: 3, next: 1 };', 'rust'), ['0x1000 → ', '16 → ', '3 → NEXT | WRITE', '1 → ']);
    assert.deepEqual(hintsOf('let f = DescFlags::from_bits_retain(4);', 'rust'), ['4 → INDIRECT']);
  });

  test('net header, blk request header, control classes and commands', () => {
    assert.deepEqual(hintsOf('hdr->flags = 1;'), ['1 → NEEDS_CSUM']);
    assert.deepEqual(hintsOf('hdr->gso_type = 0x81;'), ['0x81 → TCPV4 | ECN']);
    assert.deepEqual(hintsOf('vbr->out_hdr.type = cpu_to_virtio32(vdev, 4);'), ['4 → FLUSH']);
    assert.deepEqual(hintsOf('if (vbr->in_hdr.status == 2) return -EOPNOTSUPP;'), ['2 → UNSUPP']);
    assert.deepEqual(hintsOf('virtnet_send_command(vi, 4, 0, &sg);'), ['4 → MQ', '0 → VQ_PAIRS_SET']);
    assert.deepEqual(hintsOf('virtnet_send_command(vi, VIRTIO_NET_CTRL_RX, 1, &sg);'), ['1 → ALLMULTI']);
  });

  test('feature bits: transport bits always, device bits only when the file names its device', () => {
    assert.deepEqual(hintsOf('virtio_has_feature(vdev, 32);'), ['32 → VIRTIO_F_VERSION_1']);
    assert.deepEqual(hintsOf('virtio_has_feature(vdev, 15);'), ['15 → ']);
    assert.deepEqual(hintsOf('x = VIRTIO_NET_F_MAC; virtio_has_feature(vdev, 15);'), ['15 → VIRTIO_NET_F_MRG_RXBUF']);
    assert.deepEqual(hintsOf('x = VIRTIO_BLK_F_RO; virtio_has_feature(vdev, 9);'), ['9 → VIRTIO_BLK_F_FLUSH']);
    assert.deepEqual(hintsOf('let f = Features::from_bits_truncate(0x8020);', 'rust'), ['0x8020 → MAC | MRG_RXBUF']);
    assert.deepEqual(hintsOf('let f = BlkFeature::from_bits(0x100000200);', 'rust'), ['0x100000200 → FLUSH | VERSION_1']);
  });

  test('no hint where the meaning is not certain', () => {
    const quiet = [
      'status = 0xf;', // a local variable called status
      'vbr->status = 1;', // unknown structure
      'desc->flags = 3 | extra;', // not the whole value
      'dev->flags = 3;', // flags of something else
      'desc->len = 3;',
      'set_status(vdev, 0xf + 1);',
      'writel(0xf, base + VIRTIO_MMIO_QUEUE_NOTIFY);',
      'if (desc->flags & 1 == 0) x();', // `1 == 0` binds first
      'foo(0xf);',
      'return 3;',
    ];
    for (const code of quiet) assert.deepEqual(hintsOf(code).filter((h) => !h.endsWith('→ ')), [], code);
    assert.deepEqual(hintsOf('struct vring_desc_bits { unsigned flags : 3, next : 5; };').filter((h) => !h.endsWith('→ ')), [], 'C bit-field widths');
  });
});
