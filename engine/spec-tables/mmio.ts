import { type NamedValue } from './named';
import { type RegisterAccess, type RegisterInfo } from './register';

/** MagicValue: "virt" in little-endian. */
export const MMIO_MAGIC = 0x74726976;
/** Version register: 2 for the modern interface, 1 for legacy. */
export const MMIO_VERSION = 2;
export const MMIO_VERSION_LEGACY = 1;
/** Device-specific configuration space starts here (VIRTIO_MMIO_CONFIG). */
export const MMIO_CONFIG_OFFSET = 0x100;

interface Opts {
  legacy?: boolean;
  modern?: boolean;
}

function reg(offset: number, name: string, constant: string, access: RegisterAccess, meaning: string, opts: Opts = {}): RegisterInfo {
  return { offset, name, constant: `VIRTIO_MMIO_${constant}`, width: 4, access, meaning, section: opts.legacy ? '4.2.4' : '4.2.2', ...opts };
}

/** The virtio-mmio register map (VIRTIO 1.2 §4.2.2, legacy §4.2.4; digest §7). All registers are 32 bits wide. */
export const MMIO_REGISTERS: readonly RegisterInfo[] = [
  reg(0x000, 'MagicValue', 'MAGIC_VALUE', 'r', 'Magic value 0x74726976 ("virt").'),
  reg(0x004, 'Version', 'VERSION', 'r', 'Device version: 2 (modern) or 1 (legacy).'),
  reg(0x008, 'DeviceID', 'DEVICE_ID', 'r', 'Virtio subsystem device ID (1 net, 2 block...); 0 means no device.'),
  reg(0x00c, 'VendorID', 'VENDOR_ID', 'r', 'Virtio subsystem vendor ID.'),
  reg(0x010, 'DeviceFeatures', 'DEVICE_FEATURES', 'r', 'Device feature bits, 32 bits selected by DeviceFeaturesSel.'),
  reg(0x014, 'DeviceFeaturesSel', 'DEVICE_FEATURES_SEL', 'w', 'Selects the 32-bit word of DeviceFeatures.'),
  reg(0x020, 'DriverFeatures', 'DRIVER_FEATURES', 'w', 'Feature bits accepted by the driver, 32 bits selected by DriverFeaturesSel.'),
  reg(0x024, 'DriverFeaturesSel', 'DRIVER_FEATURES_SEL', 'w', 'Selects the 32-bit word of DriverFeatures.'),
  reg(0x028, 'GuestPageSize', 'GUEST_PAGE_SIZE', 'w', 'Legacy: guest page size, used for QueuePFN.', { legacy: true }),
  reg(0x030, 'QueueSel', 'QUEUE_SEL', 'w', 'Selects the virtqueue the Queue* registers refer to.'),
  reg(0x034, 'QueueNumMax', 'QUEUE_NUM_MAX', 'r', 'Maximum queue size; 0 if the queue does not exist.'),
  reg(0x038, 'QueueNum', 'QUEUE_NUM', 'w', 'Queue size chosen by the driver.'),
  reg(0x03c, 'QueueAlign', 'QUEUE_ALIGN', 'w', 'Legacy: used ring alignment in bytes.', { legacy: true }),
  reg(0x040, 'QueuePFN', 'QUEUE_PFN', 'rw', 'Legacy: guest page number of the queue; 0 stops the queue.', { legacy: true }),
  reg(0x044, 'QueueReady', 'QUEUE_READY', 'rw', 'Write 1 to enable the queue; reads the current state.', { modern: true }),
  reg(0x050, 'QueueNotify', 'QUEUE_NOTIFY', 'w', 'Queue notification: the queue index (or notification data with NOTIFICATION_DATA).'),
  reg(0x060, 'InterruptStatus', 'INTERRUPT_STATUS', 'r', 'Pending interrupts: bit 0 used buffer, bit 1 configuration change.'),
  reg(0x064, 'InterruptACK', 'INTERRUPT_ACK', 'w', 'Acknowledges the interrupts written as 1.'),
  reg(0x070, 'Status', 'STATUS', 'rw', 'Device status; writing 0 resets the device.'),
  reg(0x080, 'QueueDescLow', 'QUEUE_DESC_LOW', 'w', 'Descriptor area address, low 32 bits.', { modern: true }),
  reg(0x084, 'QueueDescHigh', 'QUEUE_DESC_HIGH', 'w', 'Descriptor area address, high 32 bits.', { modern: true }),
  reg(0x090, 'QueueDriverLow', 'QUEUE_AVAIL_LOW', 'w', 'Driver area (available ring) address, low 32 bits.', { modern: true }),
  reg(0x094, 'QueueDriverHigh', 'QUEUE_AVAIL_HIGH', 'w', 'Driver area (available ring) address, high 32 bits.', { modern: true }),
  reg(0x0a0, 'QueueDeviceLow', 'QUEUE_USED_LOW', 'w', 'Device area (used ring) address, low 32 bits.', { modern: true }),
  reg(0x0a4, 'QueueDeviceHigh', 'QUEUE_USED_HIGH', 'w', 'Device area (used ring) address, high 32 bits.', { modern: true }),
  reg(0x0ac, 'SHMSel', 'SHM_SEL', 'w', 'Selects the shared memory region.', { modern: true }),
  reg(0x0b0, 'SHMLenLow', 'SHM_LEN_LOW', 'r', 'Shared memory region length, low 32 bits (all ones: no region).', { modern: true }),
  reg(0x0b4, 'SHMLenHigh', 'SHM_LEN_HIGH', 'r', 'Shared memory region length, high 32 bits.', { modern: true }),
  reg(0x0b8, 'SHMBaseLow', 'SHM_BASE_LOW', 'r', 'Shared memory region address, low 32 bits.', { modern: true }),
  reg(0x0bc, 'SHMBaseHigh', 'SHM_BASE_HIGH', 'r', 'Shared memory region address, high 32 bits.', { modern: true }),
  reg(0x0c0, 'QueueReset', 'QUEUE_RESET', 'rw', 'Per-queue reset (VIRTIO_F_RING_RESET): write 1, reads 1 until done.', { modern: true }),
  reg(0x0fc, 'ConfigGeneration', 'CONFIG_GENERATION', 'r', 'Configuration atomicity value.', { modern: true }),
];

/** InterruptStatus / InterruptACK bits. */
export const MMIO_INTERRUPT_BITS: readonly NamedValue[] = [
  { value: 1, name: 'VIRTIO_MMIO_INT_VRING', short: 'VRING', aliases: [], meaning: 'Used buffer notification.', section: '4.2.2' },
  { value: 2, name: 'VIRTIO_MMIO_INT_CONFIG', short: 'CONFIG', aliases: [], meaning: 'Configuration change notification.', section: '4.2.2' },
];

/** The register at `offset` (for the given interface version), if any. */
export function mmioRegister(offset: number, version: number = MMIO_VERSION): RegisterInfo | undefined {
  return MMIO_REGISTERS.find((r) => r.offset === offset && !(version === MMIO_VERSION_LEGACY ? r.modern : r.legacy));
}
