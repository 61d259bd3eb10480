/**
 * virtio-blk in the adapter: launch attributes (disk, readonly, createDisk, queues), the raw image backend
 * for built-in and vhost-user sessions and `serve blk`, the reference driver's blk workloads, decoded
 * requests for breakpoint conditions and the Chain scope, host-side config changes (capacity, writeback)
 * for setVariable, and QEMU's vhost-user-blk-pci.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { BLK_TYPE, BlkClient, type BlkDevice, decodeBlkRequest, initBlkDriver, isBlkRequestFault, openBlockBackend, readChain, runBlkWorkload, type VirtioDevice } from '../../../engine';
import { ensureImage } from '../../launch/disk-image';
import { LaunchError, bool, int, str, writableDir } from '../../launch/fields';
import { blkConditionValues, DECODE_READABLE_MAX } from './blk-condition';
import { DEFAULT_SERVE_QUEUES, defineDeviceKind } from './registry';

export interface BlkConfig {
  type: 'blk';
  id: string;
  disk: string;
  readonly: boolean;
  queues: number;
  queueSize: number;
  createDisk?: number;
}


export const BLK_KIND = defineDeviceKind<BlkConfig>({
  engine: BLK_TYPE,
  validate({ raw, at: p, id, queueSize, cwd }) {
    const disk = str(raw, 'disk', p);
    if (!disk) throw new LaunchError(`${p}disk`, 'is missing', 'set "disk" to a raw image file (e.g. "${workspaceFolder}/disk.img")');
    const abs = isAbsolute(disk) ? disk : resolve(cwd, disk);
    const createDisk = raw.createDisk === undefined ? undefined : int(raw, 'createDisk', p, 64, 1, 1 << 20);
    if (!existsSync(abs)) {
      if (createDisk === undefined) {
        throw new LaunchError(`${p}disk`, `file ${abs} does not exist`, `create it (e.g. truncate -s 64M ${abs}) or add "createDisk": 64 to create a 64 MiB image`);
      }
      writableDir(dirname(abs), `${p}disk`);
    } else {
      const st = statSync(abs);
      if (!st.isFile()) throw new LaunchError(`${p}disk`, `${abs} is not a regular file`, 'point "disk" at a raw image file');
      if (st.size % 512 !== 0 || st.size === 0) {
        throw new LaunchError(`${p}disk`, `${abs} is ${st.size} bytes, not a non-zero multiple of 512 (truncated image?)`, `resize it (truncate -s 64M ${abs})`);
      }
    }
    const readonly = bool(raw, 'readonly', p, false);
    try {
      if (existsSync(abs)) accessSync(abs, readonly ? constants.R_OK : constants.R_OK | constants.W_OK);
    } catch {
      throw new LaunchError(`${p}disk`, `${abs} is not ${readonly ? 'readable' : 'readable and writable'}`, readonly ? 'fix the file permissions' : 'fix the file permissions or set "readonly": true');
    }
    return { type: 'blk', id, disk: abs, readonly, queues: int(raw, 'queues', p, 1, 1, 16), queueSize, ...(createDisk !== undefined ? { createDisk } : {}) };
  },
  launchSchema: {
    description: 'virtio-blk',
    properties: {
      disk: { type: 'string', description: 'blk: raw disk image file.' },
      readonly: { type: 'boolean', description: 'blk: serve the image read-only (VIRTIO_BLK_F_RO).', default: false },
      createDisk: { type: 'integer', minimum: 1, description: 'blk: create the image with this many MiB when it does not exist.' },
    },
  },
  builtin: {
    async prepare(cfg) {
      await ensureImage(cfg.disk, cfg.createDisk);
      const backend = await openBlockBackend({ disk: cfg.disk, readonly: cfg.readonly });
      let device: BlkDevice | undefined;
      return {
        create: (mem, trace) => (device = BLK_TYPE.create({ id: cfg.id, mem, trace, inProcess: true }, { backend, queues: cfg.queues, queueSize: cfg.queueSize })),
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
        const r = kind === 'write' ? await client.write(q, sector, new Uint8Array(4096).fill(i & 0xff)) : await client.read(q, sector, 8);
        if (r.status === 0) ok++;
        if (workload.delayMs) await new Promise((res) => setTimeout(res, workload.delayMs));
      }
      return { ok: ok === workload.count, summary: `${ok}/${workload.count} ${kind}s completed with status OK` };
    },
  },
  async vhostUser(cfg, mem, trace) {
    await ensureImage(cfg.disk, cfg.createDisk);
    const backend = await openBlockBackend({ disk: cfg.disk, readonly: cfg.readonly });
    let device: BlkDevice;
    try {
      device = BLK_TYPE.create({ id: cfg.id, mem, trace, inProcess: false }, { backend, readonly: cfg.readonly, queues: cfg.queues, queueSize: cfg.queueSize });
    } catch (e) {
      await backend.close();
      throw e;
    }
    const mib = backend.size / (1 << 20);
    return {
      device,
      description: `virtio-blk on ${backend.description}, ${Number.isInteger(mib) ? mib : mib.toFixed(2)} MiB, ${device.queues.length} queue${device.queues.length > 1 ? 's' : ''} of ${device.settings.queueSize}`,
      onDisconnect: async () => {
        if (!backend.readOnly) await backend.flush();
      },
      close: async () => {
        if (!backend.readOnly) await backend.flush().catch(() => undefined);
        await backend.close();
      },
    };
  },
  serve: {
    flags: { disk: { type: 'string' }, readonly: { type: 'boolean' }, queues: { type: 'integer', min: 1, max: 128 }, 'queue-size': { type: 'integer', min: 1, max: 32768 } },
    usage: `usage: virtio-debug serve blk --socket PATH --disk FILE [--readonly] [--queues N] [--queue-size N] [--trace FILE] [--strict] [--kick-deadline-ms N]
  virtio-blk behind a vhost-user socket (the front end, e.g. QEMU, connects to it)
  --socket PATH     Unix socket to listen on (created 0600)
  --disk FILE       raw disk image (size a non-zero multiple of 512)
  --readonly        serve the image read-only (VIRTIO_BLK_F_RO)
  --queues N        request queues offered (1 to 128, default 16; the front end uses what it asks for)
  --queue-size N    entries per queue (1 to 32768)
  --trace FILE      write every event as a JSON line (created 0600)
  --strict          stop the queue on every violation, servable ones (severity error) too
  --kick-deadline-ms N  report buffers made available without a due kick after N ms (split/packed-notify-missing;
                    default 1000, 0: off); the device does not serve them, as a real device would not
  Runs until SIGINT, SIGTERM or SIGHUP, then flushes the disk and exits 0.`,
    config(flags) {
      if (!flags.disk) throw new Error('serve blk needs --disk FILE (a raw image)');
      return {
        type: 'blk',
        id: 'blk0',
        disk: flags.disk as string,
        readonly: flags.readonly === true,
        queues: (flags.queues as number | undefined) ?? DEFAULT_SERVE_QUEUES,
        queueSize: (flags['queue-size'] as number | undefined) ?? 256,
      };
    },
  },
  qemuDeviceArgs: (cfg, chardev) => ['-device', `vhost-user-blk-pci,chardev=${chardev},num-queues=${cfg.queues},id=${cfg.id}`],
  conditionRoots: ['req'],
  decodeChain(device, _q, chain) {
    const readable = readChain(device.mem, chain, 0, Math.min(chain.readableBytes, DECODE_READABLE_MAX));
    return [decodeBlkRequest(readable, undefined, { completed: false })];
  },
  conditionValues: (device, _q, chain) => blkConditionValues(device.mem, chain),
  hostActions: {
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
  },
});
