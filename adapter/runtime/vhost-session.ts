/**
 * A `driver: "vhost-user"` session: every device is served on `<socketDir>/<id>.sock` for a vhost-user
 * front end (QEMU, DPDK virtio_user...). With a `qemu` configuration the session starts QEMU itself (after
 * the sockets listen), shows its serial console, freezes the guest through QMP while the session is stopped
 * (`freezeGuestOnStop`) and stops QEMU when the session ends.
 */
import { GuestMemory, STATUS, VhostUserServer } from '../../engine';
import { type ValidLaunch } from '../launch/validate';
import { qemuCommand, socketPath } from '../qemu/qemu-command';
import { QemuProcess } from '../qemu/qemu-process';
import { deviceKind } from './kinds';
import { type SessionRuntime } from './session-runtime';

export interface VhostSessionEvents {
  /** One line for the Debug Console. */
  log: (line: string, category?: 'console' | 'stdout' | 'stderr') => void;
  /** QEMU booting: start (message), updates, end. */
  progress: (kind: 'start' | 'update' | 'end', message: string) => void;
  /** The front end went away for good (QEMU exited): the session is over. */
  ended: (code: number) => void;
}

export class VhostSession {
  private readonly servers: VhostUserServer[] = [];
  private readonly closers: (() => Promise<void>)[] = [];
  private qemu: QemuProcess | undefined;
  private entryPending = false;
  private closed = false;

  constructor(
    private readonly runtime: SessionRuntime,
    private readonly launch: ValidLaunch,
    private readonly on: VhostSessionEvents,
  ) {}

  /** Creates the devices and listens on their sockets; throws with a clear message when it cannot. */
  async start(): Promise<void> {
    for (const cfg of this.launch.devices) {
      const kind = deviceKind(cfg.type);
      if (!kind.vhostUser) throw new Error(`${cfg.id}: device type ${cfg.type} cannot be served over vhost-user (it runs with the built-in driver only)`);
      const served = await kind.vhostUser(cfg, new GuestMemory(), this.runtime.trace, (line) => this.on.log(line));
      this.closers.push(() => served.close());
      const device = served.device;
      const path = socketPath(this.launch.socketDir, cfg.id);
      const server = VhostUserServer.listen({
        path,
        device,
        kickDeadlineMs: this.launch.kickDeadlineMs,
        onConnect: () => this.on.log(`${cfg.id}: front end connected to ${path}`),
        onDisconnect: async (reason) => {
          this.on.log(`${cfg.id}: front end disconnected (${reason})`);
          await served.onDisconnect();
        },
      });
      this.servers.push(server);
      this.runtime.addDevice(device);
      this.on.log(`${cfg.id}: vhost-user socket ${path}`);
    }
  }

  /** Stops at entry once every device runs (the front end started its rings: DRIVER_OK). */
  stopOnEntryWhenReady(): void {
    this.entryPending = true;
    const check = () => {
      if (!this.entryPending) return;
      if (this.runtime.devices.every((d) => d.status & STATUS.DRIVER_OK)) {
        this.entryPending = false;
        this.runtime.stopAtEntry();
      }
    };
    this.runtime.on('stateChanged', (reason) => {
      if (reason === 'status') check();
    });
    check();
  }

  /** Starts QEMU when the launch configuration has a `qemu` section. */
  async startQemu(): Promise<void> {
    if (!this.launch.qemu) return;
    const cmd = qemuCommand(this.launch);
    this.on.progress('start', `Starting QEMU (${cmd.binary})`);
    let lines = 0;
    let booted = false;
    this.qemu = await QemuProcess.start(cmd, {
      line: (text, stream) => {
        this.on.log(stream === 'qemu' ? `[qemu] ${text}` : text, stream === 'qemu' ? 'stderr' : 'stdout');
        if (!booted && ++lines % 10 === 0) this.on.progress('update', text.slice(0, 80));
      },
      exit: (code, signal) => {
        if (!booted) this.on.progress('end', 'QEMU exited');
        booted = true;
        this.on.log(`QEMU exited (${signal ?? `code ${code}`})`);
        if (!this.closed) this.on.ended(code ?? 0);
      },
    });
    this.runtime.on('stateChanged', (reason) => {
      if (reason === 'status' && !booted && this.runtime.devices.every((d) => d.status & STATUS.DRIVER_OK)) {
        booted = true;
        this.on.progress('end', 'Every device is running');
      }
    });
    if (this.launch.freezeGuestOnStop) this.freezeWhileStopped();
    // Every handler is in place: now the firmware may send its first request (SeaBIOS reads sector 0).
    await this.qemu.resume();
  }

  /**
   * The guest's drivers must not time out while a human looks at a stopped queue: QMP `stop` while the
   * session is stopped, `cont` on continue. QEMU stops its vhost-user rings with the VM (the device gives a
   * held chain back to the ring, see VirtioDevice.returnHeld), so a step thaws the guest until the ring is
   * back, lets the device complete the chain, and freezes it again.
   */
  private freezeWhileStopped(): void {
    let frozen = false;
    const qmp = () => this.qemu?.qmp;
    this.runtime.on('stopped', () => {
      frozen = true;
      void qmp()?.stop().catch(() => {});
    });
    this.runtime.on('stateChanged', (reason) => {
      if (reason !== 'continued') return;
      frozen = false;
      void qmp()?.cont().catch(() => {});
    });
    this.runtime.stepHooks = {
      before: async (thread) => {
        if (!frozen || !qmp()) return;
        await qmp()!.cont();
        const deadline = Date.now() + 10_000;
        while (!thread.queue.vq && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      },
      after: async () => {
        if (frozen) await qmp()?.stop().catch(() => {});
      },
    };
  }

  /** Is the guest running (false while frozen)? For tests and the Debug Console. */
  async guestRunning(): Promise<boolean | undefined> {
    return this.qemu?.qmp ? (await this.qemu.qmp.status()).running : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.qemu?.stop().catch(() => {});
    for (const s of this.servers) await s.close().catch(() => {});
    for (const c of this.closers) await c().catch(() => {});
  }
}
