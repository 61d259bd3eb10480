/**
 * Encoding and decoding of vhost-user headers and payloads (engine/transport/vhost-user/messages.ts). Decoders check the
 * payload size against the structure and return an error string instead of throwing: a malformed message
 * from the front end is a protocol violation to report, never an exception.
 */
import {
  type ConfigPayload,
  type MemRegionDescription,
  VHOST_USER_HEADER_SIZE,
  VHOST_USER_MAX_CONFIG_SIZE,
  VHOST_USER_MAX_MEM_REGIONS,
  VHOST_USER_PAYLOAD_SIZE as SIZE,
  VHOST_USER_REQUESTS,
  VhostUserBackendRequest,
  VhostUserProtocolFeature,
  type VhostUserRequestInfo,
  type VringAddr,
  type VringState,
} from './messages';

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Decoded<T> => ({ ok: true, value });
const bad = <T>(error: string): Decoded<T> => ({ ok: false, error });

function view(p: Uint8Array): DataView {
  return new DataView(p.buffer, p.byteOffset, p.byteLength);
}

function exact(p: Uint8Array, size: number, what: string): string | undefined {
  return p.length === size ? undefined : `${what} payload is ${p.length} bytes, expected ${size}`;
}

// ---------------------------------------------------------------- header

export interface Header {
  request: number;
  flags: number;
  size: number;
}

export function decodeHeader(b: Uint8Array): Header {
  const v = view(b);
  return { request: v.getUint32(0, true), flags: v.getUint32(4, true), size: v.getUint32(8, true) };
}

/** A whole message: header then payload. */
export function encodeMessage(request: number, flags: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(VHOST_USER_HEADER_SIZE + payload.length);
  const v = view(out);
  v.setUint32(0, request, true);
  v.setUint32(4, flags, true);
  v.setUint32(8, payload.length, true);
  out.set(payload, VHOST_USER_HEADER_SIZE);
  return out;
}

// ---------------------------------------------------------------- payloads

export function decodeU64(p: Uint8Array): Decoded<bigint> {
  const e = exact(p, SIZE.u64, 'u64');
  return e ? bad(e) : ok(view(p).getBigUint64(0, true));
}

export function encodeU64(v: bigint | number): Uint8Array {
  const out = new Uint8Array(8);
  view(out).setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
  return out;
}

export function decodeVringState(p: Uint8Array): Decoded<VringState> {
  const e = exact(p, SIZE['vring-state'], 'vring state');
  if (e) return bad(e);
  const v = view(p);
  return ok({ index: v.getUint32(0, true), num: v.getUint32(4, true) });
}

export function encodeVringState(s: VringState): Uint8Array {
  const out = new Uint8Array(8);
  const v = view(out);
  v.setUint32(0, s.index >>> 0, true);
  v.setUint32(4, s.num >>> 0, true);
  return out;
}

export function decodeVringAddr(p: Uint8Array): Decoded<VringAddr> {
  const e = exact(p, SIZE['vring-addr'], 'vring address');
  if (e) return bad(e);
  const v = view(p);
  return ok({
    index: v.getUint32(0, true),
    flags: v.getUint32(4, true),
    desc: v.getBigUint64(8, true),
    used: v.getBigUint64(16, true),
    avail: v.getBigUint64(24, true),
    log: v.getBigUint64(32, true),
  });
}

export function encodeVringAddr(a: VringAddr): Uint8Array {
  const out = new Uint8Array(SIZE['vring-addr']);
  const v = view(out);
  v.setUint32(0, a.index, true);
  v.setUint32(4, a.flags, true);
  v.setBigUint64(8, a.desc, true);
  v.setBigUint64(16, a.used, true);
  v.setBigUint64(24, a.avail, true);
  v.setBigUint64(32, a.log, true);
  return out;
}

function readRegion(v: DataView, at: number): MemRegionDescription {
  return {
    guestPhysAddr: v.getBigUint64(at, true),
    memorySize: v.getBigUint64(at + 8, true),
    userspaceAddr: v.getBigUint64(at + 16, true),
    mmapOffset: v.getBigUint64(at + 24, true),
  };
}

function writeRegion(v: DataView, at: number, r: MemRegionDescription): void {
  v.setBigUint64(at, r.guestPhysAddr, true);
  v.setBigUint64(at + 8, r.memorySize, true);
  v.setBigUint64(at + 16, r.userspaceAddr, true);
  v.setBigUint64(at + 24, r.mmapOffset, true);
}

/**
 * SET_MEM_TABLE: `{u32 nregions; u32 padding; region[nregions]}`. QEMU sends exactly nregions regions;
 * a full 8-region array (the C struct's size) is accepted too.
 */
