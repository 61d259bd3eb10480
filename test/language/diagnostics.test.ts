import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnose } from '../../language/diagnostics';
import { symbolIndex } from '../../language/symbol-index';
import { analysisOf } from './support';

const FIXTURES = join(__dirname, 'fixtures');

/** `code: flagged text` for each diagnostic of a snippet. */
function diagnosticsOf(text: string, languageId: 'c' | 'rust' = 'c'): string[] {
  const a = analysisOf(text, languageId);
  return diagnose(a, symbolIndex()).map((d) => `${String(d.code)}: ${text.slice(a.doc.offsetAt(d.range.start), a.doc.offsetAt(d.range.end))}`);
}

const LINUX = '#include <linux/virtio_config.h>\n';
const NET_IDS = 'static const struct virtio_device_id id_table[] = { { VIRTIO_ID_NET, VIRTIO_DEV_ANY_ID }, { 0 }, };\n';

describe('diagnostics', () => {
  test('ordinary driver code gets none (C and Rust fixtures)', () => {
    assert.deepEqual(diagnosticsOf(readFileSync(join(FIXTURES, 'tiny_net.c'), 'utf8')), []);
    assert.deepEqual(diagnosticsOf(readFileSync(join(FIXTURES, 'tiny_blk.rs'), 'utf8'), 'rust'), []);
    const correct = `${NET_IDS}
      u64 f = (1ULL << VIRTIO_NET_F_CSUM) | BIT_ULL(VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_F_VERSION_1);
      if (f & (1ULL << VIRTIO_NET_F_MRG_RXBUF)) x();
      if (features[VIRTIO_F_VERSION_1 / 32] & (1U << (VIRTIO_F_VERSION_1 % 32))) y();
      desc->flags |= VRING_DESC_F_NEXT | VRING_DESC_F_WRITE;
      avail_used = 1 << VRING_PACKED_DESC_F_AVAIL;
      __virtio_clear_bit(vdev, VIRTIO_NET_F_GUEST_TSO4);
      virtio_cread_feature(vdev, VIRTIO_NET_F_MTU, struct virtio_net_config, mtu, &mtu);
      virtio_cread_feature(vdev, VIRTIO_NET_F_RSS, struct virtio_net_config, max_virtqueue_pairs, &pairs);`;
    assert.deepEqual(diagnosticsOf(correct), []);
  });

  test('a feature bit number used as a mask', () => {
    assert.deepEqual(diagnosticsOf(LINUX + 'if (features & VIRTIO_NET_F_MRG_RXBUF) x();'), ['feature-bit-as-mask: VIRTIO_NET_F_MRG_RXBUF']);
    assert.deepEqual(diagnosticsOf(LINUX + 'f |= VIRTIO_F_VERSION_1;'), ['feature-bit-as-mask: VIRTIO_F_VERSION_1']);
    assert.deepEqual(diagnosticsOf(LINUX + 'u32 m = VIRTIO_BLK_F_RO | VIRTIO_BLK_F_FLUSH;'), [
      'feature-bit-as-mask: VIRTIO_BLK_F_RO', 'feature-bit-as-mask: VIRTIO_BLK_F_FLUSH',
    ]);
    assert.deepEqual(diagnosticsOf(LINUX + 'f &= ~VIRTIO_NET_F_GUEST_CSUM;'), ['feature-bit-as-mask: VIRTIO_NET_F_GUEST_CSUM']);
    assert.deepEqual(diagnosticsOf(LINUX + 'if (flags & VRING_PACKED_DESC_F_USED) x();'), ['feature-bit-as-mask: VRING_PACKED_DESC_F_USED']);
  });

  test('a mask used as a bit number', () => {
    assert.deepEqual(diagnosticsOf(LINUX + 'desc->flags = 1 << VRING_DESC_F_WRITE;'), ['mask-as-bit-number: VRING_DESC_F_WRITE']);
    assert.deepEqual(diagnosticsOf(LINUX + 's |= BIT(VIRTIO_CONFIG_S_DRIVER_OK);'), ['mask-as-bit-number: VIRTIO_CONFIG_S_DRIVER_OK']);
  });

  test('a 32-bit shift by a feature bit above 31', () => {
    assert.deepEqual(diagnosticsOf(LINUX + 'ok = features & (1 << VIRTIO_F_VERSION_1);'), ['shift-overflow: VIRTIO_F_VERSION_1']);
    assert.deepEqual(diagnosticsOf(LINUX + 'ok = features & (1U << VIRTIO_F_RING_PACKED);'), ['shift-overflow: VIRTIO_F_RING_PACKED']);
    assert.deepEqual(diagnosticsOf(LINUX + 'ok = features & (1ULL << VIRTIO_F_VERSION_1);'), []);
    assert.deepEqual(diagnosticsOf(LINUX + 'ok = features & (1 << VIRTIO_NET_F_MRG_RXBUF);'), []);
  });

  test('a blk feature tested against a net device (the id table binds only net devices)', () => {
    const code = `${NET_IDS}static bool ro(struct virtio_device *vdev) { return virtio_has_feature(vdev, VIRTIO_BLK_F_RO); }`;
    const d = diagnose(analysisOf(code), symbolIndex());
    assert.equal(d.length, 1);
    assert.equal(d[0]!.code, 'wrong-device-feature');
    assert.match(String(d[0]!.message), /VIRTIO_BLK_F_RO is a virtio-blk feature \(bit 5\).*only net devices \(VIRTIO_ID_NET\).*bit 5 is VIRTIO_NET_F_MAC/);
    assert.deepEqual(diagnosticsOf(`${NET_IDS}static unsigned int features[] = { VIRTIO_NET_F_MAC, VIRTIO_BLK_F_FLUSH };`), ['wrong-device-feature: VIRTIO_BLK_F_FLUSH']);
    assert.deepEqual(diagnosticsOf(`${NET_IDS}u64 m = 1ULL << VIRTIO_BLK_F_MQ;`), ['wrong-device-feature: VIRTIO_BLK_F_MQ']);
  });

  test('without a single-device id table, only a feature table mixing devices is certain', () => {
    assert.deepEqual(diagnosticsOf(LINUX + 'bool ro = virtio_has_feature(vdev, VIRTIO_BLK_F_RO) && virtio_has_feature(vdev, VIRTIO_NET_F_MAC);'), []);
    assert.deepEqual(diagnosticsOf(LINUX + 'static unsigned int features[] = { VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS, VIRTIO_BLK_F_RO, VIRTIO_F_ANY_LAYOUT };'), [
      'wrong-device-feature: VIRTIO_BLK_F_RO',
    ]);
    const twoDrivers = 'static const struct virtio_device_id ids[] = { { VIRTIO_ID_NET, VIRTIO_DEV_ANY_ID }, { VIRTIO_ID_BLOCK, VIRTIO_DEV_ANY_ID }, { 0 } };\n';
    assert.deepEqual(diagnosticsOf(`${twoDrivers}bool ro = virtio_has_feature(vdev, VIRTIO_BLK_F_RO);`), []);
  });

  test('virtio_cread_feature with a feature that does not gate the field', () => {
    assert.deepEqual(diagnosticsOf(LINUX + 'virtio_cread_feature(vdev, VIRTIO_NET_F_MQ, struct virtio_net_config, mtu, &mtu);'), [
      'config-field-gate: VIRTIO_NET_F_MQ',
    ]);
    assert.deepEqual(diagnosticsOf(LINUX + 'virtio_cread_feature(vdev, VIRTIO_BLK_F_SIZE_MAX, struct virtio_blk_config, geometry.heads, &h);'), [
      'config-field-gate: VIRTIO_BLK_F_SIZE_MAX',
    ]);
  });

  test('bit/mask checks need Linux uapi semantics: FreeBSD-style masks and local definitions are left alone', () => {
    // FreeBSD's virtio headers define VIRTIO_NET_F_* as masks; nothing in this file says it uses Linux's.
    assert.deepEqual(diagnosticsOf('#include <dev/virtio/network/virtio_net.h>\nif (virtio_with_feature(dev, VIRTIO_NET_F_MRG_RXBUF) && (f & VIRTIO_NET_F_CSUM)) x();'), []);
    assert.deepEqual(diagnosticsOf(`${LINUX}#define VIRTIO_NET_F_CSUM (1u << 0)\nif (f & VIRTIO_NET_F_CSUM) x();`), []);
    assert.deepEqual(diagnosticsOf('const VIRTIO_F_VERSION_1: u64 = 1 << 32;\nfn f(x: u64) -> bool { x & VIRTIO_F_VERSION_1 != 0 }', 'rust'), []);
    // A call of a Linux bit-number API is evidence too; so is Rust virtio_bindings.
    assert.deepEqual(diagnosticsOf('if (virtio_has_feature(vdev, VIRTIO_NET_F_MAC) && (f & VIRTIO_NET_F_CSUM)) x();'), ['feature-bit-as-mask: VIRTIO_NET_F_CSUM']);
    assert.deepEqual(diagnosticsOf('use virtio_bindings::virtio_net::*;\nfn f(x: u64) -> bool { x & VIRTIO_NET_F_CSUM as u64 != 0 }', 'rust'), [
      'feature-bit-as-mask: VIRTIO_NET_F_CSUM',
    ]);
    assert.deepEqual(diagnosticsOf('use virtio_bindings::virtio_net::*;\nfn f(x: u64) -> bool { x & (1 << VIRTIO_NET_F_CSUM) != 0 }', 'rust'), []);
  });

  test('constants in comments and strings, and files that never mention virtio, get nothing', () => {
    assert.deepEqual(diagnosticsOf('/* features & VIRTIO_NET_F_MRG_RXBUF */ const char *s = "f & VIRTIO_NET_F_CSUM";'), []);
    assert.deepEqual(diagnosticsOf('int flags = x & 3;'), []);
  });
});
