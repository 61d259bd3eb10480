/**
 * Where virtio-rng's bytes come from: `random` (crypto.randomFillSync, the default), `file:PATH` (the file's
 * bytes in order, from the start again at its end: a recorded session replays the same bytes), or `seed:N`
 * (a reproducible stream: mulberry32 seeded with N, each 32-bit output as 4 little-endian bytes).
 */
import { randomFillSync } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface EntropySource {
  /** `random`, `file:/path`, `seed:42`. */
  readonly description: string;
  fill(buf: Uint8Array): void;
  close(): void;
}

/** A bad --entropy / `entropy` value or an unusable file: the message names the cause. */
export class EntropySpecError extends Error {}

export const ENTROPY_SYNTAX = 'random, file:PATH or seed:N';

export function openEntropy(spec: string = 'random'): EntropySource {
  if (spec === 'random') return { description: 'random', fill: (b) => void randomFillSync(b), close: () => {} };
  if (spec.startsWith('seed:')) {
    const text = spec.slice(5);
    if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffff_ffff) throw new EntropySpecError(`entropy "${spec}": the seed is an integer from 0 to 4294967295`);
    return seededEntropy(Number(text));
  }
  if (spec.startsWith('file:') && spec.length > 5) return fileEntropy(spec.slice(5));
  throw new EntropySpecError(`entropy "${spec}" is not a source (${ENTROPY_SYNTAX})`);
}

/** The seed:N stream: mulberry32(N), each output as 4 little-endian bytes. Exported for tests and guests' checks. */
export function seededEntropy(seed: number): EntropySource {
  let a = seed >>> 0;
  let word = 0;
  let left = 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    description: `seed:${seed}`,
    fill(buf) {
      for (let i = 0; i < buf.length; i++) {
        if (left === 0) {
          word = next();
          left = 4;
        }
        buf[i] = word & 0xff;
        word >>>= 8;
        left--;
      }
    },
    close: () => {},
  };
}

function fileEntropy(path: string): EntropySource {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new EntropySpecError(`entropy file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const st = fstatSync(fd);
  if (st.isDirectory()) {
    closeSync(fd);
    throw new EntropySpecError(`entropy file ${path} is a directory`);
  }
  // A regular file is read at a position that wraps around; a device (/dev/urandom) or pipe as a stream.
  const regular = st.isFile();
  if (regular && st.size === 0) {
    closeSync(fd);
    throw new EntropySpecError(`entropy file ${path} is empty`);
  }
  let pos = 0;
  return {
    description: `file:${path}`,
    fill(buf) {
      let off = 0;
      while (off < buf.length) {
        const n = readSync(fd, buf, off, buf.length - off, regular ? pos : null);
        if (n === 0) {
          if (!regular) throw new Error(`entropy file ${path} ended`);
          pos = 0;
          continue;
        }
        off += n;
        if (regular) pos = (pos + n) % st.size;
      }
    },
    close: () => closeSync(fd),
  };
}
