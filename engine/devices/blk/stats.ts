/**
 * Where a blk request's time goes, for performance work only: with VIRTIO_DEBUG_BLK_STATS=1 the device counts
 * READs and WRITEs by size and descriptor count, and sums the time from the start of processChain to the
 * status byte, separately for the synchronous path and the thread pool; `summary()` is printed to stderr
 * when the process exits. Off (the default) it costs one test per request.
 */

export interface BlkStatsEntry {
  count: number;
  /** Sum of processChain start → status written, in microseconds. */
  us: number;
  maxUs: number;
  segments: number;
}

export class BlkStats {
  static readonly enabled = process.env.VIRTIO_DEBUG_BLK_STATS === '1';
  private readonly rows = new Map<string, BlkStatsEntry>();

  constructor() {
    process.once('exit', () => process.stderr.write(this.summary()));
  }

  record(kind: string, path: 'sync' | 'cached' | 'async', bytes: number, segments: number, startNs: bigint): void {
    const us = Number(process.hrtime.bigint() - startNs) / 1000;
    const key = `${kind} ${bytes} ${path}`;
    let e = this.rows.get(key);
    if (!e) this.rows.set(key, (e = { count: 0, us: 0, maxUs: 0, segments: 0 }));
    e.count++;
    e.us += us;
    e.maxUs = Math.max(e.maxUs, us);
    e.segments += segments;
  }

  /** One line per kind, size and path: count, mean data segments, mean and max µs. */
  summary(): string {
    const lines = [...this.rows].sort((a, b) => b[1].count - a[1].count).map(([k, e]) => `  ${k}: ${e.count} requests, ${(e.segments / e.count).toFixed(1)} segments, ${(e.us / e.count).toFixed(0)} µs mean, ${e.maxUs.toFixed(0)} µs max`);
    return lines.length ? `blk request stats (processChain → status byte):\n${lines.join('\n')}\n` : '';
  }
}
