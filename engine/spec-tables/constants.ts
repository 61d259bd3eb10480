import { BLK_CONFIG, BLK_ID_BYTES, BLK_PRE_EOL, BLK_REQUEST_TYPES, BLK_SECTOR_SIZE, BLK_STATUS, BLK_T_BARRIER, BLK_WRITE_ZEROES_FLAG_UNMAP, BLK_ZONED_MODELS } from './blk';
import { type ConfigField } from './config';
import { DEVICE_IDS } from './device-ids';
import { BLK_FEATURES, NET_FEATURES, TRANSPORT_FEATURES } from './features';
import { MMIO_CONFIG_OFFSET, MMIO_INTERRUPT_BITS, MMIO_MAGIC, MMIO_REGISTERS } from './mmio';
import { type NamedValue } from './named';
import {
  NET_CONFIG, NET_CTRL_ACK, NET_CTRL_CLASSES, NET_CTRL_COMMANDS, NET_GSO_TYPES, NET_HASH_REPORTS, NET_HDR_FIELDS, NET_HDR_FLAGS,
  NET_RSS_HASH_TYPES, NET_STATUS_BITS,
} from './net';
import { PCI_CAP_TYPES, PCI_COMMON_CFG, PCI_ISR_BITS } from './pci';
import { RING_BIT_NUMBERS, RING_FLAGS } from './ring';
import { STATUS_BITS } from './status';

/** What kind of constant an entry of {@link allConstants} is. */
export type ConstantKind =
  | 'feature' | 'status' | 'ring-flag' | 'ring-bit-number'
  | 'blk-request-type' | 'blk-status' | 'blk-pre-eol' | 'blk-zoned-model' | 'blk-constant'
  | 'net-hdr-flag' | 'net-gso-type' | 'net-hash-report' | 'net-hash-type' | 'net-status'
  | 'net-ctrl-class' | 'net-ctrl-command' | 'net-ctrl-ack'
  | 'config-field' | 'net-hdr-field' | 'device-id'
  | 'pci-cap' | 'pci-common-cfg' | 'pci-isr' | 'mmio-register' | 'mmio-interrupt' | 'mmio-constant';

/** One named constant, flat, for the language server (hover, completion, inlay hints). */
export interface ConstantInfo {
  /** The primary spelling (Linux uapi where it exists); struct members as `virtio_blk_config.capacity`. */
  readonly name: string;
  readonly aliases: readonly string[];
  /**
   * The value the name stands for in C: a bit NUMBER for feature bits (VIRTIO_NET_F_MRG_RXBUF = 15), a mask
   * for flags, an offset for struct members and registers.
   */
  readonly value: number;
  readonly kind: ConstantKind;
  readonly device?: 'transport' | 'net' | 'blk';
  readonly meaning: string;
  readonly section: string;
  /** Feature short names it depends on: required features of a feature bit, gating features otherwise. */
  readonly features?: readonly string[];
  /** Grouping within a kind: the ring flag word, the ctrl class, the struct name. */
  readonly group?: string;
}

function named(rows: readonly NamedValue[], kind: ConstantKind, device?: ConstantInfo['device'], group?: string): ConstantInfo[] {
  return rows.map((r) => ({
    name: r.name, aliases: r.aliases, value: r.value, kind, meaning: r.meaning, section: r.section,
    ...(device ? { device } : {}), ...(group ? { group } : {}),
  }));
}

function fields(struct: string, rows: readonly ConfigField[], kind: ConstantKind, device: ConstantInfo['device']): ConstantInfo[] {
  return rows.map((f) => ({
    name: `${struct}.${f.name}`, aliases: [], value: f.offset, kind, device, group: struct,
    meaning: `${f.description} (offset ${f.offset}, ${f.size} byte${f.size === 1 ? '' : 's'}${f.driverWritable ? ', driver-writable' : ''})`,
    section: f.section, ...(f.features ? { features: f.features } : {}),
  }));
}

