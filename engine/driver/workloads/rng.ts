/**
 * virtio-rng workload (VIRTIO 1.3 §5.4.6): the reference driver queues device-writable buffers on the
 * requestq, as Linux's virtio_rng does (one 64-byte inbuf at a time by default), and checks each answer: a
 * used length of at least one byte and no more than the buffer, and, when the caller knows the device's
 * entropy stream (`expect`, e.g. the same `seed:N`), exactly the bytes the stream predicts.
 * `rng-buffer-device-readable` as a fault adds a device-readable descriptor in front of that request.
 */
import { type GuestMemory } from '../../memory';
import { type GuestAllocator } from '../allocator';
import { type ReferenceDriver } from '../driver';
import { type DriverBuffer, type FaultPlan } from '../ring-types';
import { withTimeout } from './timeout';

export interface RngWorkloadOptions {
  count: number;
  /** Bytes asked for per request (default 64, as Linux). */
  size?: number;
  /** Requests published together before one notification (default 4). */
  batch?: number;
  /** Fills a buffer with what the device is expected to return, in request order (a `seed:N` oracle). */
  expect?: (buf: Uint8Array) => void;
  /** `rng-buffer-device-readable` at request `atChain` (default 2). */
  faults?: FaultPlan[];
  /** Give up on a request after this long (Infinity: wait as long as it takes, e.g. under a debugger). */
  timeoutMs?: number;
}

export interface RngWorkloadResult {
  sent: number;
  /** Bytes the device filled, in total. */
  bytes: number;
  /** Requests answered with a sane length (and the predicted bytes when `expect` is given). */
  verified: number;
  mismatches: string[];
  unanswered: number;
  /** The first bytes received, for a preview. */
  first: Uint8Array;
}

export async function runRngWorkload(driver: ReferenceDriver, mem: GuestMemory, alloc: GuestAllocator, o: RngWorkloadOptions): Promise<RngWorkloadResult> {
  const size = o.size ?? 64;
  const batch = o.batch ?? 4;
  const readableAt = new Set((o.faults ?? []).filter((f) => f.rule === 'rng-buffer-device-readable').map((f) => f.atChain ?? 2));
  const result: RngWorkloadResult = { sent: 0, bytes: 0, verified: 0, mismatches: [], unanswered: 0, first: new Uint8Array(0) };
  for (let start = 0; start < o.count; start += batch) {
    const reqs: { addr: number; extra?: number; buffers: DriverBuffer[] }[] = [];
    for (let i = start; i < Math.min(o.count, start + batch); i++) {
      const addr = alloc.alloc(size, 1);
      mem.fill(addr, size, 0);
      const buffers: DriverBuffer[] = [{ addr, len: size, write: true }];
      let extra: number | undefined;
      if (readableAt.has(i)) {
        extra = alloc.alloc(16, 1);
        mem.fill(extra, 16, 0xee);
        buffers.unshift({ addr: extra, len: 16, write: false });
      }
      reqs.push({ addr, buffers, ...(extra !== undefined ? { extra } : {}) });
    }
    const promises = driver.submitMany(
      0,
      reqs.map((r) => ({ buffers: r.buffers })),
    );
    result.sent += reqs.length;
    const settled = await Promise.all(promises.map((p) => withTimeout(p, o.timeoutMs ?? 2000)));
    settled.forEach((used, k) => {
      const r = reqs[k]!;
      const n = start + k;
      if (!used) {
        result.unanswered++;
        return;
      }
      const got = mem.read(r.addr, Math.min(used.len, size));
      if (result.first.length === 0) result.first = got.slice(0, 16);
      if (used.len < 1 || used.len > size) {
        result.mismatches.push(`request ${n}: used length ${used.len}, expected 1 to ${size}`);
      } else if (o.expect) {
        const want = new Uint8Array(used.len);
        o.expect(want);
        const at = want.findIndex((b, j) => b !== got[j]);
        if (at >= 0) result.mismatches.push(`request ${n}: byte ${at} is ${got[at]}, the entropy stream predicts ${want[at]}`);
        else result.verified++;
      } else {
        result.verified++;
      }
      result.bytes += used.len;
      alloc.release(r.addr);
      if (r.extra !== undefined) alloc.release(r.extra);
    });
    if (result.unanswered) break;
  }
  return result;
}
