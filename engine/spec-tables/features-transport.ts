import { type FeatureInfo } from './feature-types';

/** Rust virtio-drivers spellings of a transport bit: `Feature::X` and `BlkFeature::X` (+ `Features::X` for net). */
function rust(member: string, inNetCrate = false): string[] {
  return [`Feature::${member}`, `BlkFeature::${member}`, ...(inNetCrate ? [`Features::${member}`] : [])];
}

/** Reserved / transport feature bits (VIRTIO 1.2 §6; digest §2). Primary names are Linux uapi names. */
export const TRANSPORT_FEATURES: readonly FeatureInfo[] = [
  {
    bit: 24, name: 'VIRTIO_F_NOTIFY_ON_EMPTY', short: 'NOTIFY_ON_EMPTY', device: 'transport', since: 'legacy', legacy: true,
    aliases: rust('NOTIFY_ON_EMPTY'),
    meaning: 'Legacy: the device notifies when a queue runs empty even if notifications are suppressed.',
    section: '6.3',
  },
  {
    bit: 27, name: 'VIRTIO_F_ANY_LAYOUT', short: 'ANY_LAYOUT', device: 'transport', since: 'legacy', legacy: true,
    aliases: rust('ANY_LAYOUT'),
    meaning: 'Legacy: the device accepts any descriptor layout (message framing); implied by VERSION_1.',
    section: '6.3',
  },
  {
    bit: 28, name: 'VIRTIO_RING_F_INDIRECT_DESC', short: 'INDIRECT_DESC', device: 'transport', since: '1.0',
    aliases: ['VIRTIO_F_INDIRECT_DESC', 'VIRTIO_F_RING_INDIRECT_DESC', ...rust('RING_INDIRECT_DESC', true)],
    meaning: 'The driver may use descriptors with VIRTQ_DESC_F_INDIRECT (indirect descriptor tables).',
    section: '6',
  },
  {
    bit: 29, name: 'VIRTIO_RING_F_EVENT_IDX', short: 'EVENT_IDX', device: 'transport', since: '1.0',
    aliases: ['VIRTIO_F_EVENT_IDX', 'VIRTIO_F_RING_EVENT_IDX', ...rust('RING_EVENT_IDX', true)],
    meaning: 'Enables used_event / avail_event (split ring) and RING_EVENT_FLAGS_DESC (packed ring) notification suppression.',
    section: '6',
  },
  {
    bit: 30, name: 'VIRTIO_F_BAD_FEATURE', short: 'BAD_FEATURE', device: 'transport', since: 'legacy', legacy: true,
    aliases: rust('UNUSED'),
    meaning: 'Not in the spec: QEMU/Linux legacy bit used to detect early drivers that did not negotiate correctly; never accept it.',
    section: '6.3',
  },
  {
    bit: 32, name: 'VIRTIO_F_VERSION_1', short: 'VERSION_1', device: 'transport', since: '1.0',
    aliases: rust('VERSION_1', true),
    meaning: 'Compliance with VIRTIO 1.0+ (little-endian, modern layout). The device must offer it; the driver must accept it if offered.',
    section: '6',
  },
  {
    bit: 33, name: 'VIRTIO_F_ACCESS_PLATFORM', short: 'ACCESS_PLATFORM', device: 'transport', since: '1.1',
    aliases: ['VIRTIO_F_IOMMU_PLATFORM', ...rust('ACCESS_PLATFORM', true)],
    meaning: 'The device accesses memory through platform address translation (IOMMU); addresses are not guest physical.',
    section: '6',
  },
  {
    bit: 34, name: 'VIRTIO_F_RING_PACKED', short: 'RING_PACKED', device: 'transport', since: '1.1',
    aliases: rust('RING_PACKED'),
    meaning: 'Packed virtqueue layout; the driver should accept it if offered.',
    section: '6',
  },
  {
    bit: 35, name: 'VIRTIO_F_IN_ORDER', short: 'IN_ORDER', device: 'transport', since: '1.1',
    aliases: rust('IN_ORDER'),
    meaning: 'The device uses buffers in the order they were made available.',
    section: '6',
  },
  {
    bit: 36, name: 'VIRTIO_F_ORDER_PLATFORM', short: 'ORDER_PLATFORM', device: 'transport', since: '1.1',
    aliases: rust('ORDER_PLATFORM'),
    meaning: 'Memory accesses are ordered as by the platform; the driver must use hardware-strength barriers.',
    section: '6',
  },
  {
    bit: 37, name: 'VIRTIO_F_SR_IOV', short: 'SR_IOV', device: 'transport', since: '1.1',
    aliases: rust('SR_IOV'),
    meaning: 'The device supports Single Root I/O Virtualization (PCI only).',
    section: '6',
  },
  {
    bit: 38, name: 'VIRTIO_F_NOTIFICATION_DATA', short: 'NOTIFICATION_DATA', device: 'transport', since: '1.1',
    aliases: rust('NOTIFICATION_DATA'),
    meaning: 'Driver notifications carry next_off / next_wrap in addition to the queue index.',
    section: '6',
  },
  {
    bit: 39, name: 'VIRTIO_F_NOTIF_CONFIG_DATA', short: 'NOTIF_CONFIG_DATA', device: 'transport', since: '1.2',
    aliases: [],
    meaning: 'The driver notifies with queue_notif_config_data instead of the virtqueue index.',
    section: '6',
  },
  {
    bit: 40, name: 'VIRTIO_F_RING_RESET', short: 'RING_RESET', device: 'transport', since: '1.2',
    aliases: [],
    meaning: 'Individual virtqueues can be reset and re-enabled (queue_reset / QueueReset).',
    section: '6',
  },
  {
    bit: 41, name: 'VIRTIO_F_ADMIN_VQ', short: 'ADMIN_VQ', device: 'transport', since: '1.3',
    aliases: [],
    meaning: 'The device exposes administration virtqueues (PCI only).',
    section: '6',
  },
  {
    bit: 43, name: 'VIRTIO_F_SUSPEND', short: 'SUSPEND', device: 'transport', since: '1.4',
    aliases: [],
    meaning: 'The driver may suspend the device with the SUSPEND device status bit.',
    section: '6',
  },
];
