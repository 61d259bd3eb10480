/**
 * `virtio-debug serve blk|net ...` (docs/architecture.md, "Contracts"): one device behind a vhost-user socket. The front end (QEMU,
 * DPDK virtio_user) connects to the socket; when it goes away the device is cleaned up (the disk flushed)
 * and the next one is accepted. SIGINT/SIGTERM/SIGHUP flush the disk and exit 0; bad arguments or an unusable
 * file exit 2 with one line on stderr.
 */
import { attachPeer, BlkDevice, type BlockBackend, BlockBackendError, GuestMemory, isNativeLoadError, JsonlTraceWriter, loadNative, NetDevice, openBlockBackend, type PeerLink, Trace, VhostUserError, VhostUserServer, type VirtioDevice } from '../../engine';
import { type TraceEvent } from '../../protocol/trace';
import { type FlagSpec, UsageError, parseArgs } from '../args';
import { SEVERITY_NOTE } from '../trace-format';

/** Exit code for bad arguments and unusable files (docs/architecture.md, "Contracts"). */
const EXIT_USAGE = 2;

const COMMON: Record<string, FlagSpec> = {
  socket: { type: 'string' },
  queues: { type: 'integer', min: 1, max: 128 },
  trace: { type: 'string' },
  strict: { type: 'boolean' },
};
const BLK_FLAGS: Record<string, FlagSpec> = {
  ...COMMON,
  disk: { type: 'string' },
  readonly: { type: 'boolean' },
  'queue-size': { type: 'integer', min: 1, max: 32768 },
};
const NET_FLAGS: Record<string, FlagSpec> = { ...COMMON, mac: { type: 'string' }, peer: { type: 'string' }, pcap: { type: 'string' } };

/**
 * Queues (blk) or queue pairs (net) offered when --queues is not given. QEMU's vhost-user-blk-pci asks for one
 * request queue per vCPU unless told otherwise, and a back end offering fewer makes QEMU exit; the front end
 * uses only what it asks for, so offering the maximum a guest commonly asks for costs nothing.
 */
export const DEFAULT_SERVE_QUEUES = 16;

/** A problem with a file or value the user gave: exit 2 with this message. */
class UnusableError extends Error {}

interface Served {
  device: VirtioDevice;
  /** One line for the start-up message. */
  description: string;
  /** After a front end disconnected (rings stopped): make the data durable. */
  onDisconnect(): Promise<void>;
  /** At exit. */
  close(): Promise<void>;
}

