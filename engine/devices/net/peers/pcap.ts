/**
 * Classic pcap capture (the libpcap file format: magic 0xa1b2c3d4, microsecond timestamps, linktype 1 =
 * Ethernet), which tshark, Wireshark and tcpdump open. Frames are plain Ethernet without FCS, as on an
 * `EthernetPort`.
 */
import { closeSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { type FrameTap } from '../ethernet-port';

export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
const PCAP_MAGIC_NANOS = 0xa1b23c4d;
export const LINKTYPE_ETHERNET = 1;
export const PCAP_SNAPLEN = 65535;
const GLOBAL_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;

export interface PcapWriterOptions {
  /** How often buffered records reach the file (ms); a crash loses at most this much. Default 200. */
  flushIntervalMs?: number;
  /** Buffered bytes that trigger a flush before the interval elapses. Default 256 KiB. */
  flushBytes?: number;
  /** Wall-clock time in microseconds since the Unix epoch (tests inject a fixed clock). */
  nowMicros?: () => bigint;
}

/** Wall clock with microsecond resolution: Date.now() once, then the monotonic high-resolution clock. */
function defaultClock(): () => bigint {
  const wallAtStart = BigInt(Date.now()) * 1000n;
  const hrAtStart = process.hrtime.bigint();
  return () => wallAtStart + (process.hrtime.bigint() - hrAtStart) / 1000n;
}

/** Writers still open when the process exits get their last records written. */
const openWriters = new Set<PcapWriter>();
let exitHookInstalled = false;
function trackOpen(w: PcapWriter): void {
  openWriters.add(w);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const writer of openWriters) writer.closeSync();
    });
  }
}

export class PcapWriter {
  /** Frames recorded (written or waiting in the buffer). */
  framesWritten = 0;
  /** Frames not recorded because the writer was closed or the file failed. */
  framesDropped = 0;
  /** The first write error, after which the writer records nothing more. */
  error: Error | undefined;

  private fd: number | undefined;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly flushBytes: number;
  private readonly nowMicros: () => bigint;

  private constructor(readonly path: string, fd: number, options: PcapWriterOptions) {
    this.fd = fd;
    this.flushBytes = options.flushBytes ?? 256 * 1024;
    this.nowMicros = options.nowMicros ?? defaultClock();
    this.timer = setInterval(() => this.flush(), options.flushIntervalMs ?? 200);
    this.timer.unref();
    trackOpen(this);
  }

  /**
   * Creates (or truncates) `path` and writes the pcap global header at once, so an unwritable path is a
   * clear error at start-up rather than a silent loss later.
   */
  static open(path: string, options: PcapWriterOptions = {}): PcapWriter {
    refuseNonPcap(path);
    let fd: number | undefined;
    try {
      fd = openSync(path, 'w', 0o600);
      writeSync(fd, globalHeader());
    } catch (e) {
      if (fd !== undefined) closeSync(fd);
      throw new Error(`cannot write pcap file ${path}: ${(e as Error).message}`);
    }
    return new PcapWriter(path, fd, options);
  }

  get closed(): boolean {
    return this.fd === undefined;
  }

  /** Records one frame with the current time. Never throws. */
  write(frame: Uint8Array): void {
    if (this.fd === undefined || this.error) {
      this.framesDropped++;
      return;
    }
    const caplen = Math.min(frame.length, PCAP_SNAPLEN);
    const record = new Uint8Array(RECORD_HEADER_LEN + caplen);
    const view = new DataView(record.buffer);
    const micros = this.nowMicros();
    view.setUint32(0, Number(micros / 1_000_000n) >>> 0, true);
    view.setUint32(4, Number(micros % 1_000_000n), true);
    view.setUint32(8, caplen, true);
    view.setUint32(12, frame.length, true);
    record.set(frame.subarray(0, caplen), RECORD_HEADER_LEN);
    this.chunks.push(record);
    this.buffered += record.length;
    this.framesWritten++;
    if (this.buffered >= this.flushBytes) this.flush();
  }

  /** Writes buffered records to the file. Never throws: a failure is kept in `error`. */
  flush(): void {
    if (this.fd === undefined || this.buffered === 0) return;
    const data = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    if (this.error) return;
    try {
      let off = 0;
      while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
    } catch (e) {
      this.error = new Error(`writing pcap file ${this.path} failed: ${(e as Error).message}`);
    }
  }

