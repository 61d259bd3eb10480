// blk request scenarios: each malformed request of the reference driver's fault catalogue
// (engine/driver/workloads/blk-faults.ts), sent through the raw front end. The head of the first chain on a
// fresh ring is descriptor 0: that is the index a blk rule names.
import { type RuleId } from '../../engine/rules';
import { type BlkDeviceInfo, blkFaultPieces } from '../../engine/driver/workloads/blk-faults';
import { requestPieces } from '../../engine/driver/workloads/blk-client';
import { type HostileFront } from './support/front';
import { type Scenario, type Verdict } from './support/scenario';

/** What the driver knows from config space (virtio_blk_config, read with GET_CONFIG). */
async function info(f: HostileFront): Promise<BlkDeviceInfo> {
  const c = await f.config(60);
  return {
    capacity: c.readBigUInt64LE(0),
    negotiated: (short) => f.has(short),
    sizeMax: f.has('SIZE_MAX') ? c.readUInt32LE(8) : undefined,
    segMax: f.has('SEG_MAX') ? c.readUInt32LE(12) : undefined,
    maxDiscardSeg: f.has('DISCARD') ? c.readUInt32LE(40) : undefined,
    maxWriteZeroesSectors: f.has('WRITE_ZEROES') ? c.readUInt32LE(48) : undefined,
  };
}

/** Sends the malformed request of `rule` (arg as blk-faults documents it) on ring 0; long ones go indirect. */
export async function sendBlkFault(f: HostileFront, rule: RuleId, arg?: number): Promise<void> {
  const pieces = blkFaultPieces({ rule, ...(arg !== undefined ? { arg } : {}) }, await info(f), requestPieces);
  const buffers = f.buffers(pieces.map((p) => ({ len: p.len, write: p.write, ...(p.bytes ? { bytes: p.bytes } : {}) })));
  if (buffers.length > f.get(0).size) f.submitIndirect(0, buffers);
  else void f.submit(0, buffers);
}

const req = (name: string, rule: RuleId, verdict: Verdict, o: { features?: string[]; arg?: number; modes?: number[]; process?: 'readonly'; size?: number } = {}): Scenario => ({
  name,
  device: 'blk',
  rule,
  index: 0,
  verdict,
  ...(o.modes ? { modes: o.modes } : {}),
  ...(o.process ? { process: o.process } : {}),
  front: { features: o.features ?? [], ...(o.size ? { size: o.size } : {}) },
  act: (f) => sendBlkFault(f, rule, o.arg),
});

export const BLK_SCENARIOS: Scenario[] = [
  req('an 8-byte request header', 'blk-header-too-short', 'served', { modes: [2] }),
  req('a device-writable header', 'blk-header-not-readable', 'served', { modes: [4] }),
  req('a write without a status descriptor', 'blk-status-missing', 'served', { modes: [2] }),
  req('a status descriptor without VIRTQ_DESC_F_WRITE', 'blk-status-not-writable', 'served', { modes: [4] }),
  req('the status descriptor before the data', 'blk-status-not-last', 'served', { modes: [2] }),
  req('a 4-byte status buffer', 'blk-status-not-one-byte', 'served', { modes: [2] }),
  req('a 2-byte status buffer', 'blk-status-not-one-byte', 'served', { arg: 2 }),
  req('a read whose data buffer is device-readable', 'blk-data-wrong-direction', 'served', { modes: [4] }),
  req('a write of 100 bytes', 'blk-data-not-sector-multiple', 'served', { modes: [3] }),
  req('a write of 513 bytes', 'blk-data-not-sector-multiple', 'served', { arg: 513, modes: [3] }),
  req('a read of the sector just past the end', 'blk-sector-beyond-capacity', 'served'),
  req('a read 1000 sectors past the end', 'blk-sector-beyond-capacity', 'served', { arg: 1000 }),
  req('seg_max + 1 segments', 'blk-too-many-segments', 'served', { features: ['SEG_MAX', 'INDIRECT_DESC'] }),
  req('a segment larger than size_max', 'blk-segment-too-large', 'served', { features: ['SIZE_MAX'] }),
  req('a DISCARD with 20 bytes of segments', 'blk-range-data-length', 'served', { features: ['DISCARD'] }),
  req('a DISCARD with max_discard_seg + 1 segments', 'blk-range-too-many-segments', 'served', { features: ['DISCARD'] }),
  req('a WRITE_ZEROES of max_write_zeroes_sectors + 1', 'blk-range-too-many-sectors', 'served', { features: ['WRITE_ZEROES'] }),
  req('a DISCARD segment with the unmap flag', 'blk-discard-unmap', 'served', { features: ['DISCARD'] }),
  req('a WRITE_ZEROES segment with reserved flag bit 1', 'blk-range-unknown-flags', 'served', { features: ['WRITE_ZEROES'] }),
  req('a WRITE_ZEROES segment with flags 0x80000000', 'blk-range-unknown-flags', 'served', { features: ['WRITE_ZEROES'], arg: 0x80000000 }),
  req('a write to a read-only disk', 'blk-write-read-only', 'served', { process: 'readonly' }),
  req('a FLUSH with sector 1', 'blk-flush-sector-nonzero', 'served', { features: ['FLUSH'] }),
  req('a FLUSH with sector 0xffff', 'blk-flush-sector-nonzero', 'served', { features: ['FLUSH'], arg: 0xffff }),
  req('a FLUSH carrying data', 'blk-flush-with-data', 'served', { features: ['FLUSH'] }),
  req('a GET_ID with a 16-byte buffer', 'blk-get-id-length', 'served'),
  req('a GET_ID with a 1-byte buffer', 'blk-get-id-length', 'served', { arg: 1 }),
  req('a GET_LIFETIME with a 4-byte buffer', 'blk-get-lifetime-length', 'served', { features: ['LIFETIME'] }),
  req('a DISCARD without VIRTIO_BLK_F_DISCARD', 'blk-type-not-negotiated', 'served'),
  req('request type 0xff', 'blk-type-unknown', 'served'),
  req('request type 0x80000000 (legacy BARRIER)', 'blk-type-unknown', 'served', { arg: 0x80000000 }),
];

/** Hand-laid requests (issue 12's misnamed cases): the header, then `rest` (data/status) as given. */
const laid = (name: string, rule: RuleId, index: number, verdict: Verdict, rest: { len: number; write: boolean }[], type = 0): Scenario => ({
  name,
  device: 'blk',
  rule,
  index,
  verdict,
  modes: [2, 4],
  act: (f) => {
    const hdr = Buffer.alloc(16);
    hdr.writeUInt32LE(type, 0);
    void f.submit(0, f.buffers([{ len: 16, write: false, bytes: hdr }, ...rest]));
  },
});

export const BLK_LAID_SCENARIOS: Scenario[] = [
  // Named first; the readable descriptor after writable ones still stops the queue (split-write-before-read).
  laid('a read whose status descriptor is device-readable', 'blk-status-not-writable', 2, 'needs-reset', [
    { len: 512, write: true },
    { len: 1, write: false },
  ]),
  laid('a read with no status descriptor', 'blk-status-missing', 0, 'served', [{ len: 512, write: true }]),
  laid('a read of two sectors in two buffers and no status descriptor', 'blk-status-missing', 0, 'served', [
    { len: 512, write: true },
    { len: 512, write: true },
  ]),
];
