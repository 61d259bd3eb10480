/** virtio-mmio version 2 register offsets (§4.2.2). Documentation: engine/spec-tables/mmio.ts. */
export const REG = {
  MagicValue: 0x000,
  Version: 0x004,
  DeviceID: 0x008,
  VendorID: 0x00c,
  DeviceFeatures: 0x010,
  DeviceFeaturesSel: 0x014,
  DriverFeatures: 0x020,
  DriverFeaturesSel: 0x024,
  GuestPageSize: 0x028,
  QueueSel: 0x030,
  QueueNumMax: 0x034,
  QueueNum: 0x038,
  QueueAlign: 0x03c,
  QueuePFN: 0x040,
  QueueReady: 0x044,
  QueueNotify: 0x050,
  InterruptStatus: 0x060,
  InterruptACK: 0x064,
  Status: 0x070,
  QueueDescLow: 0x080,
  QueueDescHigh: 0x084,
  QueueDriverLow: 0x090,
  QueueDriverHigh: 0x094,
  QueueDeviceLow: 0x0a0,
  QueueDeviceHigh: 0x0a4,
  SHMSel: 0x0ac,
  SHMLenLow: 0x0b0,
  SHMLenHigh: 0x0b4,
  SHMBaseLow: 0x0b8,
  SHMBaseHigh: 0x0bc,
  QueueReset: 0x0c0,
  ConfigGeneration: 0x0fc,
  Config: 0x100,
} as const;

export const MMIO_MAGIC = 0x74726976; // "virt"
/** VendorID of our devices: "VDBG". */
export const MMIO_VENDOR = 0x47424456;

export const INT_USED_BUFFER = 1;
export const INT_CONFIG_CHANGE = 2;

const NAMES = new Map<number, string>(Object.entries(REG).map(([k, v]) => [v, k]));
export function registerName(offset: number): string {
  return NAMES.get(offset) ?? `0x${offset.toString(16).padStart(3, '0')}`;
}

export const READ_ONLY = new Set<number>([
  REG.MagicValue,
  REG.Version,
  REG.DeviceID,
  REG.VendorID,
  REG.DeviceFeatures,
  REG.QueueNumMax,
  REG.InterruptStatus,
  REG.ConfigGeneration,
  REG.SHMLenLow,
  REG.SHMLenHigh,
  REG.SHMBaseLow,
  REG.SHMBaseHigh,
]);

export const WRITE_ONLY = new Set<number>([
  REG.DeviceFeaturesSel,
  REG.DriverFeatures,
  REG.DriverFeaturesSel,
  REG.QueueSel,
  REG.QueueNum,
  REG.QueueNotify,
  REG.InterruptACK,
  REG.QueueDescLow,
  REG.QueueDescHigh,
  REG.QueueDriverLow,
  REG.QueueDriverHigh,
  REG.QueueDeviceLow,
  REG.QueueDeviceHigh,
  REG.SHMSel,
]);

export const LEGACY = new Set<number>([REG.GuestPageSize, REG.QueueAlign, REG.QueuePFN]);
