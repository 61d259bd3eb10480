/**
 * virtio-net feature bit numbers the device branches on (§5.1.3), and the default set it offers. Names,
 * meanings and dependencies live in engine/spec-tables (features-net.ts); a unit test checks these numbers
 * against that table.
 */
import { F, bit } from '../../device-core/bits';
import { GSO } from '../../wire/net-header';

export const NET_F = {
  CSUM: 0,
  GUEST_CSUM: 1,
  CTRL_GUEST_OFFLOADS: 2,
  MTU: 3,
  MAC: 5,
  GUEST_TSO4: 7,
  GUEST_TSO6: 8,
  GUEST_ECN: 9,
  GUEST_UFO: 10,
  HOST_TSO4: 11,
  HOST_TSO6: 12,
  HOST_ECN: 13,
  HOST_UFO: 14,
  MRG_RXBUF: 15,
  STATUS: 16,
  CTRL_VQ: 17,
  CTRL_RX: 18,
  CTRL_VLAN: 19,
  CTRL_RX_EXTRA: 20,
  GUEST_ANNOUNCE: 21,
  MQ: 22,
  CTRL_MAC_ADDR: 23,
  GUEST_USO4: 54,
  GUEST_USO6: 55,
  HOST_USO: 56,
  HASH_REPORT: 57,
  RSS: 60,
  SPEED_DUPLEX: 63,
} as const;

/** Transport features the net device offers (both ring layouts, indirect, event idx, in-order, ...). */
export const NET_TRANSPORT_OFFERED =
  bit(F.VERSION_1) | bit(F.INDIRECT_DESC) | bit(F.EVENT_IDX) | bit(F.RING_PACKED) | bit(F.IN_ORDER) | bit(F.NOTIFICATION_DATA) | bit(F.RING_RESET);

/**
 * Device features offered by default: everything the device implements. MQ is added when the device has
 * more than one queue pair (as QEMU does). RSS, HASH_REPORT, notification coalescing, statistics and the
 * UDP-tunnel/IPsec header extensions are not implemented, so never offered.
 */
export function defaultNetOffered(queuePairs: number): bigint {
  const n = NET_F;
  const bits = [
    n.CSUM, n.GUEST_CSUM, n.CTRL_GUEST_OFFLOADS, n.MTU, n.MAC,
    n.GUEST_TSO4, n.GUEST_TSO6, n.GUEST_ECN, n.GUEST_UFO,
    n.HOST_TSO4, n.HOST_TSO6, n.HOST_ECN, n.HOST_UFO, n.HOST_USO, n.GUEST_USO4, n.GUEST_USO6,
    n.MRG_RXBUF, n.STATUS, n.CTRL_VQ, n.CTRL_RX, n.CTRL_VLAN, n.CTRL_RX_EXTRA, n.GUEST_ANNOUNCE, n.CTRL_MAC_ADDR,
    n.SPEED_DUPLEX,
  ];
  let v = NET_TRANSPORT_OFFERED;
  for (const b of bits) v |= bit(b);
  if (queuePairs > 1) v |= bit(n.MQ);
  return v;
}

/** Whether the feature bit `n` is in `features`. */
export const hasBit = (features: bigint, n: number): boolean => (features & bit(n)) !== 0n;

/** The HOST_* feature a transmit gso_type base value needs, or undefined for an undefined type. */
export function hostFeatureForGso(base: number): number | undefined {
  switch (base) {
    case GSO.TCPV4:
      return NET_F.HOST_TSO4;
    case GSO.TCPV6:
      return NET_F.HOST_TSO6;
    case GSO.UDP:
      return NET_F.HOST_UFO;
    case GSO.UDP_L4:
      return NET_F.HOST_USO;
    default:
      return undefined;
  }
}
