/** One decoded field: what the Variables view and the webviews show, with its byte range for highlighting. */
export interface DecodedField {
  readonly label: string;
  /** Display value ("0x0800 (IPv4)", "52:54:00:12:34:56"). */
  readonly value: string;
  /** The value as a primitive, when it has one. */
  readonly raw?: number | string | boolean;
  /** Byte offset in the buffer given to the decoder. */
  readonly offset: number;
  readonly size: number;
  readonly children?: readonly DecodedField[];
}

/** One protocol layer of a payload (a blk request, virtio_net_hdr, Ethernet, IPv4...). */
export interface DecodedLayer {
  readonly protocol: string;
  readonly fields: readonly DecodedField[];
  /**
   * Flat values for breakpoint conditions and summaries, keyed like `req.type`, `pkt.ip.src`, `ctrl.class`.
   * Names are strings ("OUT", "IPv4"), numbers stay numbers.
   */
  readonly values: Readonly<Record<string, string | number | boolean>>;
  /** Set when the input is short (`truncated at byte N`) or malformed; the fields hold what was there. */
  readonly error?: string;
}