function build(): ConstantInfo[] {
  const out: ConstantInfo[] = [];
  for (const f of [...TRANSPORT_FEATURES, ...NET_FEATURES, ...BLK_FEATURES]) {
    const deps = [...(f.requires?.all ?? []), ...(f.requires?.any ?? [])];
    out.push({
      name: f.name, aliases: f.aliases, value: f.bit, kind: 'feature', device: f.device, section: f.section,
      meaning: `${f.legacy ? 'Legacy. ' : ''}${f.meaning} (bit ${f.bit}, since ${f.since})`, ...(deps.length ? { features: deps } : {}),
    });
  }
  for (const s of STATUS_BITS) {
    out.push({ name: s.name, aliases: [s.specName, ...s.aliases], value: s.value, kind: 'status', meaning: s.meaning, section: s.section });
  }
  for (const r of RING_FLAGS) {
    out.push({ name: r.name, aliases: r.aliases, value: r.value, kind: 'ring-flag', group: r.kind, meaning: r.meaning, section: r.section });
  }
  for (const r of RING_BIT_NUMBERS) out.push({ name: r.name, aliases: [], value: r.bit, kind: 'ring-bit-number', meaning: r.meaning, section: r.section });

  for (const r of BLK_REQUEST_TYPES) {
    out.push({
      name: r.name, aliases: r.aliases, value: r.value, kind: 'blk-request-type', device: 'blk', section: r.section,
      meaning: `${r.legacy ? 'Legacy. ' : ''}${r.meaning}`, ...(r.feature ? { features: [r.feature] } : {}),
    });
  }
  out.push(...named(BLK_STATUS, 'blk-status', 'blk'), ...named(BLK_PRE_EOL, 'blk-pre-eol', 'blk'), ...named(BLK_ZONED_MODELS, 'blk-zoned-model', 'blk'));
  out.push(
    { name: 'VIRTIO_BLK_T_BARRIER', aliases: [], value: BLK_T_BARRIER, kind: 'blk-constant', device: 'blk', meaning: 'Legacy barrier flag OR-ed into the request type.', section: '5.2.6.3' },
    { name: 'VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP', aliases: [], value: BLK_WRITE_ZEROES_FLAG_UNMAP, kind: 'blk-constant', device: 'blk', meaning: 'Segment flag: the device may unmap (deallocate) the zeroed sectors; must be 0 for DISCARD.', section: '5.2.6' },
    { name: 'VIRTIO_BLK_ID_BYTES', aliases: [], value: BLK_ID_BYTES, kind: 'blk-constant', device: 'blk', meaning: 'Length of the GET_ID answer.', section: '5.2.6' },
    { name: 'VIRTIO_BLK_SECTOR_SIZE', aliases: ['SECTOR_SIZE'], value: BLK_SECTOR_SIZE, kind: 'blk-constant', device: 'blk', meaning: 'Bytes per sector in sector and capacity, whatever blk_size says.', section: '5.2.4' },
  );

  out.push(
    ...named(NET_HDR_FLAGS, 'net-hdr-flag', 'net'), ...named(NET_GSO_TYPES, 'net-gso-type', 'net'),
    ...named(NET_HASH_REPORTS, 'net-hash-report', 'net'), ...named(NET_RSS_HASH_TYPES, 'net-hash-type', 'net'),
    ...named(NET_STATUS_BITS, 'net-status', 'net'), ...named(NET_CTRL_ACK, 'net-ctrl-ack', 'net'),
  );
  for (const c of NET_CTRL_CLASSES) {
    out.push({ name: c.name, aliases: c.aliases, value: c.value, kind: 'net-ctrl-class', device: 'net', meaning: c.meaning, section: c.section, features: c.features });
  }
  for (const c of NET_CTRL_COMMANDS) {
    out.push({
      name: c.name, aliases: c.aliases, value: c.value, kind: 'net-ctrl-command', device: 'net', group: c.classShort, section: c.section,
      meaning: `${c.meaning} Data: ${c.data}.${c.result ? ` Result: ${c.result}.` : ''}`, features: c.features,
    });
  }

  out.push(...fields('virtio_blk_config', BLK_CONFIG, 'config-field', 'blk'), ...fields('virtio_net_config', NET_CONFIG, 'config-field', 'net'));
  out.push(...fields('virtio_net_hdr', NET_HDR_FIELDS, 'net-hdr-field', 'net'));

  for (const d of DEVICE_IDS) {
    if (d.constant) out.push({ name: d.constant, aliases: [], value: d.id, kind: 'device-id', meaning: `Device ID ${d.id}: ${d.name}.`, section: '5' });
  }
  out.push(...named(PCI_CAP_TYPES, 'pci-cap'), ...named(PCI_ISR_BITS, 'pci-isr'), ...named(MMIO_INTERRUPT_BITS, 'mmio-interrupt'));
  for (const r of PCI_COMMON_CFG) {
    out.push({
      name: r.constant, aliases: [`virtio_pci_common_cfg.${r.name}`], value: r.offset, kind: 'pci-common-cfg', group: 'virtio_pci_common_cfg',
      meaning: `${r.meaning} (${r.width} bytes, ${r.access})`, section: r.section,
    });
  }
  for (const r of MMIO_REGISTERS) {
    out.push({
      name: r.constant, aliases: [r.name], value: r.offset, kind: 'mmio-register',
      meaning: `${r.legacy ? 'Legacy. ' : ''}${r.meaning} (${r.access})`, section: r.section,
    });
  }
  out.push(
    { name: 'VIRTIO_MMIO_CONFIG', aliases: ['Config'], value: MMIO_CONFIG_OFFSET, kind: 'mmio-register', meaning: 'Start of the device-specific configuration space.', section: '4.2.2' },
    { name: 'VIRTIO_MMIO_MAGIC', aliases: [], value: MMIO_MAGIC, kind: 'mmio-constant', meaning: 'MagicValue "virt" (0x74726976).', section: '4.2.2' },
  );

  // A name appears once: packed descriptors reuse the split NEXT/WRITE/INDIRECT names.
  const seen = new Set<string>();
  return out.filter((c) => (seen.has(c.name) ? false : (seen.add(c.name), true)));
}

let cache: readonly ConstantInfo[] | undefined;

/** Every named constant of the tables, one flat list (built once). */
export function allConstants(): readonly ConstantInfo[] {
  cache ??= build();
  return cache;
}
