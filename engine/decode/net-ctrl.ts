import { NET_CTRL_ACK, NET_GUEST_OFFLOAD_BITS, NET_RSS_HASH_TYPES, bitNames, netCtrlClass, netCtrlCommand, shortName } from '../spec-tables';
import { formatMac } from '../wire/address';
import { hex, hexBytes } from '../wire/hex';
import { LayerBuilder } from '../wire/layer';
import { type DecodedField, type DecodedLayer } from '../wire/types';

export interface NetCtrlDecodeOptions {
  /** The device has written the ack (and result): decode them. */
  readonly completed?: boolean;
  /** Offset of `readable` in the caller's view; the writable part follows it. */
  readonly base?: number;
}

/** At most this many MAC addresses per table and stats queries are listed (entries is guest-controlled). */
const MAX_LISTED = 64;

/**
 * Decodes a virtio-net control command (VIRTIO 1.2 §5.1.6.5) from its device-readable bytes
 * {u8 class; u8 command; data} and device-writable bytes {u8 ack; result}. Values: `ctrl.class` ("MQ"),
 * `ctrl.command` ("VQ_PAIRS_SET"), `ctrl.ack` ("OK"/"ERR", when completed) and per command: `ctrl.on`,
 * `ctrl.mac`, `ctrl.unicast`/`ctrl.multicast` (counts), `ctrl.vlan`, `ctrl.pairs`, `ctrl.offloads`,
 * `ctrl.hash_types`, `ctrl.max_packets`/`ctrl.usecs`/`ctrl.vq`, `ctrl.rss_ctx`, `ctrl.queries`.
 */
export function decodeNetCtrl(readable: Uint8Array, writable: Uint8Array = new Uint8Array(0), opts: NetCtrlDecodeOptions = {}): DecodedLayer {
  const base = opts.base ?? 0;
  const b = new LayerBuilder('virtio-net control', readable, readable.length, 'ctrl.');
  const d = new Data(b, base);
  if (!b.need(0, 2)) return b.build();
  const classValue = b.u8(0);
  const commandValue = b.u8(1);
  const cls = netCtrlClass(classValue);
  const cmd = netCtrlCommand(classValue, commandValue);
  const className = cls?.short ?? `unknown (${classValue})`;
  const cmdName = cmd?.short ?? `unknown (${commandValue})`;
  b.add('class', `${cls?.name ?? 'unknown'} (${classValue})`, base, 1, className);
  b.add('command', `${cmd?.name ?? 'unknown'} (${commandValue})`, base + 1, 1, cmdName);
  b.set('class', className);
  b.set('command', cmdName);
  if (!cls) b.fail(`unknown control class ${classValue}`);
  else if (!cmd) b.fail(`unknown command ${commandValue} of class ${cls.short}`);

  const used = cmd ? decodeData(d, cls!.short, cmd.short) : 0;
  if (readable.length > 2 + used && b.error === undefined) {
    b.add('extra bytes', hexBytes(readable, 2 + used, readable.length), base + 2 + used, readable.length - 2 - used, readable.length - 2 - used);
  }

  const wbase = base + readable.length;
  if (opts.completed) {
    if (writable.length === 0) {
      b.fail('no ack byte: the command has no device-writable buffer');
    } else {
      const ack = shortName(NET_CTRL_ACK, writable[0]!);
      b.add('ack', `${ack} (${writable[0]})`, wbase, 1, ack);
      b.set('ack', ack);
      if (writable.length > 1) decodeResult(b, cls?.short, cmd?.short, writable, wbase);
    }
  } else if (writable.length > 0) {
    b.add('ack', 'pending', wbase, 1);
  }
  return b.build();
}

/** Reads command-specific data after the 2-byte class/command; truncation recorded on the layer. */
class Data {
  constructor(readonly b: LayerBuilder, readonly base: number) {}

  /** Reads an unsigned little-endian integer of `size` bytes at data offset `at`, adds a field, sets a value. */
  int(at: number, size: 1 | 2 | 4, label: string, key?: string, show?: (v: number) => string): number | undefined {
    const o = 2 + at;
    if (!this.b.need(o, size)) return undefined;
    const v = size === 1 ? this.b.u8(o) : size === 2 ? this.b.u16le(o) : this.b.u32le(o);
    this.b.add(label, show ? show(v) : String(v), this.base + o, size, v);
    if (key) this.b.set(key, v);
    return v;
  }
}

