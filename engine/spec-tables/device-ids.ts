/** A virtio device type (VIRTIO 1.2 §5 "Device Types"). */
export interface DeviceIdInfo {
  readonly id: number;
  /** Spec description ("network card"). */
  readonly name: string;
  /** Linux uapi constant (VIRTIO_ID_NET), where Linux has one. */
  readonly constant?: string;
}

/** Every device ID of the spec's list (0 is invalid; 14, 15 and 37 are not assigned in the spec). */
export const DEVICE_IDS: readonly DeviceIdInfo[] = [
  { id: 0, name: 'reserved (invalid)' },
  { id: 1, name: 'network card', constant: 'VIRTIO_ID_NET' },
  { id: 2, name: 'block device', constant: 'VIRTIO_ID_BLOCK' },
  { id: 3, name: 'console', constant: 'VIRTIO_ID_CONSOLE' },
  { id: 4, name: 'entropy source', constant: 'VIRTIO_ID_RNG' },
  { id: 5, name: 'memory ballooning (traditional)', constant: 'VIRTIO_ID_BALLOON' },
  { id: 6, name: 'ioMemory', constant: 'VIRTIO_ID_IOMEM' },
  { id: 7, name: 'rpmsg', constant: 'VIRTIO_ID_RPMSG' },
  { id: 8, name: 'SCSI host', constant: 'VIRTIO_ID_SCSI' },
  { id: 9, name: '9P transport', constant: 'VIRTIO_ID_9P' },
  { id: 10, name: 'mac80211 wlan', constant: 'VIRTIO_ID_MAC80211_WLAN' },
  { id: 11, name: 'rproc serial', constant: 'VIRTIO_ID_RPROC_SERIAL' },
  { id: 12, name: 'virtio CAIF', constant: 'VIRTIO_ID_CAIF' },
  { id: 13, name: 'memory balloon', constant: 'VIRTIO_ID_MEMORY_BALLOON' },
  { id: 16, name: 'GPU device', constant: 'VIRTIO_ID_GPU' },
  { id: 17, name: 'Timer/Clock device', constant: 'VIRTIO_ID_CLOCK' },
  { id: 18, name: 'Input device', constant: 'VIRTIO_ID_INPUT' },
  { id: 19, name: 'Socket device', constant: 'VIRTIO_ID_VSOCK' },
  { id: 20, name: 'Crypto device', constant: 'VIRTIO_ID_CRYPTO' },
  { id: 21, name: 'Signal Distribution Module', constant: 'VIRTIO_ID_SIGNAL_DIST' },
  { id: 22, name: 'pstore device', constant: 'VIRTIO_ID_PSTORE' },
  { id: 23, name: 'IOMMU device', constant: 'VIRTIO_ID_IOMMU' },
  { id: 24, name: 'Memory device', constant: 'VIRTIO_ID_MEM' },
  { id: 25, name: 'Sound device', constant: 'VIRTIO_ID_SOUND' },
  { id: 26, name: 'file system device', constant: 'VIRTIO_ID_FS' },
  { id: 27, name: 'PMEM device', constant: 'VIRTIO_ID_PMEM' },
  { id: 28, name: 'RPMB device', constant: 'VIRTIO_ID_RPMB' },
  { id: 29, name: 'mac80211 hwsim wireless simulation device', constant: 'VIRTIO_ID_MAC80211_HWSIM' },
  { id: 30, name: 'Video encoder device', constant: 'VIRTIO_ID_VIDEO_ENCODER' },
  { id: 31, name: 'Video decoder device', constant: 'VIRTIO_ID_VIDEO_DECODER' },
  { id: 32, name: 'SCMI device', constant: 'VIRTIO_ID_SCMI' },
  { id: 33, name: 'NitroSecureModule', constant: 'VIRTIO_ID_NITRO_SEC_MOD' },
  { id: 34, name: 'I2C adapter', constant: 'VIRTIO_ID_I2C_ADAPTER' },
  { id: 35, name: 'Watchdog', constant: 'VIRTIO_ID_WATCHDOG' },
  { id: 36, name: 'CAN device', constant: 'VIRTIO_ID_CAN' },
  { id: 38, name: 'Parameter Server', constant: 'VIRTIO_ID_PARAM_SERV' },
  { id: 39, name: 'Audio policy device', constant: 'VIRTIO_ID_AUDIO_POLICY' },
  { id: 40, name: 'Bluetooth device', constant: 'VIRTIO_ID_BT' },
  { id: 41, name: 'GPIO device', constant: 'VIRTIO_ID_GPIO' },
  { id: 42, name: 'RDMA device' },
  { id: 43, name: 'Camera device' },
  { id: 44, name: 'ISM device' },
  { id: 45, name: 'SPI master' },
];

/** The device type with this ID. */
export function deviceId(id: number): DeviceIdInfo | undefined {
  return DEVICE_IDS.find((d) => d.id === id);
}

/** `network card (1)`, or `unknown device (N)`. */
export function deviceIdName(id: number): string {
  return `${deviceId(id)?.name ?? 'unknown device'} (${id})`;
}
