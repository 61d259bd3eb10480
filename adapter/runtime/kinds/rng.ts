/**
 * virtio-rng in the adapter: the `entropy` launch attribute (random, file:PATH, seed:N), the device for
 * built-in and vhost-user sessions and `serve rng --entropy`, the reference driver's entropy requests
 * (checked against the seed's stream when the entropy is `seed:N`), the Chain scope (bytes asked for,
 * device-readable bytes, what the buffer holds now) and QEMU's vhost-user-rng-pci.
 */
import { isAbsolute, resolve } from 'node:path';
import { ENTROPY_SYNTAX, gather, hexBytes, openEntropy, RNG_TYPE, type RngDevice, runRngWorkload, seededEntropy } from '../../../engine';
import { LaunchError, str } from '../../launch/fields';
import { defineDeviceKind } from './registry';

export interface RngConfig {
  type: 'rng';
  id: string;
  queueSize: number;
  /** `random`, `file:/absolute/path` or `seed:N`. */
  entropy: string;
}

/** Checks an entropy source by opening it (a missing file is refused before anything starts). */
function checkEntropy(spec: string): void {
  openEntropy(spec).close();
}

export const RNG_KIND = defineDeviceKind<RngConfig>({
  engine: RNG_TYPE,
  validate({ raw, at: p, id, queueSize, cwd }) {
    let entropy = str(raw, 'entropy', p) ?? 'random';
    if (entropy.startsWith('file:') && entropy.length > 5 && !isAbsolute(entropy.slice(5))) entropy = `file:${resolve(cwd, entropy.slice(5))}`;
    try {
      checkEntropy(entropy);
    } catch (e) {
      throw new LaunchError(`${p}entropy`, (e as Error).message, `write ${ENTROPY_SYNTAX} (e.g. "seed:42" for a reproducible session)`);
    }
    return { type: 'rng', id, queueSize, entropy };
  },
  launchSchema: {
    description: 'virtio-rng (entropy source)',
    properties: {
      entropy: {
        type: 'string',
        description: 'rng: where the bytes come from: "random" (crypto.randomFillSync), "file:PATH" (the file\'s bytes in order, wrapping at its end) or "seed:N" (a reproducible stream).',
        default: 'random',
        pattern: '^(random|file:.+|seed:\\d+)$',
      },
    },
  },
  builtin: {
    async prepare(cfg) {
      let device: RngDevice | undefined;
      return {
        create: (mem, trace) => (device = RNG_TYPE.create({ id: cfg.id, mem, trace, inProcess: true }, { queueSize: cfg.queueSize, entropy: cfg.entropy })),
        close: async () => device?.close(),
      };
    },
    async run({ machine, workload, fault }) {
      const cfgEntropy = (machine.device as RngDevice).entropy.description;
      const seed = /^seed:(\d+)$/.exec(cfgEntropy);
      const oracle = seed ? seededEntropy(Number(seed[1])) : undefined;
      const r = await runRngWorkload(machine.driver, machine.mem, machine.alloc, {
        count: workload.count,
        timeoutMs: Infinity,
        ...(oracle ? { expect: (b: Uint8Array) => oracle.fill(b) } : {}),
        ...(fault ? { faults: [fault] } : {}),
      });
      return {
        ok: r.verified === r.sent && r.mismatches.length === 0,
        summary: `${r.verified}/${r.sent} entropy requests answered (${r.bytes} bytes${oracle ? `, as ${cfgEntropy} predicts` : ''})${r.mismatches.length ? `; ${r.mismatches[0]}` : ''}`,
      };
    },
  },
  async vhostUser(cfg, mem, trace) {
    const device = RNG_TYPE.create({ id: cfg.id, mem, trace, inProcess: false }, { queueSize: cfg.queueSize, entropy: cfg.entropy });
    return {
      device,
      description: `virtio-rng, entropy ${device.entropy.description}`,
      onDisconnect: async () => undefined,
      close: async () => device.close(),
    };
  },
  serve: {
    flags: { entropy: { type: 'string' } },
    usage: `usage: virtio-debug serve rng --socket PATH [--entropy random|file:PATH|seed:N] [--trace FILE] [--strict] [--kick-deadline-ms N]
  virtio-rng behind a vhost-user socket (the front end, e.g. QEMU's vhost-user-rng-pci, connects to it)
  --socket PATH     Unix socket to listen on (created 0600)
  --entropy SRC     random (crypto.randomFillSync, default), file:PATH (the file's bytes in order, wrapping
                    at its end) or seed:N (a reproducible stream: the same N gives the same bytes)
  --trace FILE      write every event as a JSON line (created 0600)
  --strict          stop the queue on every violation, servable ones (severity error) too
  --kick-deadline-ms N  report buffers made available without a due kick after N ms (split/packed-notify-missing;
                    default 1000, 0: off); the device does not serve them, as a real device would not
  Runs until SIGINT, SIGTERM or SIGHUP.`,
    config(flags) {
      const entropy = (flags.entropy as string | undefined) ?? 'random';
      checkEntropy(entropy);
      return { type: 'rng', id: 'rng0', queueSize: 256, entropy };
    },
  },
  qemuDeviceArgs: (cfg, chardev) => ['-device', `vhost-user-rng-pci,chardev=${chardev},id=${cfg.id}`],
  conditionRoots: ['rng'],
  decodeChain(device, _q, chain) {
    const now = gather(device.mem, chain.writable, 0, Math.min(chain.writableBytes, 64));
    const filled = (device as RngDevice).bytesFilled;
    return [
      {
        protocol: 'rng',
        fields: [
          { label: 'bytes asked for', value: `${chain.writableBytes}`, raw: chain.writableBytes, offset: 0, size: 0 },
          { label: 'device-readable bytes', value: chain.readableBytes ? `${chain.readableBytes} (not allowed, §5.4.6.1)` : '0', raw: chain.readableBytes, offset: 0, size: 0 },
          { label: 'buffer now', value: hexBytes(now, 0, now.length, 16) || '(empty)', offset: 0, size: now.length },
          { label: 'bytes filled so far (device)', value: `${filled}`, raw: filled, offset: 0, size: 0 },
        ],
        values: { 'rng.size': chain.writableBytes, 'rng.readable': chain.readableBytes, 'rng.filled': filled },
      },
    ];
  },
});
