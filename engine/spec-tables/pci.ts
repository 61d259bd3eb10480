import { type NamedValue } from './named';
import { type RegisterInfo } from './register';

export const VIRTIO_PCI_VENDOR_ID = 0x1af4;
/** Modern PCI device ID = 0x1040 + virtio device ID (§4.1.2). */
export const VIRTIO_PCI_MODERN_DEVICE_ID_BASE = 0x1040;

const cap = (value: number, short: string, meaning: string): NamedValue => ({
  value, short, name: `VIRTIO_PCI_CAP_${short}`, meaning, section: '4.1.4', aliases: [],
});

/** virtio_pci_cap.cfg_type values (VIRTIO 1.2 §4.1.4). */
export const PCI_CAP_TYPES: readonly NamedValue[] = [
  cap(1, 'COMMON_CFG', 'Common configuration (struct virtio_pci_common_cfg).'),
  cap(2, 'NOTIFY_CFG', 'Notifications: address = cap.offset + queue_notify_off × notify_off_multiplier.'),
  cap(3, 'ISR_CFG', 'ISR status (bit 0 queue interrupt, bit 1 configuration change).'),
  cap(4, 'DEVICE_CFG', 'Device-specific configuration.'),
  cap(5, 'PCI_CFG', 'PCI configuration access (window through config space).'),
  cap(8, 'SHARED_MEMORY_CFG', 'Shared memory region.'),
  cap(9, 'VENDOR_CFG', 'Vendor-specific data.'),
];

/** ISR status bits (PCI §4.1.4.5; the same two bits as MMIO InterruptStatus). */
export const PCI_ISR_BITS: readonly NamedValue[] = [
  { value: 1, name: 'VIRTIO_PCI_ISR_QUEUE', short: 'QUEUE', aliases: [], meaning: 'A used buffer notification (queue interrupt).', section: '4.1.4.5' },
  { value: 2, name: 'VIRTIO_PCI_ISR_CONFIG', short: 'CONFIG', aliases: [], meaning: 'A configuration change notification.', section: '4.1.4.5' },
];

const reg = (offset: number, name: string, constant: string, width: number, access: RegisterInfo['access'], meaning: string): RegisterInfo => ({
  offset, name, constant: `VIRTIO_PCI_COMMON_${constant}`, width, access, meaning, section: '4.1.4.3',
});

/** struct virtio_pci_common_cfg (VIRTIO 1.2 §4.1.4.3; digest §7). 64-bit fields may be accessed as two 32-bit halves. */
export const PCI_COMMON_CFG: readonly RegisterInfo[] = [
  reg(0, 'device_feature_select', 'DFSELECT', 4, 'rw', 'Selects which 32 bits of device_feature to read.'),
  reg(4, 'device_feature', 'DF', 4, 'r', 'Device feature bits (32 bits selected by device_feature_select).'),
  reg(8, 'driver_feature_select', 'GFSELECT', 4, 'rw', 'Selects which 32 bits of driver_feature to write.'),
  reg(12, 'driver_feature', 'GF', 4, 'rw', 'Feature bits accepted by the driver.'),
  reg(16, 'config_msix_vector', 'MSIX', 2, 'rw', 'MSI-X vector for configuration change notifications.'),
  reg(18, 'num_queues', 'NUMQ', 2, 'r', 'Maximum number of virtqueues.'),
  reg(20, 'device_status', 'STATUS', 1, 'rw', 'Device status; writing 0 resets the device.'),
  reg(21, 'config_generation', 'CFGGENERATION', 1, 'r', 'Configuration atomicity value; changes when the config space changes.'),
  reg(22, 'queue_select', 'Q_SELECT', 2, 'rw', 'Selects the virtqueue the queue_* fields refer to.'),
  reg(24, 'queue_size', 'Q_SIZE', 2, 'rw', 'Queue size; reads the maximum at reset, the driver may write a smaller value.'),
  reg(26, 'queue_msix_vector', 'Q_MSIX', 2, 'rw', 'MSI-X vector for the queue.'),
  reg(28, 'queue_enable', 'Q_ENABLE', 2, 'rw', 'Write 1 to enable the queue.'),
  reg(30, 'queue_notify_off', 'Q_NOFF', 2, 'r', 'Offset of the queue notification address, in notify_off_multiplier units.'),
  reg(32, 'queue_desc', 'Q_DESCLO', 8, 'rw', 'Physical address of the descriptor area (Q_DESCHI at 36).'),
  reg(40, 'queue_driver', 'Q_AVAILLO', 8, 'rw', 'Physical address of the driver area (available ring; Q_AVAILHI at 44).'),
  reg(48, 'queue_device', 'Q_USEDLO', 8, 'rw', 'Physical address of the device area (used ring; Q_USEDHI at 52).'),
  reg(56, 'queue_notif_config_data', 'Q_NDATA', 2, 'r', 'Data the driver writes on notification with VIRTIO_F_NOTIF_CONFIG_DATA.'),
  reg(58, 'queue_reset', 'Q_RESET', 2, 'rw', 'Per-queue reset (VIRTIO_F_RING_RESET): write 1 to reset, reads 1 until done.'),
  reg(60, 'admin_queue_index', 'ADM_Q_IDX', 2, 'r', 'Index of the first administration virtqueue (VIRTIO_F_ADMIN_VQ).'),
  reg(62, 'admin_queue_num', 'ADM_Q_NUM', 2, 'r', 'Number of administration virtqueues.'),
];