function hashTypes(v: number): string {
  return bitNames(NET_RSS_HASH_TYPES, v).join(' | ') || '0';
}

/** Decodes the data of one command; returns the number of data bytes it accounts for. */
function decodeData(d: Data, cls: string, cmd: string): number {
  const b = d.b;
  switch (`${cls}.${cmd}`) {
    case 'RX.PROMISC': case 'RX.ALLMULTI': case 'RX.ALLUNI': case 'RX.NOMULTI': case 'RX.NOUNI': case 'RX.NOBCAST': {
      const v = d.int(0, 1, 'on', undefined, (x) => (x === 0 ? 'off (0)' : x === 1 ? 'on (1)' : `${x} (invalid)`));
      if (v !== undefined) b.set('on', v !== 0);
      return 1;
    }
    case 'MAC.TABLE_SET':
      return macTables(d);
    case 'MAC.ADDR_SET':
      if (b.need(2, 6)) {
        const mac = formatMac(b.bytes, 2);
        b.add('mac', mac, d.base + 2, 6, mac);
        b.set('mac', mac);
      }
      return 6;
    case 'VLAN.ADD': case 'VLAN.DEL': {
      const v = d.int(0, 2, 'vlan id', 'vlan');
      if (v !== undefined && v > 4095) b.fail(`VLAN id ${v} is above 4095`);
      return 2;
    }
    case 'ANNOUNCE.ACK':
    case 'STATS.QUERY':
    case 'RSS_CTX.CAP_GET':
      return 0;
    case 'MQ.VQ_PAIRS_SET':
      d.int(0, 2, 'virtqueue_pairs', 'pairs');
      return 2;
    case 'MQ.RSS_CONFIG':
      return rssConfig(d, 0);
    case 'MQ.HASH_CONFIG': {
      d.int(0, 4, 'hash_types', undefined, (v) => `${hashTypes(v)} (${hex(v)})`);
      if (b.need(2, 4)) b.set('hash_types', hashTypes(b.u32le(2)));
      if (!b.need(2 + 4, 8)) return 12;
      b.add('reserved', hexBytes(b.bytes, 6, 14), d.base + 6, 8);
      const klen = d.int(12, 1, 'hash_key_length', 'key_len');
      if (klen === undefined) return 13;
      if (b.need(2 + 13, klen)) b.add('hash_key_data', hexBytes(b.bytes, 15, 15 + klen), d.base + 15, klen);
      return 13 + klen;
    }
    case 'GUEST_OFFLOADS.SET': {
      if (!b.need(2, 8)) return 8;
      const v = b.u64le(2);
      const names = NET_GUEST_OFFLOAD_BITS.filter((o) => (v >> BigInt(o.bit)) & 1n).map((o) => o.feature);
      const known = NET_GUEST_OFFLOAD_BITS.reduce((m, o) => m | (1n << BigInt(o.bit)), 0n);
      const unknown = v & ~known;
      const text = [...names, ...(unknown ? [`unknown ${hex(unknown)}`] : [])].join(' | ') || 'none';
      b.add('offloads', `${text} (${hex(v)})`, d.base + 2, 8, hex(v));
      b.set('offloads', text);
      return 8;
    }
    case 'NOTF_COAL.TX_SET': case 'NOTF_COAL.RX_SET': {
      const dir = cmd === 'TX_SET' ? 'tx' : 'rx';
      d.int(0, 4, `${dir}_max_packets`, 'max_packets');
      d.int(4, 4, `${dir}_usecs`, 'usecs');
      return 8;
    }
    case 'NOTF_COAL.VQ_SET':
      d.int(0, 2, 'vq_index', 'vq');
      d.int(2, 2, 'reserved');
      d.int(4, 4, 'max_packets', 'max_packets');
      d.int(8, 4, 'max_usecs', 'usecs');
      return 12;
    case 'NOTF_COAL.VQ_GET':
      d.int(0, 2, 'vq_index', 'vq');
      return 2;
    case 'HASH_TUNNEL.SET':
      d.int(0, 4, 'enabled_tunnel_types', 'tunnel_types', (v) => hex(v));
      return 4;
    case 'STATS.GET':
      return statsQueries(d);
    case 'RSS_CTX.ADD': case 'RSS_CTX.MOD': {
      if (d.int(0, 2, 'rss_ctx_id', 'rss_ctx') === undefined) return 2;
      return 2 + rssConfig(d, 2);
    }
    case 'RSS_CTX.DEL':
      d.int(0, 2, 'rss_ctx_id', 'rss_ctx');
      return 2;
    default:
      return 0;
  }
}

