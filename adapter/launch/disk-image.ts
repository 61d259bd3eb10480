/** Disk images a launch configuration asks for (`createDisk`), for built-in and vhost-user sessions alike. */
import { open, stat } from 'node:fs/promises';

/** Creates a sparse image of `mib` MiB when the configuration asks for one and the file is missing. */
export async function ensureImage(path: string, mib: number | undefined): Promise<void> {
  if (mib === undefined) return;
  try {
    await stat(path);
  } catch {
    const f = await open(path, 'wx');
    await f.truncate(mib * 1024 * 1024);
    await f.close();
  }
}
