import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBlkRequest, summarizeBlk } from '../../../engine/decode';
import { BLK_REQUEST_TYPES } from '../../../engine/spec-tables';

/** struct virtio_blk_req header: le32 type, le32 reserved, le64 sector. */
function header(type: number, sector: bigint | number = 0): Uint8Array {
  const h = new Uint8Array(16);
  const dv = new DataView(h.buffer);
  dv.setUint32(0, type, true);
  dv.setBigUint64(8, BigInt(sector), true);
  return h;
}
const cat = (...parts: (Uint8Array | number[])[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
function segment(sector: number, count: number, flags: number): Uint8Array {
  const s = new Uint8Array(16);
  const dv = new DataView(s.buffer);
  dv.setBigUint64(0, BigInt(sector), true);
  dv.setUint32(8, count, true);
  dv.setUint32(12, flags, true);
  return s;
}

describe('blk requests', () => {
  test('OUT: header, data, status', () => {
    const r = decodeBlkRequest(cat(header(1, 2048), new Uint8Array(4096)), Uint8Array.of(0), { completed: true });
    assert.equal(r.error, undefined);
    assert.equal(r.values['req.type'], 'OUT');
    assert.equal(r.values['req.type_value'], 1);
    assert.equal(r.values['req.sector'], 2048);
    assert.equal(r.values['req.len'], 4096);
    assert.equal(r.values['req.status'], 'OK');
    assert.equal(summarizeBlk(r), 'OUT sector 2048 len 4096 → OK');
    assert.equal(r.fields.find((f) => f.label === 'status')?.offset, 16 + 4096);
  });

  test('IN before completion: status pending, data length from the writable part', () => {
    const r = decodeBlkRequest(header(0, 8), new Uint8Array(513).fill(0xff));
    assert.equal(r.values['req.type'], 'IN');
    assert.equal(r.values['req.len'], 512);
    assert.equal(r.values['req.status'], undefined);
    assert.equal(r.fields.find((f) => f.label === 'status')?.value, 'pending');
    assert.equal(summarizeBlk(r), 'IN sector 8 len 512');
  });

  test('FLUSH and legacy FLUSH_OUT', () => {
    const r = decodeBlkRequest(header(4), Uint8Array.of(2), { completed: true });
    assert.equal(r.values['req.type'], 'FLUSH');
    assert.equal(r.values['req.len'], 0);
    assert.equal(r.values['req.status'], 'UNSUPP');
    assert.equal(summarizeBlk(r), 'FLUSH → UNSUPP');
    assert.equal(decodeBlkRequest(header(5), Uint8Array.of(0)).values['req.type'], 'FLUSH_OUT');
  });

  test('GET_ID: NUL-padded and 20-character ids', () => {
    const id = new Uint8Array(21);
    id.set([...'virtio-disk'].map((c) => c.charCodeAt(0)));
    const r = decodeBlkRequest(header(8), id, { completed: true });
    assert.equal(r.values['req.type'], 'GET_ID');
    assert.equal(r.values['req.id'], 'virtio-disk');
    assert.equal(summarizeBlk(r), 'GET_ID "virtio-disk" → OK');
    const full = Uint8Array.from([...'ABCDEFGHIJKLMNOPQRST'].map((c) => c.charCodeAt(0)).concat([0]));
    assert.equal(decodeBlkRequest(header(8), full, { completed: true }).values['req.id'], 'ABCDEFGHIJKLMNOPQRST');
    const short = decodeBlkRequest(header(8), new Uint8Array(9), { completed: true });
    assert.equal(short.error, 'GET_ID buffer of 8 bytes, must be 20');
  });

  test('GET_LIFETIME', () => {
    const w = Uint8Array.of(2, 0, 3, 0, 11, 0, 0);
    const r = decodeBlkRequest(header(10), w, { completed: true });
    assert.equal(r.values['req.type'], 'GET_LIFETIME');
    assert.equal(r.values['req.pre_eol'], 'WARNING');
    assert.equal(r.values['req.lifetime_typ_a'], 3);
    assert.equal(r.values['req.lifetime_typ_b'], 11);
    assert.equal(r.fields.find((f) => f.label === 'device_lifetime_est_typ_a')?.value, '3 (20–30% used)');
  });

  for (const [type, name] of [[11, 'DISCARD'], [13, 'WRITE_ZEROES'], [14, 'SECURE_ERASE']] as const) {
    test(`${name}: segments`, () => {
      const r = decodeBlkRequest(cat(header(type), segment(100, 8, 0), segment(4096, 16, 1)), Uint8Array.of(0), { completed: true });
      assert.equal(r.error, undefined);
      assert.equal(r.values['req.type'], name);
      assert.equal(r.values['req.segments'], 2);
      assert.equal(r.values['req.seg.sector'], 100);
      assert.equal(r.values['req.seg.num_sectors'], 8);
      assert.equal(r.values['req.unmap'], true);
      const segs = r.fields.find((f) => f.label === 'segments');
      assert.equal(segs?.children?.length, 2);
      assert.equal(segs?.children?.[1]?.value, 'sector 4096 num_sectors 16 flags 0x1 (unmap)');
      assert.equal(summarizeBlk(r), `${name} 2 segments → OK`);
      const partial = decodeBlkRequest(cat(header(type), segment(1, 1, 0), [1, 2, 3]));
      assert.equal(partial.error, 'truncated at byte 35');
      assert.equal(decodeBlkRequest(header(type)).error, `${name} without segments`);
    });
  }

  test('every request type of the spec table decodes by name, with a data direction', () => {
    for (const t of BLK_REQUEST_TYPES) {
      const readable = t.data === 'readable' ? cat(header(t.value, 64), new Uint8Array(t.short.endsWith('ERASE') || t.short === 'DISCARD' || t.short === 'WRITE_ZEROES' ? 16 : 512)) : header(t.value, 64);
      const writable = new Uint8Array(t.data === 'writable' ? 513 : 1);
      const r = decodeBlkRequest(readable, writable, { completed: true });
      assert.equal(r.values['req.type'], t.short, t.short);
      assert.equal(r.values['req.status'], 'OK', t.short);
      assert.equal(r.error, undefined, `${t.short}: ${r.error}`);
      const expectLen = t.data === 'none' ? 0 : t.data === 'writable' ? 512 : readable.length - 16;
      assert.equal(r.values['req.len'], expectLen, t.short);
    }
  });

  test('legacy BARRIER flag and unknown types', () => {
    const r = decodeBlkRequest(header(0x80000001, 1));
    assert.equal(r.values['req.type'], 'OUT');
    assert.equal(r.values['req.barrier'], true);
    assert.match(r.fields[0]!.value, /OUT \| BARRIER/);
    const u = decodeBlkRequest(header(99));
    assert.equal(u.values['req.type'], 'unknown (99)');
    assert.equal(u.error, 'unknown request type 99');
  });

  test('sectors beyond 2^53 stay exact as strings', () => {
    const r = decodeBlkRequest(header(0, 0xffffffffffffffffn), Uint8Array.of(0));
    assert.equal(r.values['req.sector'], '18446744073709551615');
  });

  test('status values and a missing status byte', () => {
    for (const [b, name] of [[1, 'IOERR'], [6, 'ZONE_ACTIVE_RESOURCE'], [77, 'unknown (77)']] as const) {
      assert.equal(decodeBlkRequest(header(1), Uint8Array.of(b), { completed: true }).values['req.status'], name);
    }
    assert.equal(decodeBlkRequest(header(4), undefined, { completed: true }).error, 'no status byte: the request has no device-writable buffer');
  });

  test('every prefix of a header reports truncation at its length', () => {
    const full = cat(header(1, 7), new Uint8Array(512));
    for (let n = 0; n < 16; n++) assert.equal(decodeBlkRequest(full.subarray(0, n)).error, `truncated at byte ${n}`, `n=${n}`);
  });

  test('field offsets follow the base and the writable part', () => {
    const r = decodeBlkRequest(header(0, 1), new Uint8Array(513), { completed: true, base: 100 });
    assert.equal(r.fields.find((f) => f.label === 'sector')?.offset, 108);
    assert.equal(r.fields.find((f) => f.label === 'data (in)')?.offset, 116);
    assert.equal(r.fields.find((f) => f.label === 'status')?.offset, 116 + 512);
  });
});