  /** Flushes and closes the file; later frames are dropped. Idempotent. */
  closeSync(): void {
    if (this.fd === undefined) return;
    this.flush();
    clearInterval(this.timer);
    openWriters.delete(this);
    try {
      closeSync(this.fd);
    } catch (e) {
      this.error ??= new Error(`closing pcap file ${this.path} failed: ${(e as Error).message}`);
    }
    this.fd = undefined;
  }

  close(): Promise<void> {
    this.closeSync();
    return Promise.resolve();
  }
}

/** An existing non-empty regular file that is not a capture is someone's data: never truncate it. */
function refuseNonPcap(path: string): void {
  let head: Uint8Array;
  try {
    if (!statSync(path).isFile()) return;
    const fd = openSync(path, 'r');
    try {
      head = new Uint8Array(4);
      const n = readSync(fd, head, 0, 4, 0);
      if (n === 0) return;
      head = head.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  } catch {
    return; // missing or unreadable: open() reports what matters
  }
  const view = new DataView(head.buffer, head.byteOffset, head.length);
  const isPcap = head.length === 4 && [view.getUint32(0, true), view.getUint32(0, false)].some((m) => m === PCAP_MAGIC_MICROS || m === PCAP_MAGIC_NANOS);
  if (!isPcap) throw new Error(`refusing to overwrite ${path}: it exists and is not a pcap capture. Fix: choose a new file name or remove the file`);
}

function globalHeader(): Uint8Array {
  const h = new Uint8Array(GLOBAL_HEADER_LEN);
  const v = new DataView(h.buffer);
  v.setUint32(0, PCAP_MAGIC_MICROS, true);
  v.setUint16(4, 2, true); // version 2.4
  v.setUint16(6, 4, true);
  v.setInt32(8, 0, true); // thiszone
  v.setUint32(12, 0, true); // sigfigs
  v.setUint32(16, PCAP_SNAPLEN, true);
  v.setUint32(20, LINKTYPE_ETHERNET, true);
  return h;
}

/** A FrameTap recording both directions of a link into `writer` (for `connectWithTap`). */
export function pcapTap(writer: PcapWriter): FrameTap {
  return (frame) => writer.write(frame);
}

export interface PcapRecord {
  /** Seconds and sub-second part in microseconds (nanosecond files are converted). */
  tsSec: number;
  tsUsec: number;
  /** Length of the frame on the wire; `data` may be shorter when the frame exceeded the snaplen. */
  origLen: number;
  data: Uint8Array;
}

export interface PcapFile {
  linktype: number;
  snaplen: number;
  versionMajor: number;
  versionMinor: number;
  records: PcapRecord[];
}

/** Reads a classic pcap file (either byte order, micro- or nanosecond). Throws on a malformed file. */
export function readPcap(path: string): PcapFile {
  return parsePcap(new Uint8Array(readFileSync(path)));
}

export function parsePcap(bytes: Uint8Array): PcapFile {
  if (bytes.length < GLOBAL_HEADER_LEN) throw new Error(`not a pcap file: ${bytes.length} bytes, header needs 24`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le: boolean;
  let nanos: boolean;
  const magicLE = view.getUint32(0, true);
  const magicBE = view.getUint32(0, false);
  if (magicLE === PCAP_MAGIC_MICROS || magicLE === PCAP_MAGIC_NANOS) {
    le = true;
    nanos = magicLE === PCAP_MAGIC_NANOS;
  } else if (magicBE === PCAP_MAGIC_MICROS || magicBE === PCAP_MAGIC_NANOS) {
    le = false;
    nanos = magicBE === PCAP_MAGIC_NANOS;
  } else {
    throw new Error(`not a pcap file: magic 0x${magicLE.toString(16)}`);
  }
  const file: PcapFile = {
    versionMajor: view.getUint16(4, le),
    versionMinor: view.getUint16(6, le),
    snaplen: view.getUint32(16, le),
    linktype: view.getUint32(20, le),
    records: [],
  };
  let off = GLOBAL_HEADER_LEN;
  while (off < bytes.length) {
    if (off + RECORD_HEADER_LEN > bytes.length) throw new Error(`truncated record header at offset ${off}`);
    const tsSec = view.getUint32(off, le);
    const frac = view.getUint32(off + 4, le);
    const caplen = view.getUint32(off + 8, le);
    const origLen = view.getUint32(off + 12, le);
    off += RECORD_HEADER_LEN;
    if (off + caplen > bytes.length) throw new Error(`truncated record data at offset ${off}: ${caplen} bytes announced`);
    file.records.push({ tsSec, tsUsec: nanos ? Math.floor(frac / 1000) : frac, origLen, data: bytes.slice(off, off + caplen) });
    off += caplen;
  }
  return file;
}
