/**
 * Ethernet II frames (IEEE 802.3) and 802.1Q/802.1ad tags: EtherTypes, building a frame, finding its network
 * header, and the decoder for the Variables view.
 */
import { hex } from './hex';
import { LayerBuilder, type LayerResult, type Row, num } from './layer';
import { inetName, nameTable } from './names';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;

/** EtherTypes shown by name; others are shown in hex (`0x88cc`). */
export const ETHER_TYPES = nameTable({
  [ETHERTYPE_IPV4]: 'IPv4', [ETHERTYPE_ARP]: 'ARP', [ETHERTYPE_IPV6]: 'IPv6', [ETHERTYPE_VLAN]: '802.1Q',
  [ETHERTYPE_QINQ]: '802.1ad',
});
/** IEEE 802 local experimental EtherType: nobody answers it (flood traffic). */
export const ETHERTYPE_EXPERIMENTAL = 0x88b5;

export const ETH_HEADER_LEN = 14;
/** Largest frame a virtio-net device takes on either side: a 65535-byte IP packet behind two VLAN tags (+ IPv6 header). */
export const MAX_FRAME = 65535 + 40 + 22;
/** Smallest Ethernet frame without FCS (ETH_ZLEN). */
export const ETH_MIN_FRAME = 60;
export const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/** An Ethernet II frame: destination, source, EtherType, payload; zero-padded to `minLength` (ETH_MIN_FRAME as a NIC does). */
export function ethernetFrame(dst: Uint8Array, src: Uint8Array, type: number, payload: Uint8Array, minLength = 0): Uint8Array {
  const f = new Uint8Array(Math.max(minLength, ETH_HEADER_LEN + payload.length));
  f.set(dst.subarray(0, 6), 0);
  f.set(src.subarray(0, 6), 6);
  f[12] = type >> 8;
  f[13] = type & 0xff;
  f.set(payload, ETH_HEADER_LEN);
  return f;
}

/** Inserts an 802.1Q tag with VLAN id `vid` after the MAC addresses. */
export function vlanTag(frame: Uint8Array, vid: number): Uint8Array {
  const f = new Uint8Array(frame.length + 4);
  f.set(frame.subarray(0, 12), 0);
  f[12] = ETHERTYPE_VLAN >> 8;
  f[13] = ETHERTYPE_VLAN & 0xff;
  f[14] = (vid >> 8) & 0x0f;
  f[15] = vid & 0xff;
  f.set(frame.subarray(12), 16);
  return f;
}

/** The EtherType (or 802.3 length) right after the MAC addresses; undefined for a frame shorter than 14 bytes. */
export function etherType(frame: Uint8Array): number | undefined {
  return frame.length < ETH_HEADER_LEN ? undefined : (frame[12]! << 8) | frame[13]!;
}

/** Where the network header starts and which one it is (after up to two VLAN tags). */
export function networkHeader(frame: Uint8Array): { offset: number; type: number } | undefined {
  let o = 12;
  for (let tags = 0; tags <= 2; tags++) {
    if (o + 2 > frame.length) return undefined;
    const type = (frame[o]! << 8) | frame[o + 1]!;
    if (type !== ETHERTYPE_VLAN && type !== ETHERTYPE_QINQ) return { offset: o + 2, type };
    o += 4;
  }
  return undefined;
}

/** `IPv4`, `ARP`, or hex (`0x88cc`) for EtherTypes without a name. */
export function etherTypeName(t: number): string {
  return inetName(ETHER_TYPES, t, (v) => hex(v, 4));
}

const showType = num((t) => (t < 0x0600 ? `length ${t} (802.3)` : `${hex(t, 4)} (${etherTypeName(t)})`));

const ETHERNET: readonly Row[] = [
  { label: 'destination', key: 'dst', at: 0, size: 6, conv: 'mac' },
  { label: 'source', key: 'src', at: 6, size: 6, conv: 'mac' },
  { label: 'type', at: 12, size: 2, conv: 'u16be', show: showType },
];

/** Ethernet II header (IEEE 802.3): `pkt.eth.dst/src/type` (type "IPv4", "ARP", "0x88cc"). */
export function decodeEthernet(bytes: Uint8Array, offset = 0, end = bytes.length): LayerResult {
  const b = new LayerBuilder('Ethernet', bytes, end, 'pkt.eth.');
  const { complete, v } = b.rows(offset, ETHERNET);
  if (!complete) return { layer: b.build() };
  const type = v.type as number;
  b.set('type', type < 0x0600 ? `length ${type}` : etherTypeName(type));
  return { layer: b.build(), ...(type >= 0x0600 ? { next: { type, offset: offset + 14 } } : {}) };
}

const VLAN_TYPE: readonly Row[] = [{ label: 'type', at: 2, size: 2, conv: 'u16be', show: showType }];

/** An 802.1Q (or 802.1ad) tag after the EtherType 0x8100 / 0x88a8: `pkt.vlan.id/pcp/dei/type`. */
export function decodeVlan(bytes: Uint8Array, offset: number, end = bytes.length, outerType = ETHERTYPE_VLAN): LayerResult {
  const b = new LayerBuilder(outerType === ETHERTYPE_QINQ ? '802.1ad' : '802.1Q', bytes, end, 'pkt.vlan.');
  if (!b.need(offset, 2)) return { layer: b.build() };
  const tci = b.u16be(offset);
  b.add('priority (PCP)', String(tci >> 13), offset, 2, tci >> 13);
  b.add('drop eligible (DEI)', String((tci >> 12) & 1), offset, 2, (tci >> 12) & 1);
  b.add('VLAN id', String(tci & 0xfff), offset, 2, tci & 0xfff);
  b.set('id', tci & 0xfff);
  b.set('pcp', tci >> 13);
  b.set('dei', (tci >> 12) & 1);
  const { complete, v } = b.rows(offset, VLAN_TYPE);
  if (!complete) return { layer: b.build() };
  const type = v.type as number;
  b.set('type', etherTypeName(type));
  return { layer: b.build(), next: { type, offset: offset + 4 } };
}
