/**
 * Numeric constants the device core branches on. Their documentation (names, meaning, sections) lives in
 * engine/spec-tables; these are the values code compares against.
 */
export const STATUS = {
  ACKNOWLEDGE: 1,
  DRIVER: 2,
  DRIVER_OK: 4,
  FEATURES_OK: 8,
  SUSPEND: 16,
  DEVICE_NEEDS_RESET: 64,
  FAILED: 128,
} as const;

/** Transport feature bit numbers (§6). */
export const F = {
  INDIRECT_DESC: 28,
  EVENT_IDX: 29,
  VERSION_1: 32,
  ACCESS_PLATFORM: 33,
  RING_PACKED: 34,
  IN_ORDER: 35,
  NOTIFICATION_DATA: 38,
  RING_RESET: 40,
} as const;

/** The masks of feature bits 0..127, made once: a BigInt shift per feature test was 3 % of serve net's CPU. */
const MASKS: readonly bigint[] = Array.from({ length: 128 }, (_, n) => 1n << BigInt(n));
export const bit = (n: number): bigint => MASKS[n] ?? 1n << BigInt(n);
export const has = (features: bigint, n: number): boolean => (features & bit(n)) !== 0n;

export { hex } from '../wire/hex';
