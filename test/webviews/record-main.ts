/**
 * Records the snapshots every panel test uses and prints them as one JSON object on stdout. It runs in a
 * child process (fixtures.ts) because a workload whose queue a violation broke keeps waiting for answers
 * with a long timer; this process exits as soon as the recordings are written.
 */
import { record, type Recording } from './record';

export interface Recordings {
  blkSplit: Recording;
  blkPacked: Recording;
  blkBig: Recording;
  net: Recording;
  violation: Recording;
}

async function main(): Promise<void> {
  const blk = (queueSize: number) => [{ type: 'blk', id: 'blk0', disk: 'blk0.img', createDisk: 1, queueSize }];
  const out: Recordings = {
    blkSplit: await record({ devices: blk(16), workload: { count: 8, kind: 'read' }, breakpoint: 'blk0.requestq1', step: true }),
    blkPacked: await record({ devices: blk(16), workload: { count: 8, kind: 'read', layout: 'packed' }, breakpoint: 'blk0.requestq1', step: true }),
    blkBig: await record({ devices: blk(32768), workload: { count: 4, kind: 'read' }, breakpoint: 'blk0.requestq1', step: true }),
    net: await record({ devices: [{ type: 'net', id: 'net0', peer: 'responder', queueSize: 64 }], workload: { count: 4 }, breakpoint: 'net0.transmitq1', step: true }),
    violation: await record({ devices: blk(16), workload: { count: 4, violation: 'split-desc-zero-length' } }),
  };
  process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(0));
}

main().catch((e: unknown) => {
  process.stderr.write(`recording failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