/** Two struct virtio_net_ctrl_mac {le32 entries; u8 macs[entries][6]}: unicast then multicast. */
function macTables(d: Data): number {
  const b = d.b;
  let at = 2;
  for (const which of ['unicast', 'multicast']) {
    if (!b.need(at, 4)) return at - 2;
    const entries = b.u32le(at);
    const children: DecodedField[] = [];
    const fit = Math.min(entries, Math.floor((b.end - at - 4) / 6));
    for (let i = 0; i < Math.min(fit, MAX_LISTED); i++) {
      const o = at + 4 + 6 * i;
      children.push({ label: `[${i}]`, value: formatMac(b.bytes, o), raw: formatMac(b.bytes, o), offset: d.base + o, size: 6 });
    }
    b.add(`${which} table`, `${entries} entr${entries === 1 ? 'y' : 'ies'}`, d.base + at, 4 + 6 * fit, entries, children);
    b.set(which, entries);
    if (fit < entries) {
      b.truncated();
      return b.end - 2;
    }
    at += 4 + 6 * entries;
  }
  return at - 2;
}

/** struct virtio_net_rss_config at data offset `at`; returns its size in bytes (as far as it could be read). */
function rssConfig(d: Data, at: number): number {
  const b = d.b;
  const types = d.int(at, 4, 'hash_types', undefined, (v) => `${hashTypes(v)} (${hex(v)})`);
  if (types === undefined) return 4;
  b.set('hash_types', hashTypes(types));
  const mask = d.int(at + 4, 2, 'indirection_table_mask');
  d.int(at + 6, 2, 'unclassified_queue', 'unclassified');
  if (mask === undefined) return 8;
  const n = mask + 1;
  b.set('table_len', n);
  if (((n & mask) !== 0)) b.fail(`indirection_table_mask ${hex(mask)} is not a power of two minus one`);
  const o = 2 + at + 8;
  if (!b.need(o, 2 * n)) return 8 + 2 * n;
  const shown: string[] = [];
  for (let i = 0; i < Math.min(n, MAX_LISTED); i++) shown.push(String(b.u16le(o + 2 * i)));
  b.add('indirection_table', `[${shown.join(', ')}${n > MAX_LISTED ? ', …' : ''}]`, d.base + o, 2 * n, n);
  d.int(at + 8 + 2 * n, 2, 'max_tx_vq', 'max_tx_vq');
  const klen = d.int(at + 10 + 2 * n, 1, 'hash_key_length', 'key_len');
  if (klen === undefined) return 11 + 2 * n;
  const ko = 2 + at + 11 + 2 * n;
  if (b.need(ko, klen)) b.add('hash_key_data', hexBytes(b.bytes, ko, ko + klen), d.base + ko, klen);
  return 11 + 2 * n + klen;
}

/** STATS_GET: 16-byte queries {le16 vq_index; le16 reserved[3]; le64 types_bitmap}. */
function statsQueries(d: Data): number {
  const b = d.b;
  const count = Math.floor((b.end - 2) / 16);
  const children: DecodedField[] = [];
  for (let i = 0; i < Math.min(count, MAX_LISTED); i++) {
    const o = 2 + 16 * i;
    children.push({ label: `[${i}]`, value: `vq ${b.u16le(o)} types ${hex(b.u64le(o + 8))}`, offset: d.base + o, size: 16 });
  }
  b.add('queries', String(count), d.base + 2, 16 * count, count, children);
  b.set('queries', count);
  if ((b.end - 2) % 16 !== 0) b.truncated();
  return b.end - 2;
}

function decodeResult(b: LayerBuilder, cls: string | undefined, cmd: string | undefined, w: Uint8Array, wbase: number): void {
  const r = new LayerBuilder('result', w);
  if (cls === 'NOTF_COAL' && cmd === 'VQ_GET' && r.need(1, 8)) {
    b.add('result max_packets', String(r.u32le(1)), wbase + 1, 4, r.u32le(1));
    b.add('result max_usecs', String(r.u32le(5)), wbase + 5, 4, r.u32le(5));
  } else if (cls === 'RSS_CTX' && cmd === 'CAP_GET' && r.need(1, 2)) {
    b.add('result max_rss_contexts', String(r.u16le(1)), wbase + 1, 2, r.u16le(1));
  } else {
    b.add('result', hexBytes(w, 1, w.length), wbase + 1, w.length - 1);
  }
}
