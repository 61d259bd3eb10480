import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BLK_FEATURES, NET_FEATURES, TRANSPORT_FEATURES, type FeatureDevice, featureBits, featureByBit, featureByName, featureNames,
  featuresOf, hasFeature, missingDependencies,
} from '../../../engine/spec-tables';

// Rows copied from /work/shared/spec/virtio-spec-digest.md §2, §3.1 and §4.1 (bit, short name, since).
const DIGEST_TRANSPORT: [number, string, string][] = [
  [24, 'NOTIFY_ON_EMPTY', 'legacy'], [27, 'ANY_LAYOUT', 'legacy'], [28, 'INDIRECT_DESC', '1.0'], [29, 'EVENT_IDX', '1.0'],
  [30, 'BAD_FEATURE', 'legacy'], [32, 'VERSION_1', '1.0'], [33, 'ACCESS_PLATFORM', '1.1'], [34, 'RING_PACKED', '1.1'],
  [35, 'IN_ORDER', '1.1'], [36, 'ORDER_PLATFORM', '1.1'], [37, 'SR_IOV', '1.1'], [38, 'NOTIFICATION_DATA', '1.1'],
  [39, 'NOTIF_CONFIG_DATA', '1.2'], [40, 'RING_RESET', '1.2'], [41, 'ADMIN_VQ', '1.3'], [43, 'SUSPEND', '1.4'],
];
const DIGEST_NET: [number, string, string][] = [
  [0, 'CSUM', '1.0'], [1, 'GUEST_CSUM', '1.0'], [2, 'CTRL_GUEST_OFFLOADS', '1.0'], [3, 'MTU', '1.1'], [5, 'MAC', '1.0'],
  [6, 'GSO', 'legacy'], [7, 'GUEST_TSO4', '1.0'], [8, 'GUEST_TSO6', '1.0'], [9, 'GUEST_ECN', '1.0'], [10, 'GUEST_UFO', '1.0'],
  [11, 'HOST_TSO4', '1.0'], [12, 'HOST_TSO6', '1.0'], [13, 'HOST_ECN', '1.0'], [14, 'HOST_UFO', '1.0'], [15, 'MRG_RXBUF', '1.0'],
  [16, 'STATUS', '1.0'], [17, 'CTRL_VQ', '1.0'], [18, 'CTRL_RX', '1.0'], [19, 'CTRL_VLAN', '1.0'], [20, 'CTRL_RX_EXTRA', '1.3'],
  [21, 'GUEST_ANNOUNCE', '1.0'], [22, 'MQ', '1.0'], [23, 'CTRL_MAC_ADDR', '1.0'], [41, 'GUEST_RSC4', 'legacy'],
  [42, 'GUEST_RSC6', 'legacy'], [50, 'DEVICE_STATS', '1.4'], [51, 'HASH_TUNNEL', '1.3'], [52, 'VQ_NOTF_COAL', '1.3'],
  [53, 'NOTF_COAL', '1.3'], [54, 'GUEST_USO4', '1.3'], [55, 'GUEST_USO6', '1.3'], [56, 'HOST_USO', '1.2'],
  [57, 'HASH_REPORT', '1.2'], [59, 'GUEST_HDRLEN', '1.2'], [60, 'RSS', '1.2'], [61, 'RSC_EXT', '1.1'], [62, 'STANDBY', '1.1'],
  [63, 'SPEED_DUPLEX', '1.2'], [64, 'RSS_CONTEXT', '1.4'], [65, 'GUEST_UDP_TUNNEL_GSO', '1.4'],
  [66, 'GUEST_UDP_TUNNEL_GSO_CSUM', '1.4'], [67, 'HOST_UDP_TUNNEL_GSO', '1.4'], [68, 'HOST_UDP_TUNNEL_GSO_CSUM', '1.4'],
  [69, 'OUT_NET_HEADER', '1.4'], [70, 'IPSEC', '1.4'],
];
const DIGEST_BLK: [number, string, string][] = [
  [0, 'BARRIER', 'legacy'], [1, 'SIZE_MAX', '1.0'], [2, 'SEG_MAX', '1.0'], [4, 'GEOMETRY', '1.0'], [5, 'RO', '1.0'],
  [6, 'BLK_SIZE', '1.0'], [7, 'SCSI', 'legacy'], [9, 'FLUSH', '1.0'], [10, 'TOPOLOGY', '1.0'], [11, 'CONFIG_WCE', '1.0'],
  [12, 'MQ', '1.2'], [13, 'DISCARD', '1.1'], [14, 'WRITE_ZEROES', '1.1'], [15, 'LIFETIME', '1.2'], [16, 'SECURE_ERASE', '1.2'],
  [17, 'ZONED', '1.3'],
];
// The digest's "requires" column (MUST dependencies), net only.
const DIGEST_NET_REQUIRES: Record<string, { all?: string[]; any?: string[] }> = {
  GUEST_TSO4: { all: ['GUEST_CSUM'] }, GUEST_TSO6: { all: ['GUEST_CSUM'] }, GUEST_ECN: { any: ['GUEST_TSO4', 'GUEST_TSO6'] },
  GUEST_UFO: { all: ['GUEST_CSUM'] }, HOST_TSO4: { all: ['CSUM'] }, HOST_TSO6: { all: ['CSUM'] },
  HOST_ECN: { any: ['HOST_TSO4', 'HOST_TSO6'] }, HOST_UFO: { all: ['CSUM'] }, CTRL_RX: { all: ['CTRL_VQ'] },
  CTRL_VLAN: { all: ['CTRL_VQ'] }, GUEST_ANNOUNCE: { all: ['CTRL_VQ'] }, MQ: { all: ['CTRL_VQ'] }, CTRL_MAC_ADDR: { all: ['CTRL_VQ'] },
  HASH_TUNNEL: { all: ['CTRL_VQ'], any: ['RSS', 'HASH_REPORT'] }, VQ_NOTF_COAL: { all: ['CTRL_VQ'] }, NOTF_COAL: { all: ['CTRL_VQ'] },
  GUEST_USO4: { all: ['GUEST_CSUM'] }, GUEST_USO6: { all: ['GUEST_CSUM'] }, HOST_USO: { all: ['CSUM'] }, RSS: { all: ['CTRL_VQ'] },
  RSC_EXT: { any: ['HOST_TSO4', 'HOST_TSO6'] }, RSS_CONTEXT: { all: ['CTRL_VQ', 'RSS'] },
  GUEST_UDP_TUNNEL_GSO: { all: ['GUEST_TSO4', 'GUEST_TSO6', 'GUEST_USO4', 'GUEST_USO6'] },
  GUEST_UDP_TUNNEL_GSO_CSUM: { all: ['GUEST_UDP_TUNNEL_GSO'] }, HOST_UDP_TUNNEL_GSO: { all: ['HOST_TSO4', 'HOST_TSO6', 'HOST_USO'] },
  HOST_UDP_TUNNEL_GSO_CSUM: { all: ['HOST_UDP_TUNNEL_GSO'] },
};

