import { BLK_FEATURES } from './features-blk';
import { NET_FEATURES } from './features-net';
import { TRANSPORT_FEATURES } from './features-transport';
import { type FeatureDevice, type FeatureInfo } from './feature-types';

export { type FeatureDevice, type FeatureInfo } from './feature-types';
export { TRANSPORT_FEATURES } from './features-transport';
export { NET_FEATURES } from './features-net';
export { BLK_FEATURES } from './features-blk';

const DEVICE_TABLES: Record<Exclude<FeatureDevice, 'transport'>, readonly FeatureInfo[]> = {
  net: NET_FEATURES,
  blk: BLK_FEATURES,
};

/**
 * Every feature a device of this type can negotiate: its own bits plus the transport (VIRTIO_F_*) bits,
 * sorted by bit. `featuresOf('transport')` is the transport bits alone.
 */
export function featuresOf(device: FeatureDevice): readonly FeatureInfo[] {
  let table = FEATURES_OF.get(device);
  if (!table) {
    table = device === 'transport' ? TRANSPORT_FEATURES : Object.freeze([...DEVICE_TABLES[device], ...TRANSPORT_FEATURES].sort((a, b) => a.bit - b.bit));
    FEATURES_OF.set(device, table);
  }
  return table;
}
/** featuresOf per device type, built once: devices ask per request (hasFeature on the hot path). */
const FEATURES_OF = new Map<FeatureDevice, readonly FeatureInfo[]>();

/**
 * The feature at `bit` for this device type (device bits and transport bits). Bit 41 is both the legacy
 * net GUEST_RSC4 and VIRTIO_F_ADMIN_VQ: the non-legacy meaning wins.
 */
export function featureByBit(device: FeatureDevice, bit: number): FeatureInfo | undefined {
  const hits = featuresOf(device).filter((f) => f.bit === bit);
  return hits.find((f) => !f.legacy) ?? hits[0];
}

const BY_SPELLING = new Map<string, FeatureInfo>();
for (const f of [...TRANSPORT_FEATURES, ...NET_FEATURES, ...BLK_FEATURES]) {
  for (const n of [f.name, ...f.aliases]) if (!BY_SPELLING.has(n)) BY_SPELLING.set(n, f);
}

/**
 * Finds a feature by any spelling: uapi name (VIRTIO_NET_F_MRG_RXBUF), spec or legacy name
 * (VIRTIO_F_RING_INDIRECT_DESC, VIRTIO_BLK_F_WCE), Rust crate name (`Features::MRG_RXBUF`), or short name
 * (MRG_RXBUF). Short names are looked up in `device` (plus transport); without a device only a short name
 * that is unique across all tables matches (MQ is both net and blk).
 */
export function featureByName(name: string, device?: FeatureDevice): FeatureInfo | undefined {
  const full = BY_SPELLING.get(name);
  if (full) return full;
  const key = `${device ?? ''}:${name}`;
  if (BY_SHORT.has(key)) return BY_SHORT.get(key);
  const pool = device ? featuresOf(device) : [...TRANSPORT_FEATURES, ...NET_FEATURES, ...BLK_FEATURES];
  const hits = pool.filter((f) => f.short === name);
  const found = hits.length === 1 ? hits[0] : undefined;
  // Names come from code (a few dozen) and from users (REPL, launch.json): the cache stays bounded.
  if (BY_SHORT.size < 4096) BY_SHORT.set(key, found);
  return found;
}
/** featureByName's answers for short names, per device type (`blk:FLUSH`). */
const BY_SHORT = new Map<string, FeatureInfo | undefined>();

/** The mask of one feature bit. */
export function featureMask(bit: number): bigint {
  return 1n << BigInt(bit);
}

/** The bitmask of features given by short name (or any spelling) for this device; unknown names are ignored. */
export function featureBits(device: FeatureDevice, names: readonly string[]): bigint {
  let bits = 0n;
  for (const n of names) {
    const f = featureByName(n, device);
    if (f) bits |= featureMask(f.bit);
  }
  return bits;
}

/** True if `bits` has the feature with this short name (or spelling) for this device. */
export function hasFeature(device: FeatureDevice, bits: bigint, name: string): boolean {
  const f = featureByName(name, device);
  return f !== undefined && (bits & featureMask(f.bit)) !== 0n;
}

/** Names of the set bits in ascending bit order (primary uapi names); unknown bits as `bit N`. */
export function featureNames(device: FeatureDevice, bits: bigint): string[] {
  const names: string[] = [];
  // Bounded: feature words go up to bit 127 (two 64-bit words in vhost-user / PCI select 0..3).
  for (let bit = 0; bit < 128 && bits >> BigInt(bit) !== 0n; bit++) {
    if ((bits & featureMask(bit)) === 0n) continue;
    names.push(featureByBit(device, bit)?.name ?? `bit ${bit}`);
  }
  return names;
}

/**
 * Features present in `bits` whose required features (§5.1.3.1 and the digest's "requires" column) are
 * absent. `missing` lists short names; an unmet "any of" group is one entry `A or B`.
 */
export function missingDependencies(device: FeatureDevice, bits: bigint): { feature: FeatureInfo; missing: string[] }[] {
  const table = featuresOf(device);
  const has = (short: string): boolean => {
    const f = table.find((t) => t.short === short);
    return f !== undefined && (bits & featureMask(f.bit)) !== 0n;
  };
  const out: { feature: FeatureInfo; missing: string[] }[] = [];
  for (const f of table) {
    if ((bits & featureMask(f.bit)) === 0n || !f.requires) continue;
    if (featureByBit(device, f.bit) !== f) continue; // the other meaning of a shared bit (41) applies
    const missing = (f.requires.all ?? []).filter((s) => !has(s));
    const any = f.requires.any ?? [];
    if (any.length > 0 && !any.some(has)) missing.push(any.join(' or '));
    if (missing.length > 0) out.push({ feature: f, missing });
  }
  return out;
}
