import { type SpecRule } from './types';

/**
 * virtio-blk rules (VIRTIO 1.2 §5.2). Where the spec prescribes the device's answer (UNSUPP for unknown
 * flags and for DISCARD with unmap, IOERR for writes to a read-only device) the device gives it; every
 * other driver error is answered VIRTIO_BLK_S_IOERR ("device or driver error", §5.2.6), as QEMU does for
 * out-of-range or misaligned requests. A request without a status byte cannot be answered: the device
 * returns it with a used length of 0.
 */
export const BLK_RULES = [
  // ---- framing (header, status) ----
  {
    id: 'blk-header-too-short',
    section: '5.2.6',
    scope: 'blk',
    severity: 'error',
    rule: 'A request starts with a 16-byte device-readable header {le32 type; le32 reserved; le64 sector}.',
    explanation:
      'The device reads type and sector from the first 16 readable bytes; with fewer there is no request to execute. QEMU stops the device with "virtio-blk missing headers", Firecracker fails with DescriptorChainTooShort. The device answers VIRTIO_BLK_S_IOERR.',
    fix: 'Put the whole struct virtio_blk_req header (16 bytes, not the 8-byte legacy type+ioprio pair) in the device-readable part at the start of the chain.',
    refs: ['F2'],
  },
  {
    id: 'blk-header-not-readable',
    section: '5.2.6',
    scope: 'blk',
    severity: 'error',
    rule: 'The request header is device-readable: its descriptor must not have VIRTQ_DESC_F_WRITE.',
    explanation:
      'The chain has no device-readable bytes at all, so the device sees no header (a header descriptor marked WRITE). Firecracker reports UnexpectedWriteOnlyDescriptor. The device answers VIRTIO_BLK_S_IOERR.',
    fix: 'Add the header descriptor without VIRTQ_DESC_F_WRITE; only data-in buffers and the status byte are device-writable.',
    refs: ['F2', 'F4'],
  },
  {
    id: 'blk-status-missing',
    section: '5.2.6',
    scope: 'blk',
    severity: 'error',
    rule: 'A request ends with a 1-byte device-writable status.',
    explanation:
      'The chain has no device-writable byte, so the device cannot report the outcome; QEMU stops the device ("virtio-blk missing headers"). This device returns the chain with a used length of 0 and executes nothing.',
    fix: 'Add a final 1-byte descriptor with VIRTQ_DESC_F_WRITE for the status and read the result from it.',
    refs: ['F2'],
  },
  {
    id: 'blk-status-not-writable',
    section: '5.2.6',
    scope: 'blk',
    severity: 'error',
    rule: 'The status byte is device-writable: its descriptor must have VIRTQ_DESC_F_WRITE.',
    explanation:
      'The chain ends with a 1-byte device-readable descriptor, the status byte without the WRITE flag; the device may not write it, so the request cannot be answered (Firecracker UnexpectedReadOnlyDescriptor). The chain is returned with a used length of 0.',
    fix: 'Set VIRTQ_DESC_F_WRITE on the status descriptor.',
    refs: ['F2', 'F4'],
  },
  {
    id: 'blk-status-not-last',
    section: '5.2.6',
    scope: 'blk',
    severity: 'error',
    rule: 'The status byte is the last byte of the request, after the data.',
    explanation:
      'The device writes the status into the last writable byte of the chain. A 1-byte writable descriptor placed before the data buffer means the driver reads its status from a byte the device never writes, and the device overwrites the last byte of the data. The device answers VIRTIO_BLK_S_IOERR.',
    fix: 'Add the data-in buffers first and the 1-byte status descriptor last.',
    refs: ['F2'],
  },
  {
    id: 'blk-status-not-one-byte',
    section: '5.2.6',
    scope: 'blk',
    severity: 'error',
    rule: 'The status is a single byte: a request that returns no data has exactly one device-writable byte.',
    explanation:
      'The device writes the status into the last writable byte, while drivers usually read the first byte of their status buffer; with a larger status buffer the driver reads garbage. The device answers VIRTIO_BLK_S_IOERR in the last byte.',
    fix: 'Use a 1-byte status descriptor (u8 status), not a 4-byte or larger field.',
    refs: ['F2'],
  },
  {
    id: 'blk-data-wrong-direction',
    section: '5.2.6',
    scope: 'blk',
    severity: 'error',
    rule: 'Data is device-writable for IN, GET_ID and GET_LIFETIME, and device-readable for OUT, DISCARD, WRITE_ZEROES and SECURE_ERASE.',
    explanation:
      'With the wrong WRITE flag the data sits on the wrong side of the chain: a read cannot return data into a readable buffer and a write cannot take data from a writable one (Firecracker UnexpectedReadOnly/WriteOnlyDescriptor). The device answers VIRTIO_BLK_S_IOERR.',
    fix: 'Set VIRTQ_DESC_F_WRITE on the data descriptors of reads (IN, GET_ID, GET_LIFETIME) and clear it for writes (OUT, DISCARD, WRITE_ZEROES, SECURE_ERASE).',
    refs: ['F4'],
  },
  // ---- data and sectors ----
  {
    id: 'blk-data-not-sector-multiple',
    section: '5.2.6.1',
    scope: 'blk',
    severity: 'error',
    rule: 'The data length of IN and OUT requests must be a multiple of 512 bytes.',
    explanation: 'Sectors are 512 bytes whatever blk_size says; QEMU fails a partial sector with VIRTIO_BLK_S_IOERR and the data is dropped. The device answers VIRTIO_BLK_S_IOERR.',
    fix: 'Round the transfer to whole 512-byte sectors (a write smaller than a sector needs a read-modify-write in the driver).',
    refs: ['F3'],
  },
  {
    id: 'blk-sector-beyond-capacity',
    section: '5.2.6.1',
    scope: 'blk',
    severity: 'error',
    rule: 'A driver must not submit a request that reads or writes beyond capacity.',
    explanation: 'Sectors past the end of the disk do not exist; QEMU answers VIRTIO_BLK_S_IOERR. The capacity may also have shrunk with a configuration change. The device answers VIRTIO_BLK_S_IOERR and transfers nothing.',
    fix: 'Check sector + length / 512 against capacity (re-read capacity after a configuration change notification).',
  },
  {
    id: 'blk-too-many-segments',
    section: '5.2.4',
    scope: 'blk',
    severity: 'error',
    rule: 'With VIRTIO_BLK_F_SEG_MAX, a request carries at most seg_max data segments.',
    explanation: 'The device sizes its scatter-gather lists from seg_max (QEMU: queue size - 2); longer requests fail. The device answers VIRTIO_BLK_S_IOERR.',
    fix: 'Limit the scatter-gather list of one request to seg_max entries (Linux: blk_queue_max_segments(q, seg_max)); split larger requests.',
  },
  {
    id: 'blk-segment-too-large',
    section: '5.2.4',
    scope: 'blk',
    severity: 'error',
    rule: 'With VIRTIO_BLK_F_SIZE_MAX, no data segment is larger than size_max bytes.',
    explanation: 'The device announced the largest single segment it accepts; a larger one may not be mappable by the back end. The device answers VIRTIO_BLK_S_IOERR.',
    fix: 'Split data buffers into segments of at most size_max bytes (Linux: blk_queue_max_segment_size(q, size_max)).',
  },
  // ---- discard / write zeroes / secure erase ----
  {
    id: 'blk-range-data-length',
    section: '5.2.6.1',
    scope: 'blk',
    severity: 'error',
    rule: 'The data of DISCARD, WRITE_ZEROES and SECURE_ERASE is one or more 16-byte segments {le64 sector; le32 num_sectors; le32 flags}.',
    explanation: 'A length that is not a non-zero multiple of 16 bytes cannot be split into segments (QEMU: "discard/write_zeroes header too short"). The device answers VIRTIO_BLK_S_IOERR.',
    fix: 'Send an array of struct virtio_blk_discard_write_zeroes, at least one, with no extra bytes.',
  },
  {
    id: 'blk-range-too-many-segments',
    section: '5.2.6.1',
    scope: 'blk',
    severity: 'error',
    rule: 'DISCARD, WRITE_ZEROES and SECURE_ERASE requests carry at most max_discard_seg, max_write_zeroes_seg and max_secure_erase_seg segments.',
    explanation: 'The device announced how many ranges one request may carry (QEMU supports one). The device answers VIRTIO_BLK_S_IOERR.',
    fix: 'Read the limit from config space and split the ranges over several requests.',
  },
  {
    id: 'blk-range-too-many-sectors',
    section: '5.2.4',
    scope: 'blk',
    severity: 'error',
    rule: 'A segment of a DISCARD, WRITE_ZEROES or SECURE_ERASE request covers at most max_discard_sectors, max_write_zeroes_sectors or max_secure_erase_sectors sectors.',
    explanation: 'QEMU fails a larger segment with VIRTIO_BLK_S_IOERR. The device answers VIRTIO_BLK_S_IOERR.',
    fix: 'Honour the limit from config space (Linux: blk_queue_max_discard_sectors / max_write_zeroes_sectors) and split larger ranges.',
  },
  {
    id: 'blk-discard-unmap',
    section: '5.2.6.1',
    scope: 'blk',
    severity: 'error',
    rule: 'The unmap flag must be zero for DISCARD segments.',
    explanation: 'Unmap only has a meaning for WRITE_ZEROES; the device MUST answer VIRTIO_BLK_S_UNSUPP to a DISCARD with unmap set (§5.2.6.2), so the range is not discarded.',
    fix: 'Clear flags.unmap in discard segments; use WRITE_ZEROES with unmap to deallocate while guaranteeing zeroes.',
  },
  {
    id: 'blk-range-unknown-flags',
    section: '5.2.6.2',
    scope: 'blk',
    severity: 'error',
    rule: 'Segment flags other than unmap (bit 0) are reserved and must be zero.',
    explanation: 'The device MUST answer VIRTIO_BLK_S_UNSUPP to a DISCARD, WRITE_ZEROES or SECURE_ERASE request with an unknown flag set; nothing is executed.',
    fix: 'Zero the reserved bits of flags (only bit 0, unmap, is defined, and only for WRITE_ZEROES).',
  },
  // ---- request types ----
  {
    id: 'blk-write-read-only',
    section: '5.2.6.2',
    scope: 'blk',
    severity: 'warning',
    rule: 'With VIRTIO_BLK_F_RO the device is read-only: any write request fails.',
    explanation: 'The device MUST answer VIRTIO_BLK_S_IOERR to a write (OUT, DISCARD, WRITE_ZEROES, SECURE_ERASE) and write nothing. A driver that accepted RO should not send writes at all (Linux marks the disk read-only).',
    fix: 'Check VIRTIO_BLK_F_RO and expose the disk read-only (set_disk_ro) instead of submitting writes.',
  },
  {
    id: 'blk-flush-sector-nonzero',
    section: '5.2.6.1',
    scope: 'blk',
    severity: 'error',
    rule: 'A driver must set sector to 0 for a VIRTIO_BLK_T_FLUSH request.',
    explanation: 'A flush applies to the whole device; a non-zero sector suggests the driver reused a read/write header without resetting it. The device answers VIRTIO_BLK_S_IOERR.',
    fix: 'Zero the sector field of flush requests.',
  },
  {
    id: 'blk-flush-with-data',
    section: '5.2.6.1',
    scope: 'blk',
    severity: 'warning',
    rule: 'A driver should not include any data in a VIRTIO_BLK_T_FLUSH request.',
    explanation: 'A flush carries only the header and the status; extra buffers are ignored (the flush is still executed and answered).',
    fix: 'Build flush requests from the 16-byte header and the 1-byte status only.',
  },
  {
    id: 'blk-get-id-length',
    section: '5.2.6.1',
    scope: 'blk',
    severity: 'error',
    rule: 'The data of a VIRTIO_BLK_T_GET_ID request must be 20 bytes long.',
    explanation: 'The device ID is a NUL-padded string of up to 20 bytes (VIRTIO_BLK_ID_BYTES), without NUL when it is 20 characters long. The device answers VIRTIO_BLK_S_IOERR to any other length.',
    fix: 'Use a 20-byte device-writable buffer and do not rely on a terminating NUL.',
  },
  {
    id: 'blk-get-lifetime-length',
    section: '5.2.6',
    scope: 'blk',
    severity: 'error',
    rule: 'The data of a VIRTIO_BLK_T_GET_LIFETIME request holds struct virtio_blk_lifetime (6 bytes).',
    explanation: 'The device writes {le16 pre_eol_info; le16 device_lifetime_est_typ_a; le16 device_lifetime_est_typ_b}; a shorter buffer cannot hold it. The device answers VIRTIO_BLK_S_IOERR.',
    fix: 'Use a device-writable buffer of sizeof(struct virtio_blk_lifetime) = 6 bytes.',
  },
  {
    id: 'blk-type-not-negotiated',
    section: '5.2.6.2',
    scope: 'blk',
    severity: 'error',
    rule: 'Request types that depend on a feature (FLUSH, DISCARD, WRITE_ZEROES, GET_LIFETIME, SECURE_ERASE, the zoned types) are sent only when the feature was negotiated.',
    explanation: 'Without the feature the device does not support the command; the spec requires UNSUPP for zoned commands without VIRTIO_BLK_F_ZONED, and QEMU answers UNSUPP to DISCARD/WRITE_ZEROES it did not offer. The device answers VIRTIO_BLK_S_UNSUPP.',
    fix: 'Check the negotiated feature bit before sending the command (e.g. VIRTIO_BLK_F_DISCARD before VIRTIO_BLK_T_DISCARD).',
  },
  {
    id: 'blk-type-unknown',
    section: '5.2.6',
    scope: 'blk',
    severity: 'warning',
    rule: 'The request type is one of the VIRTIO_BLK_T_* values.',
    explanation: 'The device does not know the type (a typo, an uninitialised header, or the legacy BARRIER bit 0x80000000 on a modern device) and answers VIRTIO_BLK_S_UNSUPP.',
    fix: 'Set type to IN (0), OUT (1), FLUSH (4), GET_ID (8), GET_LIFETIME (10), DISCARD (11), WRITE_ZEROES (13) or SECURE_ERASE (14).',
  },
  // ---- configuration ----
  {
    id: 'blk-writeback-read-before-features-ok',
    section: '5.2.5.1',
    scope: 'blk',
    severity: 'error',
    rule: 'The driver must not read writeback before setting FEATURES_OK.',
    explanation: 'The cache mode depends on the negotiated features (with CONFIG_WCE but not FLUSH the device sets writeback to 0 at FEATURES_OK); a value read earlier may be wrong.',
    fix: 'Read the writeback field after FEATURES_OK (and only if VIRTIO_BLK_F_CONFIG_WCE was negotiated).',
  },
  {
    id: 'blk-writeback-invalid-value',
    section: '5.2.6.1',
    scope: 'blk',
    severity: 'error',
    rule: 'The driver switches the cache mode by writing 0 (writethrough) or 1 (writeback) to writeback.',
    explanation: 'Other values have no meaning; the device ignores the write and keeps its cache mode.',
    fix: 'Write exactly 0 or 1 to the writeback field.',
  },
] as const satisfies readonly SpecRule[];

/** Ids of the virtio-blk rules. */
export type BlkRuleId = (typeof BLK_RULES)[number]['id'];
