/** The virtio_net_hdr a driver puts in front of a transmitted frame (§5.1.6), encoded little-endian. */
export interface TxHeader {
  flags?: number;
  gsoType?: number;
  hdrLen?: number;
  gsoSize?: number;
  csumStart?: number;
  csumOffset?: number;
  numBuffers?: number;
}

export function encodeTxHeader(h: TxHeader, size: number): Uint8Array {
  const b = new Uint8Array(size);
  const put16 = (o: number, v: number) => {
    if (o + 1 < size) {
      b[o] = v & 0xff;
      b[o + 1] = (v >> 8) & 0xff;
    }
  };
  b[0] = h.flags ?? 0;
  b[1] = h.gsoType ?? 0;
  put16(2, h.hdrLen ?? 0);
  put16(4, h.gsoSize ?? 0);
  put16(6, h.csumStart ?? 0);
  put16(8, h.csumOffset ?? 0);
  put16(10, h.numBuffers ?? 0);
  return b;
}