const bits = (device: FeatureDevice, ...names: string[]): bigint => featureBits(device, names);

describe('feature tables match the digest', () => {
  const cases: [string, readonly { bit: number; short: string; since: string }[], [number, string, string][]][] = [
    ['transport', TRANSPORT_FEATURES, DIGEST_TRANSPORT], ['net', NET_FEATURES, DIGEST_NET], ['blk', BLK_FEATURES, DIGEST_BLK],
  ];
  for (const [label, table, digest] of cases) {
    test(`${label}: every digest row, nothing else, same bit and since`, () => {
      assert.deepEqual(table.map((f) => [f.bit, f.short, f.since]), digest);
    });
  }

  test('net requires column', () => {
    for (const f of NET_FEATURES) {
      const want = DIGEST_NET_REQUIRES[f.short];
      assert.deepEqual(f.requires ?? undefined, want, f.short);
    }
  });

  test('primary names are the uapi spellings', () => {
    assert.equal(featureByBit('net', 15)?.name, 'VIRTIO_NET_F_MRG_RXBUF');
    assert.equal(featureByBit('blk', 9)?.name, 'VIRTIO_BLK_F_FLUSH');
    assert.equal(featureByBit('transport', 28)?.name, 'VIRTIO_RING_F_INDIRECT_DESC');
    assert.equal(featureByBit('transport', 29)?.name, 'VIRTIO_RING_F_EVENT_IDX');
    assert.equal(featureByBit('transport', 34)?.name, 'VIRTIO_F_RING_PACKED');
  });

  test('legacy flags', () => {
    const legacy = [...TRANSPORT_FEATURES, ...NET_FEATURES, ...BLK_FEATURES].filter((f) => f.legacy).map((f) => f.name);
    assert.deepEqual(legacy.sort(), [
      'VIRTIO_BLK_F_BARRIER', 'VIRTIO_BLK_F_SCSI', 'VIRTIO_F_ANY_LAYOUT', 'VIRTIO_F_BAD_FEATURE', 'VIRTIO_F_NOTIFY_ON_EMPTY',
      'VIRTIO_NET_F_GSO', 'VIRTIO_NET_F_GUEST_RSC4', 'VIRTIO_NET_F_GUEST_RSC6',
    ]);
  });
});

