// The hostile suite's table format and its runner: one scenario = a small object (name, device, front-end
// options, the misuse, the rule and index the device must name, the state the spec prescribes). The runner
// opens a fresh front end, commits the misuse, reads the verdict from the serve process's trace, checks the
// device state, that the process lives, and that the next front end is served.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { VhostUserRequest as R } from '../../../engine/transport/vhost-user/messages';
import { type RuleId } from '../../../engine/rules';
import { type UsedBuffer } from '../../../engine/driver/ring-types';
import { blkRequest } from '../../engine/transport/vhost-user/front-end';
import { type FrontOptions, HostileFront, NEEDS_RESET, within } from './front';
import { type DeviceKind, type ServeProcess, type TraceLine } from './serve-process';

/**
 * What the spec prescribes after the violation:
 * - `needs-reset`: the queue stops, the device sets DEVICE_NEEDS_RESET (fatal ring breaches);
 * - `served`: reported, and the ring goes on serving (a MUST broken but the request well defined);
 * - `answered`: a vhost-user protocol breach: reported, answered with the spec's error form, the session goes on.
 */
export type Verdict = 'needs-reset' | 'served' | 'answered';

export interface Scenario {
  name: string;
  device: DeviceKind;
  /** The rule the device must name. */
  rule: RuleId;
  /** The offending index the violation must carry; null: the rule has none (protocol-level). */
  index: number | null;
  verdict: Verdict;
  /** Failure modes of ../shared/spec/driver-failure-modes.md this scenario commits (F1..F18). */
  modes?: readonly number[];
  /** Which serve process (default: the device's plain one). */
  process?: 'readonly';
  front?: FrontOptions;
  /** Commits the misuse. */
  act(f: HostileFront): Promise<void> | void;
}

/** Sends a well-formed request on the device's first ring pair without waiting for it. */
export function sendGood(f: HostileFront): void {
  void submitGood(f);
}

/** Sends a well-formed request on the device's first ring pair; resolves when the device used it. */
export function submitGood(f: HostileFront): Promise<UsedBuffer> {
  if (f.kind === 'rng') return f.submit(0, f.buffers([{ len: 64, write: true }]));
  if (f.kind === 'blk') return f.submit(0, blkRequest(f.ram, 'in', 8, 512).buffers);
  const hdr = f.has('MRG_RXBUF') || f.has('VERSION_1') ? 12 : 10;
  return f.submit(1, f.buffers([{ len: hdr + 42, write: false, bytes: Buffer.concat([Buffer.alloc(hdr), arpRequest()]) }]));
}

/** A well-formed request on the device's first ring pair: a blk read (ring 0), a net transmit (ring 1) or an rng fill (ring 0). */
export async function goodRequest(f: HostileFront, ms = 3000): Promise<boolean> {
  if (f.kind === 'rng') {
    // An entropy request: 64 device-writable bytes, all filled.
    const ring = f.rings.get(0);
    if (!ring) return false;
    const used = await within(ring.submit(f.buffers([{ len: 64, write: true }])), ms);
    return used?.len === 64;
  }
  if (f.kind === 'blk') {
    const ring = f.rings.get(0);
    if (!ring) return false;
    // A read: it is well formed on a read-only disk too.
    const r = blkRequest(f.ram, 'in', 8, 512);
    const used = await within(ring.submit(r.buffers), ms);
    return used !== undefined && f.ram.mem.readU8(r.statusAddr) === 0;
  }
  const tx = f.rings.get(1);
  if (!tx) return false;
  const hdr = f.has('MRG_RXBUF') || f.has('VERSION_1') ? 12 : 10;
  const frame = arpRequest();
  const [b] = f.buffers([{ len: hdr + frame.length, write: false, bytes: Buffer.concat([Buffer.alloc(hdr), frame]) }]);
  return (await within(tx.submit([b!]), ms)) !== undefined;
}

/** A broadcast ARP request for 10.0.2.2 (the responder answers it). */
export function arpRequest(): Buffer {
  const f = Buffer.alloc(42);
  Buffer.from('ffffffffffff525400123457', 'hex').copy(f, 0);
  f.writeUInt16BE(0x0806, 12);
  Buffer.from('0001080006040001', 'hex').copy(f, 14);
  Buffer.from('525400123457', 'hex').copy(f, 22);
  Buffer.from([10, 0, 2, 15]).copy(f, 28);
  Buffer.from([10, 0, 2, 2]).copy(f, 38);
  return f;
}

/** Runs one scenario against `p` and returns the violation it produced. */
export async function runScenario(p: ServeProcess, s: Scenario): Promise<TraceLine> {
  const mark = p.mark();
  const f = await HostileFront.open(p.socket, s.device, s.front);
  let v: TraceLine;
  try {
    await s.act(f);
    v = await p.violation(s.rule, mark);
    if (process.env.HOSTILE_DISCOVER) {
      const st = await f.status();
      appendFileSync(process.env.HOSTILE_DISCOVER, `DISCOVER ${s.device} ${s.rule} index=${v.index} severity=${v.severity} status=0x${st.toString(16)} :: ${v.message}\n`);
      return v;
    }
    if (s.index === null) assert.equal(v.index, undefined, `${s.rule} carries no index`);
    else assert.equal(v.index, s.index, `offending index of ${s.rule} (${v.message})`);
    if (s.verdict === 'needs-reset') {
      let st = 0;
      for (let i = 0; i < 100 && (st & NEEDS_RESET) === 0; i++) {
        st = await f.status();
        if ((st & NEEDS_RESET) === 0) await new Promise((r) => setTimeout(r, 20));
      }
      assert.notEqual(st & NEEDS_RESET, 0, `DEVICE_NEEDS_RESET after ${s.rule} (status 0x${st.toString(16)})`);
    } else if (s.verdict === 'served') {
      assert.equal(await goodRequest(f), true, `the ring still serves after ${s.rule}`);
      assert.equal((await f.status()) & NEEDS_RESET, 0, `no DEVICE_NEEDS_RESET after the servable ${s.rule}`);
    } else {
      // Answers to the misused requests may come first (the spec's error forms); GET_FEATURES must follow.
      f.fe.send(R.GET_FEATURES);
      let r = await f.fe.reply();
      for (let i = 0; i < 8 && r.request !== R.GET_FEATURES; i++) r = await f.fe.reply();
      assert.equal(r.request, R.GET_FEATURES, `the session still answers after ${s.rule}`);
      assert.equal(r.payload.length, 8);
    }
  } finally {
    f.close();
  }
  assert.equal(p.alive(), true, `serve ${s.device} lives after ${s.name}`);
  return v;
}

/** The next front end is served: a fresh connection, a clean ring, one request used with status OK. */
export async function nextFrontEndServed(p: ServeProcess): Promise<void> {
  const f = await HostileFront.open(p.socket, p.kind);
  try {
    assert.equal(await goodRequest(f, 5000), true, 'a clean front end after the scenario is served');
    assert.equal((await f.status()) & NEEDS_RESET, 0, 'a fresh front end starts without DEVICE_NEEDS_RESET');
  } finally {
    f.close();
  }
}
