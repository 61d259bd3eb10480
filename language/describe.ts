/**
 * Markdown documentation of a constant, shared by hover and completion: value (decimal, hex; bit number
 * for features), meaning, device, dependencies and spec section.
 */
import { type ConstantInfo, type ConstantKind, featureByName, type FeatureInfo } from '../engine/spec-tables';
import { hex } from '../engine/wire/hex';
import { type SymbolHit } from './symbol-index';
import { VIRTIO_SPEC_URL } from '../protocol/spec-links';

const KIND_LABELS: Record<ConstantKind, string> = {
  feature: 'feature bit',
  status: 'device status bit',
  'ring-flag': 'ring flag',
  'ring-bit-number': 'ring flag bit number',
  'blk-request-type': 'blk request type',
  'blk-status': 'blk request status',
  'blk-pre-eol': 'blk lifetime pre-EOL value',
  'blk-zoned-model': 'blk zoned model',
  'blk-constant': 'blk constant',
  'net-hdr-flag': 'virtio_net_hdr flag',
  'net-gso-type': 'virtio_net_hdr gso_type',
  'net-hash-report': 'virtio_net_hdr hash report',
  'net-hash-type': 'net RSS hash type',
  'net-status': 'net config status bit',
  'net-ctrl-class': 'net control class',
  'net-ctrl-command': 'net control command',
  'net-ctrl-ack': 'net control ack',
  'config-field': 'device config field',
  'net-hdr-field': 'virtio_net_hdr field',
  'device-id': 'device ID',
  'pci-cap': 'PCI capability type',
  'pci-common-cfg': 'PCI common config field',
  'pci-isr': 'PCI ISR bit',
  'mmio-register': 'MMIO register',
  'mmio-interrupt': 'MMIO interrupt bit',
  'mmio-constant': 'MMIO constant',
};

const RING_GROUP_LABELS: Record<string, string> = {
  desc: 'descriptor flag',
  'packed-desc': 'packed descriptor flag',
  avail: 'available ring flag',
  used: 'used ring flag',
  event: 'packed event suppression value',
};

/** `transport` only ever qualifies feature bits (VIRTIO_F_*: the same for every device). */
const DEVICE_LABELS: Record<NonNullable<ConstantInfo['device']>, string> = { net: 'virtio-net', blk: 'virtio-blk', transport: 'transport' };

/** Kinds whose value is a single-bit mask. */
const MASK_KINDS = new Set<ConstantKind>(['status', 'ring-flag', 'net-hdr-flag', 'net-status', 'net-hash-type', 'pci-isr', 'mmio-interrupt']);
/** Kinds whose value is an offset into a structure or register block. */
const OFFSET_KINDS = new Set<ConstantKind>(['config-field', 'net-hdr-field', 'pci-common-cfg', 'mmio-register']);

function bitOf(mask: number): number | undefined {
  for (let b = 0; b < 32; b++) if (2 ** b === mask) return b;
  return undefined;
}

/** The feature table row behind a feature constant (for since / requires / recommends). */
export function featureOf(info: ConstantInfo): FeatureInfo | undefined {
  return info.kind === 'feature' ? featureByName(info.name) : undefined;
}

/** One line: what kind of constant, for which device. */
export function kindLine(info: ConstantInfo): string {
  const kind = info.kind === 'ring-flag' && info.group ? (RING_GROUP_LABELS[info.group] ?? KIND_LABELS[info.kind]) : KIND_LABELS[info.kind];
  // Kinds named after their device (blk request type, virtio_net_hdr flag) need no device prefix.
  if (/^(blk|net)-/.test(info.kind)) return kind;
  const device = info.device ? DEVICE_LABELS[info.device] : undefined;
  return device ? `${device} ${kind}` : kind;
}

/** The value line: `bit 15 · mask 0x8000` for a C feature name, `mask 0x8000 = 1 << 15` for a Rust one. */
export function valueLine(hit: SymbolHit): string {
  const { info } = hit;
  const v = info.value;
  if (info.kind === 'feature') {
    const mask = hex(1n << BigInt(v));
    return hit.style === 'rust' ? `mask \`${mask}\` = \`1 << ${v}\` (bit ${v})` : `bit ${v} · mask \`${mask}\` (\`1ULL << ${v}\`)`;
  }
  if (info.kind === 'ring-bit-number') return `bit number ${v} (mask \`${hex(1 << v)}\`)`;
  if (OFFSET_KINDS.has(info.kind)) return `offset ${v} (\`${hex(v)}\`)`;
  const bit = MASK_KINDS.has(info.kind) ? bitOf(v) : undefined;
  return `value ${v} (\`${hex(v)}\`)${bit !== undefined ? ` · bit ${bit}` : ''}`;
}

/** Dependencies: required features of a feature bit, gating features of anything else. */
export function dependencyLine(info: ConstantInfo): string | undefined {
  const f = featureOf(info);
  if (f) {
    const parts: string[] = [];
    if (f.requires?.all?.length) parts.push(`requires ${f.requires.all.join(' and ')}`);
    if (f.requires?.any?.length) parts.push(`requires one of ${f.requires.any.join(', ')}`);
    if (f.recommends?.length) parts.push(`should come with ${f.recommends.join(', ')}`);
    return parts.length ? parts.join('; ') : undefined;
  }
  if (!info.features?.length) return undefined;
  const list = info.features.join(' or ');
  if (OFFSET_KINDS.has(info.kind)) return `exists if ${list} is offered`;
  return `needs feature ${list}`;
}

/** The full Markdown documentation of one constant. */
export function describe(hit: SymbolHit): string {
  const { info } = hit;
  const f = featureOf(info);
  const lines = [`**${hit.spelling}** — ${kindLine(info)}`, '', valueLine(hit), ''];
  lines.push(f ? `${f.legacy ? 'Legacy. ' : ''}${f.meaning}` : info.meaning);
  const deps = dependencyLine(info);
  const facts: string[] = [];
  if (deps) facts.push(`Dependencies: ${deps}`);
  if (f) facts.push(`Since: VIRTIO ${f.since}`);
  facts.push(`Spec: [§${info.section}](${VIRTIO_SPEC_URL}) (VIRTIO 1.3)`);
  const others = [info.name, ...info.aliases].filter((s) => s !== hit.spelling && (s.includes('_') || s.includes('::')));
  if (others.length) facts.push(`Also: ${others.map((s) => `\`${s}\``).join(', ')}`);
  lines.push('', facts.join('  \n'));
  return lines.join('\n');
}

/** Short detail for completion lists: `bit 15 · virtio-net feature bit`. */
export function detail(hit: SymbolHit): string {
  return `${valueLine(hit).replace(/`/g, '')} · ${kindLine(hit.info)}`;
}
