import {
  BLK_ID_BYTES, BLK_LIFETIME_SIZE, BLK_PRE_EOL, BLK_REQ_HEADER_SIZE, BLK_SEGMENT_SIZE, BLK_STATUS, BLK_T_BARRIER,
  BLK_WRITE_ZEROES_FLAG_UNMAP, blkRequestType, shortName,
} from '../spec-tables';
import { hex, hexBytes } from '../wire/hex';
import { LayerBuilder, big } from '../wire/layer';
import { type DecodedField, type DecodedLayer } from '../wire/types';

/** Options of {@link decodeBlkRequest}. */
export interface BlkDecodeOptions {
  /** The device has completed the request: the writable part holds data and the status byte. */
  readonly completed?: boolean;
  /** Offset of `readable` in the caller's view (for field offsets); the writable part continues after it. */
  readonly base?: number;
}

/** Segment types (16-byte {le64 sector; le32 num_sectors; le32 flags} entries in the readable data). */
const SEGMENTED = new Set(['DISCARD', 'WRITE_ZEROES', 'SECURE_ERASE']);

/**
 * Decodes a virtio-blk request (VIRTIO 1.2 §5.2.6) from its device-readable bytes (16-byte header, then OUT data
 * or segments) and device-writable bytes (IN data / GET_ID / GET_LIFETIME answer, then the status byte).
 * Values: `req.type` (OUT), `req.type_value`, `req.sector`, `req.len` (data bytes), `req.barrier`, `req.segments`,
 * `req.id`, `req.status` (only when completed). Field offsets: readable from `base`, writable right after it.
 */
export function decodeBlkRequest(readable: Uint8Array, writable: Uint8Array = new Uint8Array(0), opts: BlkDecodeOptions = {}): DecodedLayer {
  const base = opts.base ?? 0;
  const b = new LayerBuilder('virtio-blk request', readable, readable.length, 'req.');
  const off = (o: number): number => base + o;
  if (!b.need(0, 4)) return b.build();

  const rawType = b.u32le(0);
  const barrier = rawType >= BLK_T_BARRIER;
  const typeValue = barrier ? rawType - BLK_T_BARRIER : rawType;
  const info = blkRequestType(typeValue);
  const typeName = info?.short ?? `unknown (${typeValue})`;
  b.add('type', `${typeName}${barrier ? ' | BARRIER' : ''} (${rawType})`, off(0), 4, typeName);
  b.set('type', typeName);
  b.set('type_value', typeValue);
  if (barrier) b.set('barrier', true);
  if (!info) b.fail(`unknown request type ${typeValue}`);

  if (b.need(4, 4)) b.add('reserved', String(b.u32le(4)), off(4), 4, b.u32le(4));
  if (b.need(8, 8)) {
    const sector = b.u64le(8);
    b.add('sector', String(sector), off(8), 8, big(sector));
    b.set('sector', big(sector));
  }

  const readData = Math.max(0, readable.length - BLK_REQ_HEADER_SIZE);
  // The status byte is the last writable byte; data (if the device writes any) precedes it.
  const writeData = Math.max(0, writable.length - 1);
  const wbase = base + readable.length;
  const len = info?.data === 'writable' ? writeData : info?.data === 'readable' ? readData : readData + writeData;
  b.set('len', len);
  if (readData > 0 && readable.length > BLK_REQ_HEADER_SIZE && !SEGMENTED.has(typeName)) {
    b.add('data (out)', hexBytes(readable, BLK_REQ_HEADER_SIZE, readable.length), off(BLK_REQ_HEADER_SIZE), readData, readData);
  }

  if (SEGMENTED.has(typeName) && readable.length >= BLK_REQ_HEADER_SIZE) decodeSegments(b, readable, base, typeName);

  const done = opts.completed === true;
  if (info?.data === 'writable' && writeData > 0) {
    if (typeName === 'GET_ID' && done) decodeId(b, writable, wbase);
    else if (typeName === 'GET_LIFETIME' && done) decodeLifetime(b, writable, wbase);
    else b.add('data (in)', done ? hexBytes(writable, 0, writeData) : `${writeData} bytes`, wbase, writeData, writeData);
  }

  if (writable.length === 0) {
    if (done) b.fail('no status byte: the request has no device-writable buffer');
  } else if (done) {
    const s = writable[writable.length - 1]!;
    const name = shortName(BLK_STATUS, s);
    b.add('status', `${name} (${s})`, wbase + writable.length - 1, 1, name);
    b.set('status', name);
  } else {
    b.add('status', 'pending', wbase + writable.length - 1, 1);
  }
  return b.build();
}

