import { type DeviceTypeName } from '../../protocol/device-type';

/** Which table a feature bit belongs to: the reserved/transport bits (§6) or a device type's bits. */
export type FeatureDevice = 'transport' | 'net' | 'blk';

/** The feature table of each device type: rng (§5.4.3) and the echo test device have no device bits. */
export const DEVICE_FEATURE_TABLE = { blk: 'blk', net: 'net', rng: 'transport', echo: 'transport' } as const satisfies Record<DeviceTypeName, FeatureDevice>;

/** One feature bit (VIRTIO 1.2 §2.2, §6, §5.x.3). */
export interface FeatureInfo {
  readonly bit: number;
  /** Primary name: the Linux uapi spelling (VIRTIO_NET_F_MRG_RXBUF, VIRTIO_RING_F_INDIRECT_DESC). */
  readonly name: string;
  /** Name without prefix (MRG_RXBUF); unique within a device table plus transport. */
  readonly short: string;
  readonly device: FeatureDevice;
  /**
   * Every other spelling drivers use: spec names (VIRTIO_F_RING_INDIRECT_DESC), legacy names
   * (VIRTIO_BLK_F_WCE), QEMU names, Rust virtio-drivers crate names (`Features::MRG_RXBUF`).
   */
  readonly aliases: readonly string[];
  /** First spec version with the bit: 'legacy', '1.0', '1.1', ... */
  readonly since: string;
  readonly meaning: string;
  /** VIRTIO 1.2 section (later versions' numbering where the bit is newer). */
  readonly section: string;
  /** Features (short names) that must also be negotiated: all of `all`, and at least one of `any`. */
  readonly requires?: { readonly all?: readonly string[]; readonly any?: readonly string[] };
  /** Features (short names) the spec says SHOULD accompany this one (not a MUST). */
  readonly recommends?: readonly string[];
  /** Only meaningful for legacy (pre-VERSION_1) devices. */
  readonly legacy?: boolean;
}
