/**
 * `virtio-debug serve blk|net|rng ...` (docs/architecture.md, "Contracts"): one device behind a vhost-user socket. The front end (QEMU,
 * DPDK virtio_user) connects to the socket; when it goes away the device is cleaned up (the disk flushed)
 * and the next one is accepted. SIGINT/SIGTERM/SIGHUP flush the disk and exit 0; bad arguments or an unusable
 * file exit 2 with one line on stderr.
 */
import { BlockBackendError, EntropySpecError, GuestMemory, isNativeLoadError, JsonlTraceWriter, loadNative, Trace, VhostUserError, VhostUserServer } from '../../engine';
import { deviceKind, type ServedDevice } from '../../adapter/runtime/kinds';
import { isDeviceTypeName } from '../../protocol/device-type';
import { type TraceEvent } from '../../protocol/trace';
import { type FlagSpec, UsageError, parseArgs } from '../args';
import { SERVED_TYPES } from '../usage';
import { SEVERITY_NOTE, violationRepeats } from '../trace-format';

/** Exit code for bad arguments and unusable files (docs/architecture.md, "Contracts"). */
const EXIT_USAGE = 2;

/** Flags every device type takes; each kind adds its own (adapter/runtime/kinds, `serve.flags`). */
const COMMON: Record<string, FlagSpec> = {
  socket: { type: 'string' },
  trace: { type: 'string' },
  strict: { type: 'boolean' },
  'kick-deadline-ms': { type: 'integer', min: 0, max: 3_600_000 },
};

/** A problem with a file or value the user gave: exit 2 with this message. */
class UnusableError extends Error {}

export async function runServe(argv: string[]): Promise<number> {
  const [type, ...rest] = argv;
  const kind = isDeviceTypeName(type) ? deviceKind(type) : undefined;
  if (!kind?.serve || !kind.vhostUser) {
    throw new UsageError(
      type === undefined || type.startsWith('--') ? `serve needs a device type: serve ${SERVED_TYPES.join('|')} ...` : `serve: unknown device type "${type}" (${SERVED_TYPES.join(', ')})`,
    );
  }
  const { serve, vhostUser } = kind;
  const { flags } = parseArgs(rest, { ...COMMON, ...serve.flags }, 0);
  const socket = flags.socket as string | undefined;
  if (!socket) throw new UsageError(`serve ${type} needs --socket PATH`);
  let config;
  try {
    config = serve.config(flags);
  } catch (e) {
    // An unusable entropy file is a bad file, not bad usage: one line, exit 2, without the usage hint.
    if (e instanceof EntropySpecError) {
      process.stderr.write(`virtio-debug: serve ${type}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw new UsageError((e as Error).message);
  }

  const native = loadNative();
  if (isNativeLoadError(native)) {
    process.stderr.write(`virtio-debug: vhost-user is not available: ${native.error}\n`);
    return 1;
  }

  // Handlers first: a signal that arrives while the device is set up still ends the process cleanly.
  const signalled = untilSignal();
  const trace = new ServeTrace({ capacity: 0 }, flags.trace !== undefined);
  let writer: JsonlTraceWriter | undefined;
  let served: ServedDevice | undefined;
  let server: VhostUserServer | undefined;
  try {
    if (flags.trace) writer = openTrace(trace, flags.trace as string);
    try {
      // The start-up line below describes the device (peer, entropy...); the kinds' session notes are not needed.
      served = await vhostUser(config, new GuestMemory(), trace, () => undefined);
    } catch (e) {
      if (e instanceof BlockBackendError || e instanceof VhostUserError || e instanceof UnusableError) throw e;
      throw new UnusableError(`serve ${type}: ${(e as Error).message}`);
    }
    // --strict: a servable violation (severity 'error') stops the queue as a fatal one does.
    served.device.strict = flags.strict === true;
    const s = served;
    report(trace);
    const kickDeadlineMs = flags['kick-deadline-ms'] as number | undefined;
    server = VhostUserServer.listen({
      path: socket,
      device: s.device,
      native,
      onDisconnect: () => s.onDisconnect(),
      ...(kickDeadlineMs !== undefined ? { kickDeadlineMs } : {}),
    });
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

/** Connections, disconnections and violations on stdout, as they happen. */
function report(trace: Trace): void {
  trace.on((e: TraceEvent) => {
    if (e.type === 'violation') {
      process.stdout.write(`virtio-debug: ${e.device}: violation ${e.rule} (§${e.section}, ${SEVERITY_NOTE[e.severity]}): ${e.message}\n`);
    } else if (e.type === 'violation-summary') {
      process.stdout.write(`virtio-debug: ${e.device}: violation ${e.rule}${e.queueName ? ` on ${e.queueName}` : ''} ${violationRepeats(e)}\n`);
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
