// Shared by the native addon tests: the loaded addon (a missing addon fails the test loudly), fd bookkeeping.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { isNativeLoadError, loadNative, type NativeFd } from '../../engine/transport/vhost-user/native';

export function native(): NativeFd {
  const n = loadNative();
  if (isNativeLoadError(n)) assert.fail(n.error);
  return n;
}

/** Number of open fds of this process (to prove nothing leaks). */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Resolves after the event loop has had `ms` to deliver anything pending. */
export function settle(ms = 30): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves with the first value `arm` delivers, or rejects after `ms`. */
export function within<T>(ms: number, what: string, arm: (done: (v: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    arm((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}