export function decodeMemTable(p: Uint8Array): Decoded<MemRegionDescription[]> {
  const head = SIZE['mem-table-header'];
  const each = SIZE['mem-table-region'];
  if (p.length < head) return bad(`memory table payload is ${p.length} bytes, shorter than its 8-byte header`);
  const v = view(p);
  const n = v.getUint32(0, true);
  if (n < 1 || n > VHOST_USER_MAX_MEM_REGIONS) return bad(`memory table has ${n} regions (1 to ${VHOST_USER_MAX_MEM_REGIONS} allowed)`);
  const full = head + VHOST_USER_MAX_MEM_REGIONS * each;
  if (p.length !== head + n * each && p.length !== full) {
    return bad(`memory table payload is ${p.length} bytes, expected ${head + n * each} for ${n} region${n > 1 ? 's' : ''}`);
  }
  const regions: MemRegionDescription[] = [];
  for (let i = 0; i < n; i++) regions.push(readRegion(v, head + i * each));
  return ok(regions);
}

export function encodeMemTable(regions: readonly MemRegionDescription[]): Uint8Array {
  const head = SIZE['mem-table-header'];
  const each = SIZE['mem-table-region'];
  const out = new Uint8Array(head + regions.length * each);
  const v = view(out);
  v.setUint32(0, regions.length, true);
  regions.forEach((r, i) => writeRegion(v, head + i * each, r));
  return out;
}

/** ADD_MEM_REG / REM_MEM_REG: `{u64 padding; region}`. */
export function decodeMemRegion(p: Uint8Array): Decoded<MemRegionDescription> {
  const e = exact(p, SIZE['mem-region'], 'memory region');
  return e ? bad(e) : ok(readRegion(view(p), 8));
}

export function encodeMemRegion(r: MemRegionDescription): Uint8Array {
  const out = new Uint8Array(SIZE['mem-region']);
  writeRegion(view(out), 8, r);
  return out;
}

/** GET_CONFIG / SET_CONFIG: `{u32 offset; u32 size; u32 flags; u8 payload[size]}`. */
export function decodeConfig(p: Uint8Array): Decoded<ConfigPayload> {
  const head = SIZE['config-header'];
  if (p.length < head) return bad(`config payload is ${p.length} bytes, shorter than its 12-byte header`);
  const v = view(p);
  const offset = v.getUint32(0, true);
  const size = v.getUint32(4, true);
  const flags = v.getUint32(8, true);
  if (size > VHOST_USER_MAX_CONFIG_SIZE) return bad(`config size ${size} is above the maximum ${VHOST_USER_MAX_CONFIG_SIZE}`);
  if (p.length !== head + size) return bad(`config payload is ${p.length} bytes, expected ${head + size} for size ${size}`);
  return ok({ offset, size, flags, data: p.slice(head, head + size) });
}

export function encodeConfig(c: { offset: number; flags: number; data: Uint8Array }): Uint8Array {
  const head = SIZE['config-header'];
  const out = new Uint8Array(head + c.data.length);
  const v = view(out);
  v.setUint32(0, c.offset, true);
  v.setUint32(4, c.data.length, true);
  v.setUint32(8, c.flags, true);
  out.set(c.data, head);
  return out;
}

// ---------------------------------------------------------------- names

const BY_ID = new Map(VHOST_USER_REQUESTS.map((r) => [r.id, r]));

/** The request's facts, or undefined for an id the protocol does not define. */
export function requestInfo(id: number): VhostUserRequestInfo | undefined {
  return BY_ID.get(id);
}

/** "SET_VRING_ADDR", or "request 99" for an unknown id. */
export function requestName(id: number): string {
  return BY_ID.get(id)?.name ?? `request ${id}`;
}

const BACKEND_NAMES = new Map<number, string>(Object.entries(VhostUserBackendRequest).map(([k, v]) => [v, k]));

export function backendRequestName(id: number): string {
  return BACKEND_NAMES.get(id) ?? `backend request ${id}`;
}

const PROTOCOL_NAMES = new Map<number, string>(Object.entries(VhostUserProtocolFeature).map(([k, v]) => [v, k]));

/** Names of the protocol feature bits set in `bits` ("MQ", "REPLY_ACK", ..., "bit 40"). */
export function protocolFeatureNames(bits: bigint): string[] {
  const out: string[] = [];
  for (let b = 0; b < 64; b++) if ((bits >> BigInt(b)) & 1n) out.push(PROTOCOL_NAMES.get(b) ?? `bit ${b}`);
  return out;
}

export { hex } from '../../wire/hex';
