/**
 * Decodes a numeric literal in a recognised context with the engine's tables: `0xf` as a status write is
 * ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK, `3` as descriptor flags is NEXT | WRITE.
 */
import {
  BLK_T_BARRIER, blkRequestType, blkStatus, featureByBit, formatFlags, formatGsoType, NET_GSO_TYPES, NET_HDR_FLAGS, netCtrlClass,
  netCtrlCommand, RING_FLAGS, type RingFlagKind, STATUS_BITS,
} from '../engine/spec-tables';
import { type LiteralContext } from './literal-context';
import { hex } from '../engine/wire/hex';

export interface DecodedPart {
  readonly name: string;
  readonly meaning: string;
  readonly section: string;
}

export interface Decoded {
  /** The inlay hint text: `ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK`. */
  readonly label: string;
  /** What the literal is: `device status`, `descriptor flags`. */
  readonly title: string;
  /** Each named part with its meaning, for the hover. */
  readonly parts: readonly DecodedPart[];
}

/** Bits of `value` not covered by `known`, as hex masks. */
function unknownBits(value: number, known: number): string[] {
  const out: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    const mask = 2 ** bit;
    if (Math.floor(value / mask) % 2 === 1 && Math.floor(known / mask) % 2 === 0) out.push(hex(mask));
  }
  return out;
}

export function decodeLiteral(ctx: LiteralContext, raw: bigint): Decoded | undefined {
  if (raw < 0n || raw > 0xffffffffn) return ctx.kind === 'feature-mask' ? decodeFeatureMask(ctx.device, raw) : undefined;
  const v = Number(raw);
  switch (ctx.kind) {
    case 'status':
      return decodeStatus(v);
    case 'ring-flags':
      return decodeRingFlags(ctx.ring, v);
    case 'net-hdr-flags': {
      if (v > 0xff) return undefined;
      const parts = NET_HDR_FLAGS.filter((f) => (v & f.value) !== 0);
      const extra = unknownBits(v, parts.reduce((m, f) => m | f.value, 0));
      const label = v === 0 ? '0' : [...parts.map((p) => p.short), ...extra].join(' | ');
      return { label, title: 'virtio_net_hdr flags', parts: parts.map((p) => ({ name: p.name, meaning: p.meaning, section: p.section })) };
    }
    case 'gso-type': {
      if (v > 0xff) return undefined;
      const flagBits = NET_GSO_TYPES.filter((g) => g.value >= 0x20).reduce((m, g) => m | g.value, 0);
      const parts = NET_GSO_TYPES.filter((g) => (g.value >= 0x20 ? (v & g.value) !== 0 : g.value === (v & ~flagBits)));
      return { label: formatGsoType(v), title: 'virtio_net_hdr gso_type', parts: parts.map((p) => ({ name: p.name, meaning: p.meaning, section: p.section })) };
    }
    case 'blk-type': {
      const barrier = v >= BLK_T_BARRIER;
      const t = blkRequestType(barrier ? v - BLK_T_BARRIER : v);
      if (!t) return { label: `unknown request type (${v})`, title: 'virtio-blk request type', parts: [] };
      const label = barrier ? `${t.short} | BARRIER` : t.short;
      return { label, title: 'virtio-blk request type', parts: [{ name: t.name, meaning: t.meaning, section: t.section }] };
    }
    case 'blk-status': {
      const s = blkStatus(v);
      return s
        ? { label: s.short, title: 'virtio-blk request status', parts: [{ name: s.name, meaning: s.meaning, section: s.section }] }
        : { label: `unknown status (${v})`, title: 'virtio-blk request status', parts: [] };
    }
    case 'ctrl-class': {
      const c = netCtrlClass(v);
      return c ? { label: c.short, title: 'virtio-net control class', parts: [{ name: c.name, meaning: c.meaning, section: c.section }] } : undefined;
    }
    case 'ctrl-command': {
      const c = netCtrlCommand(ctx.classValue, v);
      return c ? { label: c.short, title: `virtio-net control command (class ${c.classShort})`, parts: [{ name: c.name, meaning: c.meaning, section: c.section }] } : undefined;
    }
    case 'feature-bit': {
      // Without a known device only the transport bits (the same for every device) are certain.
      const f = featureByBit(ctx.device ?? 'transport', v);
      return f ? { label: f.name, title: `feature bit ${v}`, parts: [{ name: f.name, meaning: f.meaning, section: f.section }] } : undefined;
    }
    case 'feature-mask':
      return decodeFeatureMask(ctx.device, raw);
  }
}

/** Status bits in the order a driver sets them (the table's order), then unknown bits. */
function decodeStatus(v: number): Decoded | undefined {
  if (v > 0xff) return undefined;
  if (v === 0) return { label: '0 (reset)', title: 'device status', parts: [] };
  const parts = STATUS_BITS.filter((b) => (v & b.value) !== 0);
  const extra = unknownBits(v, parts.reduce((m, b) => m | b.value, 0));
  return {
    label: [...parts.map((b) => b.specName), ...extra].join(' | '),
    title: 'device status',
    parts: parts.map((b) => ({ name: b.name, meaning: b.meaning, section: b.section })),
  };
}

function decodeRingFlags(kind: RingFlagKind, v: number): Decoded | undefined {
  if (v > 0xffff) return undefined;
  // AVAIL (0x80) and USED (0x8000) exist only in packed descriptors.
  const ring: RingFlagKind = kind === 'desc' && v > 0x7 ? 'packed-desc' : kind;
  const flags = RING_FLAGS.filter((f) => f.kind === ring);
  const parts = ring === 'event' ? flags.filter((f) => f.value === (v & 3)) : flags.filter((f) => (v & f.value) !== 0);
  const titles: Record<RingFlagKind, string> = {
    desc: 'descriptor flags',
    'packed-desc': 'packed descriptor flags',
    avail: 'available ring flags',
    used: 'used ring flags',
    event: 'event suppression flags',
  };
  return { label: formatFlags(ring, v), title: titles[ring], parts: parts.map((f) => ({ name: f.name, meaning: f.meaning, section: f.section })) };
}

function decodeFeatureMask(device: 'net' | 'blk' | 'transport', mask: bigint): Decoded | undefined {
  if (mask <= 0n || mask >> 128n !== 0n) return undefined;
  const parts: DecodedPart[] = [];
  const names: string[] = [];
  for (let bit = 0; bit < 128 && mask >> BigInt(bit) !== 0n; bit++) {
    if (((mask >> BigInt(bit)) & 1n) === 0n) continue;
    const f = featureByBit(device, bit);
    names.push(f ? f.short : `bit ${bit}`);
    if (f) parts.push({ name: f.name, meaning: f.meaning, section: f.section });
  }
  return { label: names.join(' | '), title: 'feature mask', parts };
}
