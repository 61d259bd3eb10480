import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { type TraceEvent } from '../../protocol/trace';
import { type Trace } from './trace';

/**
 * Writes every trace event as one JSON line. Lines are buffered and written in batches so that a
 * busy device is not slowed by one write per event; close() (or flush()) writes the rest.
 */
export class JsonlTraceWriter {
  private readonly fd: number;
  private buffer: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    trace: Trace,
    readonly path: string,
  ) {
    this.fd = openSync(path, 'w');
    this.unsubscribe = trace.on((e) => this.write(e));
  }

  private write(e: TraceEvent): void {
    if (this.closed) return;
    const line = JSON.stringify(e) + '\n';
    this.buffer.push(line);
    this.bytes += line.length;
    if (this.bytes > 64 * 1024) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), 100);
      this.timer.unref?.();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const data = this.buffer.join('');
    this.buffer = [];
    this.bytes = 0;
    writeSync(this.fd, data);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.unsubscribe();
    try {
      fsyncSync(this.fd);
    } catch {
      // fsync may be unsupported (pipes); the data was written.
    }
    closeSync(this.fd);
  }
}
