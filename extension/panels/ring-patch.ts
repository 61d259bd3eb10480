/**
 * What the ring panel is sent (protocol/webview.ts RingsMessage): the snapshot without the rings, and each
 * queue's rings as columns, either whole (the non-zero entries) or as the entries that changed since the snapshot
 * the panel already has. Pure: no vscode, so it is unit-tested and the figure 7 bench sends exactly this.
 */
import { type DescriptorDto, type PackedRingDto, type QueueSnapshot, type SessionSnapshot, type SplitRingDto } from '../../protocol/snapshot';
import { type RingPatch, type RingsMessage, type SessionInfo } from '../../protocol/webview';

const ZERO_ADDR = '0x0';

const isZero = (d: DescriptorDto): boolean => d.addr === ZERO_ADDR && d.len === 0 && d.flags === 0 && !d.next && !d.id;
const sameDesc = (a: DescriptorDto, b: DescriptorDto): boolean => a.addr === b.addr && a.len === b.len && a.flags === b.flags && a.next === b.next && a.id === b.id;

/** Descriptors by table index (the engine's arrays are dense from 0, but unreadable entries are left out). */
function byIndex(desc: readonly DescriptorDto[]): (i: number) => DescriptorDto | undefined {
  const dense = desc.every((d, k) => d.index === k);
  if (dense) return (i) => desc[i];
  const m = new Map(desc.map((d) => [d.index, d]));
  return (i) => m.get(i);
}

function descColumns(layout: RingPatch['layout'], desc: readonly DescriptorDto[], prev: readonly DescriptorDto[] | undefined): Pick<RingPatch, 'desc' | 'flagNames' | 'descCount' | 'missing'> {
  const out: RingPatch['desc'] = { index: [], addr: [], len: [], flags: [], ...(layout === 'split' ? { next: [] } : { id: [] }) };
  const flagNames: Record<number, string[]> = {};
  const before = prev && byIndex(prev);
  const descCount = desc.length ? desc[desc.length - 1]!.index + 1 : 0;
  const present = new Set<number>();
  for (const d of desc) {
    present.add(d.index);
    const b = before?.(d.index);
    // Against nothing an all-zero entry is implied; against a previous snapshot only a difference is sent.
    if (before ? b !== undefined && sameDesc(b, d) : isZero(d)) continue;
    out.index.push(d.index);
    out.addr.push(d.addr);
    out.len.push(d.len);
    out.flags.push(d.flags);
    out.next?.push(d.next ?? 0);
    out.id?.push(d.id ?? 0);
    flagNames[d.flags] ??= d.flagNames;
  }
  const missing: number[] = [];
  if (present.size !== descCount) for (let i = 0; i < descCount; i++) if (!present.has(i)) missing.push(i);
  return { desc: out, flagNames, descCount, missing };
}

function splitPatch(ring: SplitRingDto, prev: SplitRingDto | undefined): Pick<RingPatch, 'avail' | 'used'> {
  const slot: number[] = [];
  const value: number[] = [];
  ring.avail.ring.forEach((v, i) => {
    if (prev ? prev.avail.ring[i] === v : v === 0) return;
    slot.push(i);
    value.push(v);
  });
  const uSlot: number[] = [];
  const id: number[] = [];
  const len: number[] = [];
  ring.used.ring.forEach((e, i) => {
    const b = prev?.used.ring[i];
    if (prev ? b && b.id === e.id && b.len === e.len : e.id === 0 && e.len === 0) return;
    uSlot.push(i);
    id.push(e.id);
    len.push(e.len);
  });
  const { ring: _a, ...availHead } = ring.avail;
  const { ring: _u, ...usedHead } = ring.used;
  return { avail: { ...availHead, count: ring.avail.ring.length, slot, value }, used: { ...usedHead, count: ring.used.ring.length, slot: uSlot, id, len } };
}

/** One queue's rings: against `prev` (same layout and size) or, without it, against an all-zero ring. */
export function ringPatch(q: QueueSnapshot, ring: SplitRingDto | PackedRingDto, prev?: SplitRingDto | PackedRingDto): RingPatch {
  const before = prev?.layout === ring.layout ? prev : undefined;
  const head = { thread: q.thread, layout: ring.layout, size: q.size, reset: !before };
  if (ring.layout === 'split') {
    const b = before as SplitRingDto | undefined;
    return { ...head, ...descColumns('split', ring.desc, b?.desc), ...splitPatch(ring, b) };
  }
  return { ...head, ...descColumns('packed', ring.desc, before?.desc), driverEvent: ring.driverEvent, deviceEvent: ring.deviceEvent };
}

const queues = (s: SessionSnapshot): QueueSnapshot[] => s.devices.flatMap((d) => d.queues);

/**
 * The message for `snapshot`: full (`prev` absent) or a delta against `prev`, the snapshot of the message
 * numbered `prev.seq` that the panel has. A queue whose size or layout changed is sent whole (`reset`).
 */
export function ringsMessage(session: SessionInfo, snapshot: SessionSnapshot, seq: number, prev?: { seq: number; snapshot: SessionSnapshot }): RingsMessage {
  const before = new Map(prev ? queues(prev.snapshot).map((q) => [q.thread, q]) : []);
  const rings: RingPatch[] = [];
  for (const q of queues(snapshot)) {
    if (!q.ring) continue;
    const b = before.get(q.thread);
    rings.push(ringPatch(q, q.ring, b && b.size === q.size ? b.ring : undefined));
  }
  const shell: SessionSnapshot = { ...snapshot, devices: snapshot.devices.map((d) => ({ ...d, queues: d.queues.map(({ ring: _r, ...q }) => q) })) };
  return { type: 'rings', session, seq, ...(prev ? { base: prev.seq } : {}), snapshot: shell, rings };
}
