import { ETHERTYPE_QINQ, ETHERTYPE_VLAN, ETHER_TYPES, inetName } from '../spec';
import { LayerBuilder, type Row, hex, num } from './layer';
import { type DecodedLayer } from './types';

/** A decoded layer and where the next one starts. */
export interface LayerResult {
  readonly layer: DecodedLayer;
  /** What follows: the EtherType / IP protocol number and its offset; absent if nothing can be decoded further. */
  readonly next?: { readonly type: number; readonly offset: number };
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
