/**
 * The launch configuration F5 starts in a folder without launch.json (and the defaults filled into a
 * partial `virtio` configuration): the built-in reference driver against virtio-blk and virtio-net, the
 * disk image in the extension's workspace storage, never in the user's sources. No vscode here.
 */
import { join } from 'node:path';
import { type LaunchConfig } from '../protocol/launch';

export const DEFAULT_NAME = 'Virtio: built-in blk + net';

/** The built-in blk + net session; `storageDir` is where the disk image is created (64 MiB). */
export function defaultLaunch(storageDir: string): LaunchConfig & { name: string } {
  return {
    type: 'virtio',
    request: 'launch',
    name: DEFAULT_NAME,
    driver: 'builtin',
    devices: [
      { type: 'blk', id: 'blk0', disk: join(storageDir, 'blk0.img'), createDisk: 64 },
      { type: 'net', id: 'net0', peer: 'responder' },
    ],
    stopOnEntry: true,
  };
}

/**
 * Resolves what VS Code passes to resolveDebugConfiguration: an empty configuration (F5 without
 * launch.json) becomes the default session; a `virtio` launch without devices gets the default devices;
 * anything else is left to the adapter's validation. Returns undefined for configurations of other types.
 */
export function resolveLaunch(config: Record<string, unknown>, storageDir: string): Record<string, unknown> | undefined {
  if (!config.type && !config.request && !config.name) return { ...defaultLaunch(storageDir) };
  if (config.type !== 'virtio') return undefined;
  if (config.request !== 'launch') return config;
  const filled: Record<string, unknown> = { name: DEFAULT_NAME, driver: 'builtin', ...config };
  if (filled.devices === undefined) filled.devices = defaultLaunch(storageDir).devices;
  return filled;
}
