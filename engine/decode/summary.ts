import { layerValues } from './packet';
import { type DecodedLayer } from '../wire/types';

type Values = Record<string, string | number | boolean>;

const truncatedNote = (layers: readonly DecodedLayer[]): string => {
  const err = layers.find((l) => l.error)?.error;
  return err ? ` (${err})` : '';
};

/** "OUT sector 2048 len 4096", "FLUSH", "DISCARD 2 segments", "GET_ID → OK" (status only once completed). */
export function summarizeBlk(layer: DecodedLayer): string {
  const v = layer.values;
  const type = String(v['req.type'] ?? '?');
  let s = type;
  if (type === 'IN' || type === 'OUT' || type.startsWith('ZONE_')) s += ` sector ${v['req.sector'] ?? '?'}`;
  if (type === 'IN' || type === 'OUT' || type === 'ZONE_APPEND' || type === 'ZONE_REPORT') s += ` len ${v['req.len'] ?? 0}`;
  if (v['req.segments'] !== undefined) s += ` ${v['req.segments']} segment${v['req.segments'] === 1 ? '' : 's'}`;
  if (v['req.segments'] === 1) s += ` (sector ${v['req.seg.sector']} count ${v['req.seg.num_sectors']})`;
  if (v['req.barrier']) s += ' BARRIER';
  if (v['req.id'] !== undefined) s += ` "${v['req.id']}"`;
  if (v['req.status'] !== undefined) s += ` → ${v['req.status']}`;
  return s + truncatedNote([layer]);
}

function endpoint(v: Values, l4: 'udp' | 'tcp', side: 'src' | 'dst'): string {
  const ip = v[`pkt.ip.${side}`] ?? v[`pkt.ip6.${side}`];
  const port = v[`pkt.${l4}.${side === 'src' ? 'sport' : 'dport'}`];
  if (ip === undefined) return String(port ?? '?');
  return v[`pkt.ip6.${side}`] !== undefined ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * One line for a packet: "ARP who-has 10.0.2.2 tell 10.0.2.15", "ICMP echo request 10.0.2.15 > 10.0.2.2 id 1 seq 3",
 * "UDP 10.0.2.15:68 > 10.0.2.2:67 len 300", "TCP 10.0.2.15:40000 > 10.0.2.2:80 [SYN] seq 1", prefixed with
 * "VLAN 100" when tagged; errors appended in parentheses.
 */
export function summarizePacket(layers: readonly DecodedLayer[]): string {
  const v = layerValues(layers);
  const protocols = layers.map((l) => l.protocol);
  const top = protocols[protocols.length - 1];
  const vlan = v['pkt.vlan.id'] !== undefined ? `VLAN ${v['pkt.vlan.id']} ` : '';
  const src = v['pkt.ip.src'] ?? v['pkt.ip6.src'];
  const dst = v['pkt.ip.dst'] ?? v['pkt.ip6.dst'];
  let s: string;
  switch (top) {
    case 'ARP':
      if (v['pkt.arp.op'] === 'request') s = `ARP who-has ${v['pkt.arp.tpa'] ?? '?'} tell ${v['pkt.arp.spa'] ?? '?'}`;
      else if (v['pkt.arp.op'] === 'reply') s = `ARP ${v['pkt.arp.spa'] ?? '?'} is-at ${v['pkt.arp.sha'] ?? '?'}`;
      else s = `ARP op ${v['pkt.arp.op'] ?? '?'}`;
      break;
    case 'ICMP':
    case 'ICMPv6': {
      const name = String(v['pkt.icmp.name'] ?? '?');
      s = `${top} ${name} ${src} > ${dst}`;
      if (v['pkt.icmp.id'] !== undefined) s += ` id ${v['pkt.icmp.id']} seq ${v['pkt.icmp.seq']}`;
      if (v['pkt.icmp.target'] !== undefined) s += ` target ${v['pkt.icmp.target']}`;
      break;
    }
    case 'UDP':
      s = `UDP ${endpoint(v, 'udp', 'src')} > ${endpoint(v, 'udp', 'dst')} len ${v['pkt.udp.len'] ?? '?'}`;
      break;
    case 'TCP':
      s = `TCP ${endpoint(v, 'tcp', 'src')} > ${endpoint(v, 'tcp', 'dst')} [${v['pkt.tcp.flags'] ?? '?'}] seq ${v['pkt.tcp.seq'] ?? '?'}`;
      if (String(v['pkt.tcp.flags'] ?? '').includes('ACK')) s += ` ack ${v['pkt.tcp.ack']}`;
      if (v['pkt.tcp.len']) s += ` len ${v['pkt.tcp.len']}`;
      break;
    case 'IPv4':
      s = `IPv4 ${src ?? '?'} > ${dst ?? '?'} ${v['pkt.ip.proto'] ?? '?'}`;
      break;
    case 'IPv6':
      s = `IPv6 ${src ?? '?'} > ${dst ?? '?'} ${v['pkt.ip6.next'] ?? '?'}`;
      break;
    case 'Ethernet':
    case '802.1Q':
    case '802.1ad':
      s = `Ethernet ${v['pkt.eth.src'] ?? '?'} > ${v['pkt.eth.dst'] ?? '?'} type ${v['pkt.vlan.type'] ?? v['pkt.eth.type'] ?? '?'}`;
      break;
    default:
      s = top ?? 'empty';
  }
  return vlan + s + truncatedNote(layers);
}

/** "MQ VQ_PAIRS_SET 4 → OK", "RX PROMISC on", "MAC ADDR_SET 52:54:00:12:34:56", "VLAN ADD 100". */
export function summarizeNetCtrl(layer: DecodedLayer): string {
  const v = layer.values;
  let s = `${v['ctrl.class'] ?? '?'} ${v['ctrl.command'] ?? '?'}`;
  const arg =
    v['ctrl.on'] !== undefined ? (v['ctrl.on'] ? 'on' : 'off')
    : v['ctrl.mac'] ?? v['ctrl.vlan'] ?? v['ctrl.pairs'] ?? v['ctrl.offloads'] ?? v['ctrl.vq'] ?? v['ctrl.rss_ctx']
    ?? (v['ctrl.unicast'] !== undefined ? `${v['ctrl.unicast']} unicast ${v['ctrl.multicast'] ?? '?'} multicast` : undefined)
    ?? (v['ctrl.max_packets'] !== undefined ? `${v['ctrl.max_packets']} packets ${v['ctrl.usecs']} µs` : undefined)
    ?? v['ctrl.hash_types'];
  if (arg !== undefined) s += ` ${arg}`;
  if (v['ctrl.ack'] !== undefined) s += ` → ${v['ctrl.ack']}`;
  return s + truncatedNote([layer]);
}

/** Summary of any decoded payload by its first layer's protocol. */
export function summarize(layers: readonly DecodedLayer[]): string {
  const first = layers[0];
  if (!first) return 'empty';
  if (first.protocol === 'virtio-blk request') return summarizeBlk(first);
  if (first.protocol === 'virtio-net control') return summarizeNetCtrl(first);
  return summarizePacket(layers);
}