describe('table integrity', () => {
  for (const device of ['transport', 'net', 'blk'] as const) {
    test(`${device}: no duplicate spellings; bits unique per table; dependencies exist`, () => {
      const all = featuresOf(device);
      const spellings = all.flatMap((f) => [f.name, ...f.aliases]);
      assert.equal(new Set(spellings).size, spellings.length, 'duplicate name or alias');
      const shorts = all.map((f) => f.short);
      assert.equal(new Set(shorts).size, shorts.length, 'duplicate short name');
      for (const table of device === 'transport' ? [TRANSPORT_FEATURES] : [device === 'net' ? NET_FEATURES : BLK_FEATURES]) {
        assert.equal(new Set(table.map((f) => f.bit)).size, table.length, 'duplicate bit');
      }
      for (const f of all) {
        for (const dep of [...(f.requires?.all ?? []), ...(f.requires?.any ?? []), ...(f.recommends ?? [])]) {
          assert.ok(shorts.includes(dep), `${f.short} depends on unknown ${dep}`);
        }
        assert.match(f.section, /^\d+(\.\d+)*$/);
        assert.ok(f.meaning.length > 10);
        assert.equal(f.device === 'transport' || f.device === device, true);
      }
    });
  }

  test('featuresOf(device) includes the transport bits, sorted by bit', () => {
    const net = featuresOf('net');
    assert.ok(net.some((f) => f.short === 'VERSION_1'));
    assert.deepEqual(net.map((f) => f.bit), [...net.map((f) => f.bit)].sort((a, b) => a - b));
    assert.equal(featuresOf('transport').length, TRANSPORT_FEATURES.length);
  });
});

describe('lookups', () => {
  test('featureByName accepts every spelling drivers use', () => {
    const expect: [string, number, FeatureDevice?][] = [
      ['VIRTIO_RING_F_INDIRECT_DESC', 28], ['VIRTIO_F_INDIRECT_DESC', 28], ['VIRTIO_F_RING_INDIRECT_DESC', 28],
      ['Feature::RING_INDIRECT_DESC', 28], ['BlkFeature::RING_INDIRECT_DESC', 28], ['Features::RING_INDIRECT_DESC', 28],
      ['VIRTIO_F_EVENT_IDX', 29], ['VIRTIO_F_RING_EVENT_IDX', 29], ['VIRTIO_F_IOMMU_PLATFORM', 33],
      ['VIRTIO_BLK_F_WCE', 9], ['BlkFeature::FLUSH', 9], ['Features::MRG_RXBUF', 15], ['Features::CTL_MAC_ADDR', 23],
      ['VIRTIO_NET_F_OUT_NET_HEADER', 69], ['Feature::UNUSED', 30],
      ['MRG_RXBUF', 15], ['MQ', 22, 'net'], ['MQ', 12, 'blk'], ['VERSION_1', 32, 'blk'],
    ];
    for (const [name, bit, device] of expect) assert.equal(featureByName(name, device)?.bit, bit, name);
  });

  test('ambiguous or unknown names give undefined', () => {
    assert.equal(featureByName('MQ'), undefined); // net 22 and blk 12
    assert.equal(featureByName('VIRTIO_NET_F_NOPE'), undefined);
    assert.equal(featureByName('MRG_RXBUF', 'blk'), undefined);
  });

  test('featureByBit prefers the modern meaning of a shared bit', () => {
    assert.equal(featureByBit('net', 41)?.short, 'ADMIN_VQ');
    assert.equal(featureByBit('net', 42)?.short, 'GUEST_RSC6');
    assert.equal(featureByBit('blk', 3), undefined);
    assert.equal(featureByBit('blk', 32)?.short, 'VERSION_1');
    assert.equal(featureByBit('transport', 15), undefined);
  });

  test('featureNames lists set bits in order, including bits above 63 and unknown bits', () => {
    const v = bits('net', 'CSUM', 'MRG_RXBUF', 'VERSION_1', 'OUT_NET_HEADER') | (1n << 4n);
    assert.deepEqual(featureNames('net', v), ['VIRTIO_NET_F_CSUM', 'bit 4', 'VIRTIO_NET_F_MRG_RXBUF', 'VIRTIO_F_VERSION_1', 'VIRTIO_NET_F_OUT_NET_HEADER']);
    assert.deepEqual(featureNames('blk', 0n), []);
    assert.deepEqual(featureNames('blk', 1n << 9n), ['VIRTIO_BLK_F_FLUSH']);
  });

  test('featureBits and hasFeature', () => {
    assert.equal(bits('net', 'MRG_RXBUF', 'RING_PACKED'), (1n << 15n) | (1n << 34n));
    assert.equal(hasFeature('net', 1n << 70n, 'IPSEC'), true);
    assert.equal(hasFeature('net', 1n << 70n, 'CSUM'), false);
    assert.equal(bits('blk', 'NOT_A_FEATURE'), 0n);
  });
});

