/** One bit of the device status field (VIRTIO 1.2 §2.1). */
export interface StatusBitInfo {
  readonly value: number;
  /** Linux uapi name (VIRTIO_CONFIG_S_ACKNOWLEDGE). */
  readonly name: string;
  /** Spec name (ACKNOWLEDGE). */
  readonly specName: string;
  /** Other spellings: FreeBSD, Rust virtio-drivers (`DeviceStatus::ACKNOWLEDGE`). */
  readonly aliases: readonly string[];
  readonly meaning: string;
  readonly section: string;
  /** First spec version with the bit. */
  readonly since: string;
}

/** Device status bits in the order a driver sets them (§3.1.1), then the error bits. */
export const STATUS_BITS: readonly StatusBitInfo[] = [
  {
    value: 1, name: 'VIRTIO_CONFIG_S_ACKNOWLEDGE', specName: 'ACKNOWLEDGE', since: '1.0',
    aliases: ['VIRTIO_CONFIG_STATUS_ACK', 'DeviceStatus::ACKNOWLEDGE'],
    meaning: 'The guest OS has found the device and recognised it as a valid virtio device.', section: '2.1',
  },
  {
    value: 2, name: 'VIRTIO_CONFIG_S_DRIVER', specName: 'DRIVER', since: '1.0',
    aliases: ['VIRTIO_CONFIG_STATUS_DRIVER', 'DeviceStatus::DRIVER'],
    meaning: 'The guest OS knows how to drive the device.', section: '2.1',
  },
  {
    value: 8, name: 'VIRTIO_CONFIG_S_FEATURES_OK', specName: 'FEATURES_OK', since: '1.0',
    aliases: ['VIRTIO_CONFIG_STATUS_FEATURES_OK', 'DeviceStatus::FEATURES_OK'],
    meaning: 'The driver has acknowledged the features it understands; feature negotiation is complete. Re-read it: a device that refuses the subset clears it.',
    section: '2.1',
  },
  {
    value: 4, name: 'VIRTIO_CONFIG_S_DRIVER_OK', specName: 'DRIVER_OK', since: '1.0',
    aliases: ['VIRTIO_CONFIG_STATUS_DRIVER_OK', 'DeviceStatus::DRIVER_OK'],
    meaning: 'The driver is set up and ready to drive the device; the device is live.', section: '2.1',
  },
  {
    value: 16, name: 'VIRTIO_CONFIG_S_SUSPEND', specName: 'SUSPEND', since: '1.4',
    aliases: [],
    meaning: 'The driver asks the device to suspend (only with VIRTIO_F_SUSPEND).', section: '2.1',
  },
  {
    value: 64, name: 'VIRTIO_CONFIG_S_NEEDS_RESET', specName: 'DEVICE_NEEDS_RESET', since: '1.0',
    aliases: ['VIRTIO_CONFIG_STATUS_NEEDS_RESET', 'DeviceStatus::DEVICE_NEEDS_RESET'],
    meaning: 'The device hit an error it cannot recover from; the driver must reset it.', section: '2.1',
  },
  {
    value: 128, name: 'VIRTIO_CONFIG_S_FAILED', specName: 'FAILED', since: '1.0',
    aliases: ['VIRTIO_CONFIG_STATUS_FAILED', 'DeviceStatus::FAILED'],
    meaning: 'Something went wrong in the guest and it has given up on the device; reset before re-initialising.',
    section: '2.1',
  },
];

/** The status bit with this value, if it is a single known bit. */
export function statusBit(value: number): StatusBitInfo | undefined {
  return STATUS_BITS.find((b) => b.value === value);
}

/** The status bit by any spelling (uapi name, spec name, alias). */
export function statusBitByName(name: string): StatusBitInfo | undefined {
  return STATUS_BITS.find((b) => b.name === name || b.specName === name || b.aliases.includes(name));
}

/** Spec names of the bits set in a status value, in the order a driver sets them (ACKNOWLEDGE, DRIVER,
 *  FEATURES_OK, DRIVER_OK, then the error bits); unknown bits as hex (`0x20`); 0 gives `[]`. */
export function statusNames(v: number): string[] {
  const names = STATUS_BITS.filter((b) => v & b.value).map((b) => b.specName);
  const known = STATUS_BITS.reduce((m, b) => m | b.value, 0);
  for (let bit = 0; bit < 8; bit++) {
    const mask = 1 << bit;
    if (v & mask & ~known) names.push(`0x${mask.toString(16)}`);
  }
  return names;
}

/** `ACKNOWLEDGE | DRIVER | FEATURES_OK` or `0 (reset)`. */
export function formatStatus(v: number): string {
  return v === 0 ? '0 (reset)' : statusNames(v).join(' | ');
}