export async function runServe(argv: string[]): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind !== 'blk' && kind !== 'net') {
    throw new UsageError(kind === undefined || kind.startsWith('--') ? 'serve needs a device type: serve blk ... or serve net ...' : `serve: unknown device type "${kind}" (blk or net)`);
  }
  const { flags } = parseArgs(rest, kind === 'blk' ? BLK_FLAGS : NET_FLAGS, 0);
  const socket = flags.socket as string | undefined;
  if (!socket) throw new UsageError(`serve ${kind} needs --socket PATH`);
  if (kind === 'blk' && !flags.disk) throw new UsageError('serve blk needs --disk FILE (a raw image)');

  const native = loadNative();
  if (isNativeLoadError(native)) {
    process.stderr.write(`virtio-debug: vhost-user is not available: ${native.error}\n`);
    return 1;
  }

  // Handlers first: a signal that arrives while the device is set up still ends the process cleanly.
  const signalled = untilSignal();
  const trace = new ServeTrace({ capacity: 0 }, flags.trace !== undefined);
  let writer: JsonlTraceWriter | undefined;
  let served: Served | undefined;
  let server: VhostUserServer | undefined;
  try {
    if (flags.trace) writer = openTrace(trace, flags.trace as string);
    const mem = new GuestMemory();
    served = kind === 'blk' ? await serveBlk(flags, mem, trace) : await serveNet(flags, mem, trace);
    // --strict: a servable violation (severity 'error') stops the queue as a fatal one does.
    served.device.strict = flags.strict === true;
    const s = served;
    report(trace);
    server = VhostUserServer.listen({ path: socket, device: s.device, native, onDisconnect: () => s.onDisconnect() });
  } catch (e) {
    await served?.close().catch(() => undefined);
    writer?.close();
    if (e instanceof UnusableError || e instanceof BlockBackendError || e instanceof VhostUserError) {
      process.stderr.write(`virtio-debug: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  process.stdout.write(`virtio-debug: ${served.device.id}: ${served.description}, listening on ${socket}\n`);
  const code = await signalled;
  await server.close();
  await served.close();
  writer?.close();
  process.stdout.write(`virtio-debug: ${served.device.id}: stopped\n`);
  // Anything still holding the event loop (a peer's socket) must not keep a stopped server alive.
  setTimeout(() => process.exit(code), 2000).unref();
  return code;
}

/**
 * The console only shows connections and violations: without a trace file, the per-chain events (and the
 * decoded summaries they need, which read every buffer a second time) are not worth their cost.
 */
class ServeTrace extends Trace {
  constructor(
    options: ConstructorParameters<typeof Trace>[0],
    private readonly detailed: boolean,
  ) {
    super(options);
  }

  override get active(): boolean {
    return this.detailed;
  }
}

function openTrace(trace: Trace, path: string): JsonlTraceWriter {
  try {
    return new JsonlTraceWriter(trace, path, { onError: (m) => process.stderr.write(`virtio-debug: ${m}\n`) });
  } catch (e) {
    throw new UnusableError(`cannot write the trace file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

async function serveBlk(flags: Record<string, string | number | boolean>, mem: GuestMemory, trace: Trace): Promise<Served> {
  const disk = flags.disk as string;
  const readonly = flags.readonly === true;
  const backend: BlockBackend = await openBlockBackend({ disk, readonly });
  let device: BlkDevice;
  try {
    device = new BlkDevice({
      id: 'blk0',
      mem,
      trace,
      backend,
      readonly,
      inProcess: false,
      queues: (flags.queues as number | undefined) ?? DEFAULT_SERVE_QUEUES,
      ...(flags['queue-size'] !== undefined ? { queueSize: flags['queue-size'] as number } : {}),
    });
  } catch (e) {
    await backend.close();
    throw new UnusableError(`serve blk: ${(e as Error).message}`);
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
}

async function serveNet(flags: Record<string, string | number | boolean>, mem: GuestMemory, trace: Trace): Promise<Served> {
  let device: NetDevice;
  try {
    device = new NetDevice({
      id: 'net0',
      mem,
      trace,
      inProcess: false,
      ...(flags.mac !== undefined ? { mac: flags.mac as string } : {}),
      queuePairs: (flags.queues as number | undefined) ?? DEFAULT_SERVE_QUEUES,
    });
  } catch (e) {
    throw new UnusableError(`serve net: ${(e as Error).message}`);
  }
  let link: PeerLink;
  try {
    link = await attachPeer(device.port, (flags.peer as string | undefined) ?? 'responder', flags.pcap !== undefined ? { pcap: flags.pcap as string } : {});
  } catch (e) {
    throw new UnusableError(`serve net: ${(e as Error).message}`);
  }
  return {
    device,
    description: `virtio-net ${device.mac}, ${device.maxPairs} queue pair${device.maxPairs > 1 ? 's' : ''}, peer ${link.description}`,
    onDisconnect: async () => undefined,
    close: () => link.close(),
  };
}

/** Connections, disconnections and violations on stdout, as they happen. */
function report(trace: Trace): void {
  trace.on((e: TraceEvent) => {
    if (e.type === 'violation') {
      process.stdout.write(`virtio-debug: ${e.device}: violation ${e.rule} (§${e.section}, ${SEVERITY_NOTE[e.severity]}): ${e.message}\n`);
    } else if (e.type === 'note' && /^vhost-user: (front end|clean-up|ring \d+ \(\w+\) started)/.test(e.message)) {
      process.stdout.write(`virtio-debug: ${e.device}: ${e.message.slice('vhost-user: '.length)}\n`);
    }
  });
}

/** Resolves with exit code 0 at the first SIGINT, SIGTERM or SIGHUP (a closed terminal); a second one exits at once. */
function untilSignal(): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`virtio-debug: ${signal} again: exiting without waiting\n`);
        process.exit(1);
      }
      stopping = true;
      resolve(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('SIGHUP', stop);
  });
}
