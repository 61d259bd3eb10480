// Prints a short hash of the addon's sources (binding.gyp, src/*.c, src/*.h). binding.gyp compiles it into
// the binary as SOURCE_HASH, so a test can tell when the committed prebuilt no longer matches the source.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function sourceHash(nativeDir) {
  const files = ['binding.gyp', ...readdirSync(join(nativeDir, 'src')).filter((f) => /\.[ch]$/.test(f)).sort().map((f) => `src/${f}`)];
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f}\0`).update(readFileSync(join(nativeDir, f))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${sourceHash(dirname(fileURLToPath(import.meta.url)))}\n`);
}
