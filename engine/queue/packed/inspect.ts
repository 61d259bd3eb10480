/** Snapshot of a packed ring for the debugger and the webviews (protocol/snapshot.ts PackedRingDto). */
import { type DescriptorDto, type PackedRingDto } from '../../../protocol/snapshot';
import { type GuestMemory } from '../../memory';
import {
  DESC_OFF_ADDR,
  DESC_OFF_FLAGS,
  DESC_OFF_ID,
  DESC_OFF_LEN,
  EVENT_OFF_DESC,
  EVENT_OFF_FLAGS,
  EVENT_SIZE,
  OFF_MASK,
  PACKED_DESC_SIZE,
  WRAP_SHIFT,
  hex,
  packedFlagNames,
} from './layout';

/** Reads an event suppression structure without side effects; zeros when it is not in guest memory. */
export function peekEvent(mem: GuestMemory, addr: number): PackedRingDto['driverEvent'] {
  const b = mem.peek(addr, EVENT_SIZE);
  if (!b) return { offset: 0, wrap: 0, flags: 0 };
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const desc = v.getUint16(EVENT_OFF_DESC, true);
  return { offset: desc & OFF_MASK, wrap: desc >> WRAP_SHIFT, flags: v.getUint16(EVENT_OFF_FLAGS, true) };
}

function decodeDesc(v: DataView, at: number, index: number): DescriptorDto {
  const flags = v.getUint16(at + DESC_OFF_FLAGS, true);
  return {
    index,
    addr: hex(v.getBigUint64(at + DESC_OFF_ADDR, true)),
    len: v.getUint32(at + DESC_OFF_LEN, true),
    flags,
    flagNames: packedFlagNames(flags),
    id: v.getUint16(at + DESC_OFF_ID, true),
  };
}

/** The first `count` ring slots; slots outside guest memory are left out. */
export function peekRing(mem: GuestMemory, desc: number, count: number): DescriptorDto[] {
  const out: DescriptorDto[] = [];
  const all = mem.peek(desc, count * PACKED_DESC_SIZE);
  if (all) {
    const v = new DataView(all.buffer, all.byteOffset, all.byteLength);
    for (let i = 0; i < count; i++) out.push(decodeDesc(v, i * PACKED_DESC_SIZE, i));
    return out;
  }
  for (let i = 0; i < count; i++) {
    const b = mem.peek(desc + i * PACKED_DESC_SIZE, PACKED_DESC_SIZE);
    if (b) out.push(decodeDesc(new DataView(b.buffer, b.byteOffset, b.byteLength), 0, i));
  }
  return out;
}

export function inspectRing(mem: GuestMemory, desc: number, driver: number, device: number, count: number): PackedRingDto {
  return {
    layout: 'packed',
    desc: peekRing(mem, desc, count),
    driverEvent: peekEvent(mem, driver),
    deviceEvent: peekEvent(mem, device),
  };
}