function decodeSegments(b: LayerBuilder, readable: Uint8Array, base: number, typeName: string): void {
  const data = readable.length - BLK_REQ_HEADER_SIZE;
  const count = Math.floor(data / BLK_SEGMENT_SIZE);
  const children: DecodedField[] = [];
  let unmap = false;
  for (let i = 0; i < count; i++) {
    const at = BLK_REQ_HEADER_SIZE + i * BLK_SEGMENT_SIZE;
    const sector = b.u64le(at);
    const n = b.u32le(at + 8);
    const flags = b.u32le(at + 12);
    unmap ||= (flags & BLK_WRITE_ZEROES_FLAG_UNMAP) !== 0;
    children.push({
      label: `segment ${i}`, value: `sector ${sector} num_sectors ${n} flags ${hex(flags)}${flags & BLK_WRITE_ZEROES_FLAG_UNMAP ? ' (unmap)' : ''}`,
      offset: base + at, size: BLK_SEGMENT_SIZE,
      children: [
        { label: 'sector', value: String(sector), raw: big(sector), offset: base + at, size: 8 },
        { label: 'num_sectors', value: String(n), raw: n, offset: base + at + 8, size: 4 },
        { label: 'flags', value: `${hex(flags)}${flags & BLK_WRITE_ZEROES_FLAG_UNMAP ? ' (unmap)' : ''}`, raw: flags, offset: base + at + 12, size: 4 },
      ],
    });
    if (i === 0) {
      b.set('seg.sector', big(sector));
      b.set('seg.num_sectors', n);
    }
  }
  b.add('segments', `${count} × {sector, num_sectors, flags}`, base + BLK_REQ_HEADER_SIZE, count * BLK_SEGMENT_SIZE, count, children);
  b.set('segments', count);
  b.set('unmap', unmap);
  if (data % BLK_SEGMENT_SIZE !== 0) b.truncated(readable.length);
  if (count === 0 && data === 0) b.fail(`${typeName} without segments`);
}

function decodeId(b: LayerBuilder, w: Uint8Array, wbase: number): void {
  const n = Math.min(BLK_ID_BYTES, w.length - 1);
  let id = '';
  for (let i = 0; i < n && w[i] !== 0; i++) id += w[i]! >= 0x20 && w[i]! < 0x7f ? String.fromCharCode(w[i]!) : '.';
  b.add('id', JSON.stringify(id), wbase, n, id);
  b.set('id', id);
  if (n < BLK_ID_BYTES) b.fail(`GET_ID buffer of ${n} bytes, must be ${BLK_ID_BYTES}`);
}

function decodeLifetime(b: LayerBuilder, w: Uint8Array, wbase: number): void {
  const lb = new LayerBuilder('lifetime', w, w.length - 1);
  const names = ['pre_eol_info', 'device_lifetime_est_typ_a', 'device_lifetime_est_typ_b'];
  for (let i = 0; i < 3; i++) {
    if (!lb.need(2 * i, 2)) {
      b.fail(`GET_LIFETIME buffer of ${w.length - 1} bytes, must be ${BLK_LIFETIME_SIZE}`);
      return;
    }
    const v = lb.u16le(2 * i);
    const shown = i === 0 ? `${shortName(BLK_PRE_EOL, v)} (${v})` : `${v} (${lifetimeText(v)})`;
    b.add(names[i]!, shown, wbase + 2 * i, 2, v);
    b.set(i === 0 ? 'pre_eol' : names[i]!.replace('device_lifetime_est_', 'lifetime_'), i === 0 ? shortName(BLK_PRE_EOL, v) : v);
  }
}

/** eMMC-style lifetime estimate: 1..10 = 0–10% .. 90–100% used, 11 = exceeded, 0 = undefined. */
function lifetimeText(v: number): string {
  if (v === 0) return 'undefined';
  if (v <= 10) return `${(v - 1) * 10}–${v * 10}% used`;
  return v === 11 ? 'exceeded its maximum estimated lifetime' : 'reserved';
}
