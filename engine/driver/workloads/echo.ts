/**
 * virtio-echo workload: the reference driver sends messages (some through indirect tables) and checks
 * that each comes back byte for byte with the right used length.
 */
import { type GuestMemory } from '../../memory';
import { type GuestAllocator } from '../allocator';
import { type ReferenceDriver } from '../driver';
import { type AddOptions, type DriverBuffer } from '../ring-types';
import { withTimeout } from './timeout';

interface EchoRequest {
  msg: Uint8Array;
  out: number;
  inp: number;
  req: { buffers: DriverBuffer[]; options: AddOptions };
}

export interface EchoWorkloadOptions {
  count: number;
  /** Requests published together before one notification. */
  batch?: number;
  /** Use indirect tables for every other request when the feature was negotiated. */
  indirect?: boolean;
  /** Give up on a request after this long (Infinity: wait as long as it takes, e.g. under a debugger). */
  timeoutMs?: number;
}

export interface EchoWorkloadResult {
  sent: number;
  verified: number;
  mismatches: string[];
  /** Requests the device never returned (the queue broke or hung). */
  unanswered: number;
}

export async function runEchoWorkload(
  driver: ReferenceDriver,
  mem: GuestMemory,
  alloc: GuestAllocator,
  o: EchoWorkloadOptions,
): Promise<EchoWorkloadResult> {
  const batch = o.batch ?? 4;
  const result: EchoWorkloadResult = { sent: 0, verified: 0, mismatches: [], unanswered: 0 };
  const enc = new TextEncoder();
  const useIndirect = (o.indirect ?? true) && driver.queues[0]!.ring.features.indirect;
  for (let start = 0; start < o.count; start += batch) {
    const reqs: EchoRequest[] = [];
    for (let i = start; i < Math.min(o.count, start + batch); i++) {
      const msg = enc.encode(`hello virtio #${i}`);
      const out = alloc.alloc(msg.length, 1);
      mem.write(out, msg);
      const inLen = 64;
      const inp = alloc.alloc(inLen, 1);
      mem.fill(inp, inLen, 0);
      reqs.push({
        msg,
        out,
        inp,
        req: {
          buffers: [
            { addr: out, len: msg.length, write: false },
            { addr: inp, len: inLen, write: true },
          ],
          options: { indirect: useIndirect && i % 2 === 1 },
        },
      });
    }
    const promises = driver.submitMany(
      0,
      reqs.map((r) => r.req),
    );
    result.sent += reqs.length;
    const settled = await Promise.all(promises.map((p) => withTimeout(p, o.timeoutMs ?? 2000)));
    settled.forEach((used, k) => {
      const r = reqs[k]!;
      if (!used) {
        result.unanswered++;
        return;
      }
      const back = mem.read(r.inp, r.msg.length);
      if (used.len !== r.msg.length) result.mismatches.push(`request ${start + k}: used len ${used.len}, expected ${r.msg.length}`);
      else if (!back.every((b, j) => b === r.msg[j])) result.mismatches.push(`request ${start + k}: echoed bytes differ`);
      else result.verified++;
      alloc.release(r.out);
      alloc.release(r.inp);
    });
    if (result.unanswered) break;
  }
  return result;
}