describe('missingDependencies', () => {
  test('GUEST_TSO4 without GUEST_CSUM', () => {
    const r = missingDependencies('net', bits('net', 'GUEST_TSO4', 'VERSION_1'));
    assert.deepEqual(r.map((m) => [m.feature.short, m.missing]), [['GUEST_TSO4', ['GUEST_CSUM']]]);
    assert.deepEqual(missingDependencies('net', bits('net', 'GUEST_TSO4', 'GUEST_CSUM')), []);
  });

  test('"any of" groups are one entry', () => {
    const r = missingDependencies('net', bits('net', 'GUEST_ECN', 'HOST_ECN', 'CSUM'));
    assert.deepEqual(r.map((m) => [m.feature.short, m.missing]), [
      ['GUEST_ECN', ['GUEST_TSO4 or GUEST_TSO6']], ['HOST_ECN', ['HOST_TSO4 or HOST_TSO6']],
    ]);
    assert.deepEqual(missingDependencies('net', bits('net', 'GUEST_ECN', 'GUEST_TSO6', 'GUEST_CSUM')), []);
  });

  test('all + any together', () => {
    const r = missingDependencies('net', bits('net', 'HASH_TUNNEL'));
    assert.deepEqual(r[0]?.missing, ['CTRL_VQ', 'RSS or HASH_REPORT']);
    const ok = missingDependencies('net', bits('net', 'HASH_TUNNEL', 'CTRL_VQ', 'HASH_REPORT'));
    assert.deepEqual(ok, []);
  });

  test('a typical Linux net feature set is consistent; a ctrl-less one is not', () => {
    const linux = bits('net', 'CSUM', 'GUEST_CSUM', 'CTRL_GUEST_OFFLOADS', 'MAC', 'GUEST_TSO4', 'GUEST_TSO6', 'GUEST_ECN', 'GUEST_UFO',
      'HOST_TSO4', 'HOST_TSO6', 'HOST_ECN', 'HOST_UFO', 'MRG_RXBUF', 'STATUS', 'CTRL_VQ', 'CTRL_RX', 'CTRL_VLAN', 'GUEST_ANNOUNCE',
      'MQ', 'CTRL_MAC_ADDR', 'VERSION_1', 'EVENT_IDX', 'INDIRECT_DESC');
    assert.deepEqual(missingDependencies('net', linux), []);
    const noCtrl = linux & ~bits('net', 'CTRL_VQ');
    assert.deepEqual(missingDependencies('net', noCtrl).map((m) => m.feature.short), ['CTRL_RX', 'CTRL_VLAN', 'GUEST_ANNOUNCE', 'MQ', 'CTRL_MAC_ADDR']);
  });

  test('the UDP tunnel chain above bit 63', () => {
    const r = missingDependencies('net', bits('net', 'HOST_UDP_TUNNEL_GSO_CSUM'));
    assert.deepEqual(r.map((m) => [m.feature.short, m.missing]), [['HOST_UDP_TUNNEL_GSO_CSUM', ['HOST_UDP_TUNNEL_GSO']]]);
  });

  test('blk and transport bits have no MUST dependencies; bit 41 on net means ADMIN_VQ', () => {
    assert.deepEqual(missingDependencies('blk', (1n << 18n) - 1n), []);
    assert.deepEqual(missingDependencies('net', 1n << 41n), []);
  });
});
