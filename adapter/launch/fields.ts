/**
 * The pieces launch validation is made of (docs/architecture.md, "Contracts"): the error that names the
 * attribute and the fix, and checked readers for booleans, integers, strings and writable directories.
 * The device kinds (adapter/runtime/kinds) validate their own attributes with them.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type BuiltinWorkload } from '../../protocol/launch';
import type { RuleId } from '../../engine';

export class LaunchError extends Error {
  constructor(
    readonly attribute: string,
    problem: string,
    readonly fix: string,
  ) {
    super(`${attribute}: ${problem}. Fix: ${fix}`);
  }
}

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function bool(o: Record<string, unknown>, key: string, path: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new LaunchError(`${path}${key}`, `must be true or false, not ${JSON.stringify(v)}`, `write ${key}: ${dflt}`);
  return v;
}

export function int(o: Record<string, unknown>, key: string, path: string, dflt: number, min: number, max: number): number {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new LaunchError(`${path}${key}`, `must be an integer from ${min} to ${max}, not ${JSON.stringify(v)}`, `write ${key}: ${dflt}`);
  }
  return v;
}

export function str(o: Record<string, unknown>, key: string, path: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new LaunchError(`${path}${key}`, `must be a non-empty string, not ${JSON.stringify(v)}`, `set ${key} to a string or remove it`);
  return v;
}

/** The directory must exist (or be creatable) and be writable. Created one level at a time: Node's recursive
 *  mkdir spins forever on some pseudo file systems (e.g. under /proc). */
export function writableDir(dir: string, attribute: string): void {
  try {
    const missing: string[] = [];
    let cur = resolve(dir);
    while (!existsSync(cur)) {
      missing.unshift(cur);
      const parent = dirname(cur);
      if (parent === cur) break;
      cur = parent;
    }
    for (const m of missing) mkdirSync(m);
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new LaunchError(attribute, `directory ${dir} is not writable (${(e as Error).message})`, `point ${attribute} at a directory you can write to`);
  }
}

/** The workload after validation (defaults filled). */
export type ValidWorkload = Required<Omit<BuiltinWorkload, 'violation' | 'kind'>> & Pick<BuiltinWorkload, 'kind'> & { violation?: RuleId };

/** What every device kind's validation gets: where the entry is, and the attributes common to all types. */
export interface DeviceEntry {
  /** The entry as written. */
  raw: Record<string, unknown>;
  /** Attribute prefix for errors: `devices[0].`. */
  at: string;
  /** Position in `devices` (default MAC addresses count from it). */
  index: number;
  id: string;
  queueSize: number;
  /** Relative paths are resolved against it. */
  cwd: string;
}
