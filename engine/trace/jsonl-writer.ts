import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { type TraceEvent } from '../../protocol/trace';
import { lastLineIsAscii, traceLine } from './jsonl-line';
import { type Trace } from './trace';

export interface JsonlTraceWriterOptions {
  /**
   * Called once, at the first write error (a full disk, a file system gone read-only); later events are
   * dropped. The writer never throws after it was opened: one bad file must not end a session or a server.
   */
  onError?(message: string): void;
}

/** Characters buffered before a write: a busy device pays one write(2) per ~64 KiB of lines. */
const BATCH_CHARS = 64 * 1024;
/** How long a line may wait in the buffer when the device is quiet. */
const BATCH_MS = 100;
/**
 * Events queued before they are serialised within one turn of the event loop: above what a turn of a busy queue
 * emits (512 chains, two to four events each), so that the lines are built after the turn's interrupt.
 */
const EVENTS_QUEUED = 8192;
/** The encoded batch: room for a full batch and the line that crossed the threshold (a larger one is encoded apart). */
const OUT_BYTES = 4 * BATCH_CHARS;

/** Writers with lines in memory: whatever ends the process (process.exit, a second signal, an uncaught error) writes them first. */
const open = new Set<JsonlTraceWriter>();
let exitHook = false;
function flushAllAtExit(): void {
  for (const w of open) w.flush();
}

/**
 * Writes every trace event as one JSON line (engine/trace/jsonl-line.ts), off the device's path: an event is only
 * queued when it is emitted; the lines are built after the event loop's turn (once the device has answered the
 * kick and notified the driver), appended to one string, and written in batches of ~64 KiB or every 100 ms, so
 * that a busy device pays neither a serialisation nor a write per event on the way to its interrupt. close()
 * (or flush()) writes the rest, and so does the process's 'exit' (process.exit, an uncaught error): the trace is
 * what users attach to bug reports, and its last lines are the ones that matter. The file is created 0600: a
 * trace holds guest data.
 */
export class JsonlTraceWriter {
  private readonly fd: number;
  /** Events not serialised yet (at most EVENTS_QUEUED). */
  private queued: TraceEvent[] = [];
  private immediate: NodeJS.Immediate | undefined;
  /** ASCII lines not encoded yet (see serialise). */
  private text = '';
  /** Bytes of `out` holding encoded lines not written yet. */
  private used = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly out = Buffer.allocUnsafe(OUT_BYTES);
  private readonly unsubscribe: () => void;
  private closed = false;
  /** The first write error; nothing is written after it. */
  error: string | undefined;

  /** Throws (ENOENT, EISDIR, EACCES...) when the file cannot be opened: callers report that where they start. */
  constructor(
    private readonly trace: Trace,
    readonly path: string,
    private readonly options: JsonlTraceWriterOptions = {},
  ) {
    this.fd = openSync(path, 'w', 0o600);
    this.unsubscribe = trace.on((e) => this.write(e));
    open.add(this);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', flushAllAtExit);
    }
  }

  private write(e: TraceEvent): void {
    if (this.closed || this.error) return;
    // Events are not changed after they are emitted: the object is the record until its line is built.
    this.queued.push(e);
    if (this.queued.length >= EVENTS_QUEUED) this.serialise();
    else if (!this.immediate) {
      this.immediate = setImmediate(() => this.serialise());
      this.immediate.unref();
    }
  }

  /** Turns the queued events into lines; writes them once a batch is full, or arms the timer that will. */
  private serialise(): void {
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    const events = this.queued;
    if (events.length === 0) return;
    this.queued = [];
    // ASCII lines are appended to one string (a rope: no copy per line), encoded once per batch as one-byte
    // text; a line with other characters is encoded on its own, after the ASCII ones before it, so that it
    // does not make the whole batch a two-byte string (five times slower to encode). Both go into the reused
    // buffer, written as soon as ~64 KiB are there.
    for (const e of events) {
      const line = traceLine(e);
      if (lastLineIsAscii()) {
        this.text += line;
        if (this.text.length + this.used > BATCH_CHARS) this.writePending();
      } else {
        this.encodeText();
        this.encodeWide(line);
        if (this.used > BATCH_CHARS) this.writePending();
      }
    }
    if (this.text.length === 0 && this.used === 0) return;
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), BATCH_MS);
      this.timer.unref();
    }
  }

  /** Writes what is buffered. Never throws: a failure is reported once through onError. */
  flush(): void {
    if (this.queued.length) this.serialise();
    this.writePending();
  }

  /** Moves the ASCII lines into the buffer (one byte per character). */
  private encodeText(): void {
    const text = this.text;
    if (text.length === 0) return;
    this.text = '';
    if (this.used + text.length > this.out.length) this.writeOut();
    if (text.length > this.out.length) this.writeBytes(Buffer.from(text, 'latin1'), text.length);
    else this.used += this.out.write(text, this.used, 'latin1');
  }

  /** Encodes one line with characters beyond ASCII (at most 3 bytes per UTF-16 unit) into the buffer. */
  private encodeWide(line: string): void {
    if (this.used + line.length * 3 > this.out.length) this.writeOut();
    if (line.length * 3 > this.out.length) {
      const data = Buffer.from(line, 'utf8');
      this.writeBytes(data, data.length);
    } else this.used += this.out.write(line, this.used, 'utf8');
  }

  private writePending(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.encodeText();
    this.writeOut();
  }

  /** Writes the buffer's encoded lines. */
  private writeOut(): void {
    const n = this.used;
    this.used = 0;
    if (n > 0) this.writeBytes(this.out, n);
  }

  private writeBytes(data: Buffer, length: number): void {
    if (this.error) return;
    try {
      let off = 0;
      while (off < length) off += writeSync(this.fd, data, off, length - off);
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    if (this.error) return;
    const cause = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    this.error = `cannot write the trace file ${this.path} (${cause}); no more trace lines are written to it`;
    this.options.onError?.(this.error);
  }

  close(): void {
    if (this.closed) return;
    // Repeats counted since the last summary line end the file, so its counts are complete.
    this.trace.flushViolationSummaries();
    this.flush();
    this.closed = true;
    open.delete(this);
    this.unsubscribe();
    try {
      fsyncSync(this.fd);
    } catch {
      // fsync may be unsupported (pipes, character devices); the data was written.
    }
    try {
      closeSync(this.fd);
    } catch (e) {
      this.fail(e);
    }
  }
}
