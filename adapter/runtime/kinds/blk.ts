/**
 * virtio-blk in built-in sessions: the raw image backend, the reference driver's blk workloads, decoded
 * requests for breakpoint conditions and the Chain scope, and host-side config changes (capacity,
 * writeback) for setVariable.
 */
import { BlkClient, BlkDevice, decodeBlkRequest, initBlkDriver, isBlkRequestFault, RawImageBackend, readChain, runBlkWorkload, type VirtioDevice } from '../../../engine';
import { ensureImage } from '../../launch/disk-image';
import { type ValidDevice } from '../../launch/validate';
import { registerChainDecoder } from '../chain-decode';
import { registerHostActions } from '../host-actions';
import { registerBuiltinKind } from './registry';

type BlkConfig = Extract<ValidDevice, { type: 'blk' }>;

registerBuiltinKind('blk', {
  async prepare(raw) {
    const cfg = raw as BlkConfig;
    await ensureImage(cfg.disk, cfg.createDisk);
    const backend = await RawImageBackend.open(cfg.disk, { readOnly: cfg.readonly });
    let device: BlkDevice | undefined;
    return {
      create: (mem, trace) => (device = new BlkDevice({ id: cfg.id, mem, trace, backend, queues: cfg.queues, queueSize: cfg.queueSize })),
      close: async () => {
        if (device) await device.close();
        else await backend.close();
      },
    };
  },
  init(machine, faults) {
    initBlkDriver(
      machine.driver,
      faults.filter((f) => f.rule.startsWith('blk-')),
    );
  },
  async run({ machine, workload, fault }) {
    const faults = fault && isBlkRequestFault(fault.rule) ? [fault] : [];
    const kind = workload.kind ?? 'readwrite';
    if (kind === 'readwrite') {
      const r = await runBlkWorkload(machine.driver, machine.mem, machine.alloc, { count: workload.count, faults, timeoutMs: 0x7fff_ffff });
      return {
        ok: r.verified === r.checks && r.failed === 0 && r.unanswered === 0,
        summary: `${r.sent} requests, ${r.verified}/${r.checks} reads verified against what was written${r.failed ? `, ${r.failed} failed` : ''}`,
      };
    }
    // "read" / "write": sequential 4 KiB requests spread over the queues.
    const client = new BlkClient(machine.driver, machine.mem, machine.alloc, { faults });
    const queues = Math.max(1, machine.driver.queues.length);
    const capacity = Number(client.deviceInfo().capacity);
    let ok = 0;
    for (let i = 0; i < workload.count; i++) {
      const sector = (i * 8) % Math.max(8, capacity - 8);
      const q = i % queues;
      const r =
        kind === 'write'
          ? await client.write(q, sector, new Uint8Array(4096).fill(i & 0xff))
          : await client.read(q, sector, 8);
      if (r.status === 0) ok++;
      if (workload.delayMs) await new Promise((res) => setTimeout(res, workload.delayMs));
    }
    return { ok: ok === workload.count, summary: `${ok}/${workload.count} ${kind}s completed with status OK` };
  },
});

registerChainDecoder('blk', (device, _q, chain) => {
  const readable = readChain(device.mem, chain, 0, Math.min(chain.readableBytes, 64 * 1024));
  return [decodeBlkRequest(readable, undefined, { completed: false })];
});

registerHostActions('blk', {
  async setConfig(device: VirtioDevice, field: string, value: string) {
    const blk = device as BlkDevice;
    const n = Number(value);
    if (field === 'capacity') {
      if (!Number.isInteger(n) || n <= 0) throw new Error(`capacity must be a positive number of 512-byte sectors, not "${value}"`);
      await blk.resize(n);
      return String(n);
    }
    if (field === 'writeback') {
      if (n !== 0 && n !== 1) throw new Error('writeback is 0 (writethrough) or 1 (writeback)');
      device.changeConfig('writeback', n);
      return String(n);
    }
    throw new Error(`config field ${field} is read-only: the host can change capacity and writeback`);
  },
});
