/** Counters of a net device (shown in the debugger's Device scope and the demo summary). */
export interface NetStats {
  rxFrames: number;
  rxBytes: number;
  /** Frames that needed more than one buffer (MRG_RXBUF). */
  rxMerged: number;
  rxDropped: {
    /** Rejected by the receive filter (MAC, RX modes, VLAN). */
    filtered: number;
    /** Arrived while the link was down or before DRIVER_OK. */
    notReady: number;
    /** Pushed out of a full backlog while waiting for receive buffers. */
    backlog: number;
    /** Did not fit into a single receive buffer (no MRG_RXBUF). */
    bufferTooSmall: number;
    /** Larger than the MTU allows (or than any receive buffer layout can carry). */
    oversize: number;
  };
  txFrames: number;
  txBytes: number;
  /** GSO packets the device cut into segments before sending them. */
  txSegmented: number;
  /** Partial checksums the device completed. */
  txChecksummed: number;
  txDropped: {
    /** Sent while the link was down. */
    linkDown: number;
    /** Malformed: too short, checksum offsets outside the frame, GSO the device cannot perform. */
    malformed: number;
  };
  ctrlCommands: number;
  ctrlErrors: number;
}

export function newNetStats(): NetStats {
  return {
    rxFrames: 0,
    rxBytes: 0,
    rxMerged: 0,
    rxDropped: { filtered: 0, notReady: 0, backlog: 0, bufferTooSmall: 0, oversize: 0 },
    txFrames: 0,
    txBytes: 0,
    txSegmented: 0,
    txChecksummed: 0,
    txDropped: { linkDown: 0, malformed: 0 },
    ctrlCommands: 0,
    ctrlErrors: 0,
  };
}
