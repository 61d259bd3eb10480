// Hand-built request frames and hand-parsing for the peer tests (deliberately independent of the engine's
// frame builders: a builder bug must not cancel out in the tests).
import { execFileSync } from 'node:child_process';
import { type EthernetPort } from '../../../../../engine/devices/net/ethernet-port';

export const GUEST_MAC = '52:54:00:12:34:56';
export const BROADCAST = 'ff:ff:ff:ff:ff:ff';

export function mac(text: string): number[] {
  return text.split(':').map((h) => parseInt(h, 16));
}
export function ip4(text: string): number[] {
  return text.split('.').map(Number);
}
/** Full IPv6 address from text with at most one `::`. */
export function ip6(text: string): number[] {
  const [head = '', tail] = text.split('::');
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}
const be16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];

/** RFC 1071, written out the slow way. */
export function onesComplementSum(bytes: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    sum += bytes[i]! * 256 + (i + 1 < bytes.length ? bytes[i + 1]! : 0);
    sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  }
  return sum;
}
export function checksum(bytes: ArrayLike<number>): number {
  return 0xffff - onesComplementSum(bytes);
}

export function ethernet(dst: string, src: string, type: number, payload: number[], padTo = 0): Uint8Array {
  const bytes = [...mac(dst), ...mac(src), ...be16(type), ...payload];
  while (bytes.length < padTo) bytes.push(0);
  return Uint8Array.from(bytes);
}

export interface ArpFields {
  oper?: number;
  sha?: string;
  spa: string;
  tha?: string;
  tpa: string;
  dst?: string;
}
export function arpFrame(f: ArpFields): Uint8Array {
  const sha = f.sha ?? GUEST_MAC;
  const payload = [0, 1, 8, 0, 6, 4, ...be16(f.oper ?? 1), ...mac(sha), ...ip4(f.spa), ...mac(f.tha ?? '00:00:00:00:00:00'), ...ip4(f.tpa)];
  return ethernet(f.dst ?? BROADCAST, sha, 0x0806, payload);
}

export interface EchoFields {
  src: string;
  dst: string;
  dstMac: string;
  srcMac?: string;
  id?: number;
  seq?: number;
  data?: number[];
  type?: number;
  ttl?: number;
  padTo?: number;
  corruptIcmp?: boolean;
}
export function icmpEchoFrame(f: EchoFields): Uint8Array {
  const icmp = [f.type ?? 8, 0, 0, 0, ...be16(f.id ?? 0x1234), ...be16(f.seq ?? 1), ...(f.data ?? [])];
  const sum = checksum(icmp) ^ (f.corruptIcmp ? 0x0101 : 0);
  icmp[2] = sum >> 8;
  icmp[3] = sum & 0xff;
  const ip = [0x45, 0, ...be16(20 + icmp.length), 0xab, 0xcd, 0x40, 0, f.ttl ?? 64, 1, 0, 0, ...ip4(f.src), ...ip4(f.dst)];
  const ipSum = checksum(ip);
  ip[10] = ipSum >> 8;
  ip[11] = ipSum & 0xff;
  return ethernet(f.dstMac, f.srcMac ?? GUEST_MAC, 0x0800, [...ip, ...icmp], f.padTo ?? 0);
}

export function icmpv6Frame(dstMac: string, src: string, dst: string, hopLimit: number, message: number[], srcMac = GUEST_MAC): Uint8Array {
  const msg = [...message];
  msg[2] = 0;
  msg[3] = 0;
  const pseudo = [...ip6(src), ...ip6(dst), 0, 0, ...be16(msg.length), 0, 0, 0, 58, ...msg];
  const sum = checksum(pseudo);
  msg[2] = sum >> 8;
  msg[3] = sum & 0xff;
  const header = [0x60, 0, 0, 0, ...be16(msg.length), 58, hopLimit, ...ip6(src), ...ip6(dst)];
  return ethernet(dstMac, srcMac, 0x86dd, [...header, ...msg]);
}

export function neighborSolicitation(src: string, target: string, dstMac?: string): Uint8Array {
  const t = ip6(target);
  const solicitedNode = `ff02::1:ff${t[13]!.toString(16).padStart(2, '0')}:${((t[14]! << 8) | t[15]!).toString(16)}`;
  const message = [135, 0, 0, 0, 0, 0, 0, 0, ...t, 1, 1, ...mac(GUEST_MAC)];
  const mcastMac = `33:33:ff:${[t[13]!, t[14]!, t[15]!].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  return icmpv6Frame(dstMac ?? mcastMac, src, solicitedNode, 255, message);
}

/** Field readers over a received frame. */
export class Parsed {
  constructor(readonly f: Uint8Array) {}
  u8(off: number): number {
    return this.f[off]!;
  }
  u16(off: number): number {
    return (this.f[off]! << 8) | this.f[off + 1]!;
  }
  macAt(off: number): string {
    return Array.from(this.f.subarray(off, off + 6), (b) => b.toString(16).padStart(2, '0')).join(':');
  }
  ip4At(off: number): string {
    return Array.from(this.f.subarray(off, off + 4)).join('.');
  }
  bytes(off: number, len: number): number[] {
    return Array.from(this.f.subarray(off, off + len));
  }
}

/** An EthernetPort that records what it receives (a stand-in for a net device or a host). */
export class RecordingPort implements EthernetPort {
  readonly frames: Uint8Array[] = [];
  transmit: (frame: Uint8Array) => void = () => {};
  receive(frame: Uint8Array): void {
    this.frames.push(Uint8Array.from(frame));
  }
  send(frame: Uint8Array): void {
    this.transmit(frame);
  }
}

export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs tshark; a missing tshark is a loud failure, never a skip. */
export function tshark(args: string[]): string {
  try {
    return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new Error('tshark is not installed: apt-get install -y tshark (Debian package tshark, listed in .ci/run)');
    throw new Error(`tshark ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}
