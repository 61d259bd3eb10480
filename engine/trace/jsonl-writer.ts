import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { type TraceEvent } from '../../protocol/trace';
import { type Trace } from './trace';

export interface JsonlTraceWriterOptions {
  /**
   * Called once, at the first write error (a full disk, a file system gone read-only); later events are
   * dropped. The writer never throws after it was opened: one bad file must not end a session or a server.
   */
  onError?(message: string): void;
}

/**
 * Writes every trace event as one JSON line. Lines are buffered and written in batches so that a
 * busy device is not slowed by one write per event; close() (or flush()) writes the rest.
 * The file is created 0600: a trace holds guest data.
 */
export class JsonlTraceWriter {
  private readonly fd: number;
  private buffer: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
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
  }

  private write(e: TraceEvent): void {
    if (this.closed || this.error) return;
    const line = JSON.stringify(e) + '\n';
    this.buffer.push(line);
    this.bytes += line.length;
    if (this.bytes > 64 * 1024) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), 100);
      this.timer.unref?.();
    }
  }

  /** Writes what is buffered. Never throws: a failure is reported once through onError. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const data = Buffer.from(this.buffer.join(''));
    this.buffer = [];
    this.bytes = 0;
    if (this.error) return;
    try {
      let off = 0;
      while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
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
