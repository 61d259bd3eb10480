/** virtio-blk: the device, its back ends and its settings. */
export { BlkDevice, BLK_DEVICE_ID, type BlkDeviceOptions } from './blk-device';
export { type BlockBackend, BlockBackendError, SECTOR } from './backend';
export { MemoryBackend, type MemoryBackendOptions } from './memory-backend';
export { RawImageBackend, type RawImageOptions } from './raw-image-backend';
export { BLK_DEVICE_FEATURES, type BlkFeatureName, type BlkSettings } from './options';
export { BLK_S } from './request';

import { type BlockBackend } from './backend';
import { MemoryBackend } from './memory-backend';
import { RawImageBackend } from './raw-image-backend';

/**
 * The back end a session asks for: the raw image `disk` (refused with a BlockBackendError when missing,
 * truncated or not accessible), or an in-memory disk of `memorySize` bytes (default 64 MiB) without one.
 */
export async function openBlockBackend(o: { disk?: string; readonly?: boolean; memorySize?: number }): Promise<BlockBackend> {
  if (o.disk !== undefined) return RawImageBackend.open(o.disk, { readOnly: o.readonly ?? false });
  return new MemoryBackend({ size: o.memorySize ?? 64 << 20, readOnly: o.readonly ?? false });
}
