/**
 * Event-index arithmetic shared by the split (§2.7.7, §2.7.10) and packed (§2.8.10) layouts.
 * Ring indices are free-running 16-bit counters that wrap at 65536, so every comparison is done
 * modulo 2^16.
 */

/** Truncates to an unsigned 16-bit value. */
export function u16(x: number): number {
  return x & 0xffff;
}

/** Distance from `from` forward to `to` on the 16-bit circle (0..65535). */
export function u16Distance(from: number, to: number): number {
  return (to - from) & 0xffff;
}

/**
 * `vring_need_event()` from virtio-queue.h: true when moving an index from `oldIdx` to `newIdx` crossed
 * `eventIdx`, i.e. `eventIdx` lies in [oldIdx, newIdx) on the 16-bit circle. The other side must then be
 * notified (§2.7.7.2 used_event for the device, §2.7.10.2 avail_event for the driver).
 *
 *   (u16)(new_idx - event_idx - 1) < (u16)(new_idx - old_idx)
 */
export function vringNeedEvent(eventIdx: number, newIdx: number, oldIdx: number): boolean {
  return ((newIdx - eventIdx - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
}
