/**
 * `virtio-debug demo blk`: a raw image file in a temporary directory behind virtio-blk; the reference
 * driver writes patterned sectors over its queues, flushes, reads them back and checks them, zeroes a
 * range; the image file is then compared with what the driver wrote. The fault run frames a request
 * without its 16-byte header.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlkDevice, createInProcessMachine, initBlkDriver, isBlkRequestFault, RawImageBackend, runBlkWorkload } from '../../engine';
import { trackTempDir, untrackTempDir } from '../temp-dirs';
import { type DemoScenario } from './types';

const IMAGE_SECTORS = 8192; // 4 MiB
const STATUS_NAMES = ['OK', 'IOERR', 'UNSUPP'];

export const blkDemo: DemoScenario = {
  name: 'blk',
  title: 'virtio-blk (raw image file)',
  demoFault: () => ({ rule: 'blk-header-too-short', atChain: 2 }),
  async run(ctx) {
    const dir = await mkdtemp(join(tmpdir(), 'virtio-debug-demo-'));
    trackTempDir(dir);
    try {
      const path = join(dir, 'disk.img');
      await writeFile(path, new Uint8Array(IMAGE_SECTORS * 512));
      const backend = await RawImageBackend.open(path);
      const blkFaults = ctx.fault && isBlkRequestFault(ctx.fault.rule) ? [ctx.fault] : [];
      const otherFaults = ctx.fault && !isBlkRequestFault(ctx.fault.rule) ? [ctx.fault] : [];
      const m = createInProcessMachine({
        trace: ctx.trace,
        device: (mem, trace) => new BlkDevice({ id: 'blk0', mem, trace, backend, queues: 2, queueSize: 64 }),
        driver: { layout: ctx.layout, queueSize: 64, ...(otherFaults.length ? { faults: otherFaults } : {}) },
      });
      initBlkDriver(m.driver, otherFaults);
      const r = await runBlkWorkload(m.driver, m.mem, m.alloc, {
        count: ctx.count,
        faults: blkFaults,
        timeoutMs: ctx.fault ? 500 : 2000,
      });
      const dev = m.device as BlkDevice;
      await dev.close();
      if (r.id !== undefined) ctx.print(`GET_ID: "${r.id}"`);
      for (const f of r.faults) {
        ctx.print(`deliberate ${f.rule}: the device answered ${f.status === undefined ? 'nothing (no status byte)' : (STATUS_NAMES[f.status] ?? f.status)}, used length ${f.usedLen}`);
      }
      for (const mm of r.mismatches) ctx.print(`mismatch: ${mm}`);
      // The file itself must hold what the driver wrote (the device flushed and closed it).
      const image = new Uint8Array(await readFile(path));
      let inFile = 0;
      for (const [sector, bytes] of r.model) {
        const at = Number(sector) * 512;
        if (bytes.every((b, i) => image[at + i] === b)) inFile++;
        else ctx.print(`image file: sector ${sector} differs from what the driver wrote`);
      }
      const ok = r.checks > 0 && r.verified === r.checks && r.unanswered === 0 && r.failed === 0 && inFile === r.model.size;
      return {
        ok,
        summary:
          `${r.sent} requests on ${dev.queues.length} queues; ${r.verified}/${r.checks} sectors read back verified; ` +
          `${inFile}/${r.model.size} written sectors found in the image file` +
          (r.unanswered ? `, ${r.unanswered} never returned` : ''),
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
      untrackTempDir(dir);
    }
  },
};
