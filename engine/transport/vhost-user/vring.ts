/**
 * One vhost-user ring (vhost-user.rst "Ring states"): what the front end set (size, addresses, base, kick /
 * call / err fds) and its state — stopped, started but disabled, started and enabled.
 *
 * The device's queue (a DeviceVirtqueue in QueueRuntime.vq) exists only while the ring is started and
 * enabled, with addresses that translate through the memory table. Leaving that state drains the requests
 * in flight (their completions still reach the used ring), reads the ring position (GET_VRING_BASE: split
 * last_avail_idx; packed last_avail_idx | wrap << 15) and releases the queue; entering it again continues
 * from that position. So a disabled ring supplies no receive buffers and takes no requests, and
 * GET_VRING_BASE always answers the position after every request the device took was completed.
 *
 * A ring starts when its kick fd arrives (SET_VRING_KICK, as libvhost-user and DPDK do) and stops on
 * GET_VRING_BASE. Without a kick fd (bit 8, "polling"), the ring is polled every few milliseconds.
 */
import { type VringAddr } from './messages';
import { type VirtioDevice } from '../../device-core/device';
import { type QueueRuntime } from '../../device-core/queue-runtime';
import { type RuleId } from '../../rules';
import { F } from '../../device-core/bits';
import { hex } from './codec';
import { type MemoryTable } from './memory-table';
import { errorCode, type FdWatch, type NativeFd, POLL_DISCONNECT } from './native';
import { KickStallDetector } from '../../queue/stall';

/** How long stopping a ring waits for requests in flight (a stuck disk must not hang the front end). */
export const DRAIN_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 5;

export type VringState = 'stopped' | 'started-disabled' | 'started-enabled';

/** What a ring needs from its session. */
export interface VringHost {
  readonly device: VirtioDevice;
  readonly native: NativeFd;
  readonly table: MemoryTable;
  /** PROTOCOL_FEATURES was acknowledged in SET_FEATURES: rings start disabled. */
  startsDisabled(): boolean;
  /** Buffers made available without a due kick for this long are reported (split/packed-notify-missing); 0: never. */
  readonly kickDeadlineMs: number;
  /** Called before a ring's queue goes live (the first one starts the device). */
  beforeActivate(): void;
  violation(rule: RuleId, message: string, queue?: number, index?: number): void;
  note(message: string): void;
}

interface Translated {
  desc: number;
  driver: number;
  device: number;
}

export class Vring {
  size: number | undefined;
  addr: VringAddr | undefined;
  /** Split: next avail index. Packed: avail offset | wrap counter << 15. */
  base = 0;
  started = false;
  enabled = false;
  /** The ring was started at least once since the last reset (for GET_VRING_BASE judging). */
  everStarted = false;
  kickFd = -1;
  callFd = -1;
  errFd = -1;
  kicks = 0;
  calls = 0;
  private active = false;
  private polling: NodeJS.Timeout | undefined;
  private kickWatch: FdWatch | undefined;
  private unmappedReported = false;
  private callFailed = false;
  private stallTimer: NodeJS.Timeout | undefined;
  private stall: KickStallDetector | undefined;

  constructor(
    readonly index: number,
    private readonly host: VringHost,
  ) {}

  get state(): VringState {
    return !this.started ? 'stopped' : this.enabled ? 'started-enabled' : 'started-disabled';
  }

  /** The device queue is live. */
  get isActive(): boolean {
    return this.active;
  }

  private get queue(): QueueRuntime | undefined {
    return this.host.device.queues[this.index];
  }

  // ---------------------------------------------------------------- set-up messages

  async setNum(num: number): Promise<void> {
    this.size = num;
    await this.reconcile();
  }

  async setBase(base: number): Promise<void> {
    this.base = base & 0xffff;
    await this.reconcile();
  }

  async setAddr(addr: VringAddr): Promise<void> {
    this.addr = addr;
    this.unmappedReported = false;
    await this.remap();
  }

  async setEnabled(on: boolean): Promise<void> {
    this.enabled = on;
    await this.reconcile();
  }

  /** SET_VRING_KICK: a new kick fd (or polling) — the ring starts. */
  async setKick(fd: number | undefined): Promise<void> {
    this.stopKick();
    if (fd !== undefined) {
      this.kickFd = fd;
      try {
        this.kickWatch = this.host.native.watch(fd, (err, events) => this.onKickReady(err, events));
      } catch (e) {
        this.host.note(`ring ${this.index}: cannot watch kick fd ${fd} (${errorCode(e) ?? String(e)}); polling instead`);
        this.startPolling();
      }
    } else {
      this.startPolling();
    }
    if (!this.started && !this.host.startsDisabled()) this.enabled = true;
    this.started = true;
    this.everStarted = true;
    await this.reconcile();
    // A new kick fd for a live ring: the deadline watch restarts with it (activate() starts it otherwise).
    if (this.active && !this.stallTimer) this.startStallWatch();
  }

  setCall(fd: number | undefined): void {
    this.closeFd(this.callFd);
    this.callFd = this.nonBlocking(fd, 'call');
    this.callFailed = false;
  }

  setErr(fd: number | undefined): void {
    this.closeFd(this.errFd);
    this.errFd = this.nonBlocking(fd, 'err');
  }

  /**
   * We write to call and err fds on the only thread we have: a blocking one (an eventfd at its maximum count,
   * a pipe nobody reads) would stop the whole process for good. Made non-blocking, a full one is a note.
   */
  private nonBlocking(fd: number | undefined, what: string): number {
    if (fd === undefined) return -1;
    try {
      this.host.native.setNonBlocking(fd, true);
      return fd;
    } catch (e) {
      this.host.note(`ring ${this.index}: ${what} fd ${fd} is unusable (${errorCode(e) ?? String(e)}); no ${what} notifications`);
      this.closeFd(fd);
      return -1;
    }
  }

  /** GET_VRING_BASE: stops the ring and returns its position. */
  async stop(): Promise<number> {
    await this.deactivate();
    this.stopKick();
    this.started = false;
    return this.base;
  }

  /** RESET_DEVICE, RESET_OWNER, disconnect: back to the initial state, every fd closed. */
  async reset(): Promise<void> {
    await this.deactivate();
    this.stopKick();
    this.setCall(undefined);
    this.setErr(undefined);
    this.started = this.enabled = this.everStarted = false;
    this.size = undefined;
    this.addr = undefined;
    this.base = 0;
  }

  /** The memory table changed: re-translate the ring addresses (the front end may have moved RAM). */
  async remap(): Promise<void> {
    const q = this.queue;
    if (this.active && q) {
      const t = this.translate();
      if (!t || t.desc !== q.desc || t.driver !== q.driver || t.device !== q.device) await this.deactivate();
    }
    await this.reconcile();
  }

  // ---------------------------------------------------------------- notifications

  private onKickReady(err: Error | null, events: number): void {
    if (err) {
      this.host.note(`ring ${this.index}: kick fd failed (${errorCode(err) ?? err.message}); polling instead`);
      this.stopKick();
      this.startPolling();
      return;
    }
    let n: number;
    try {
      // Watched, so O_NONBLOCK (libuv set it): one read, no poll first.
      n = this.host.native.eventfdRead(this.kickFd, true);
    } catch (e) {
      this.host.note(`ring ${this.index}: kick fd ${this.kickFd} cannot be read (${errorCode(e) ?? String(e)}); polling instead`);
      this.stopKick();
      this.startPolling();
      return;
    }
    if (n === 0) {
      // Readable with nothing to read and hung up: a pipe whose writer closed. libuv would report it forever
      // (a busy loop); the front end can no longer kick, so the ring stops until a new SET_VRING_KICK.
      if (events & POLL_DISCONNECT) this.kickHungUp();
      return;
    }
    this.kicked();
  }

  private kicked(): void {
    this.kicks++;
    this.stall?.reset();
    if (this.active) this.host.device.notify(this.index);
  }

  // ---------------------------------------------------------------- the missing-kick deadline

  /**
   * While the ring is live and kicked through an fd, a timer looks at the ring (a few mapped-memory reads)
   * a few times per deadline. Only an idle device counts time: while requests are in flight, the queue is
   * paused by the debugger or a chain is held, the device would look at the ring again by itself.
   */
  private startStallWatch(): void {
    const q = this.queue;
    const deadline = this.host.kickDeadlineMs;
    if (deadline <= 0 || !q?.vq || this.kickFd < 0) return;
    this.stall = new KickStallDetector(deadline, q.layout, q.name);
    this.stallTimer = setInterval(() => this.checkStall(), Math.max(5, Math.min(250, Math.floor(deadline / 4))));
    this.stallTimer.unref();
  }

  private stopStallWatch(): void {
    if (this.stallTimer) clearInterval(this.stallTimer);
    this.stallTimer = undefined;
    this.stall = undefined;
  }

  private checkStall(): void {
    const q = this.queue;
    const stall = this.stall;
    if (!stall || !this.active || !q?.vq) return;
    const device = this.host.device;
    if (q.paused || device.paused || q.servicing || q.pending.length > 0 || q.held || q.faulted || q.vq.broken) {
      stall.reset();
      return;
    }
    // A kick already in the fd (its readiness callback not run yet) is a kick, not a stall.
    if (this.kickFd >= 0) {
      let n = 0;
      try {
        n = this.host.native.eventfdRead(this.kickFd);
      } catch {
        // the kick watch reports an unusable fd
      }
      if (n > 0) {
        this.kicked();
        return;
      }
    }
    const found = stall.check(q.vq.unnotified(), Date.now());
    if (found) this.host.violation(found.rule, found.message, this.index, found.index);
  }

  private kickHungUp(): void {
    this.host.note(`ring ${this.index}: kick fd ${this.kickFd} hung up; the ring stops until the front end sends a new SET_VRING_KICK`);
    this.stopKick();
    this.started = false;
    void this.reconcile();
  }

  private startPolling(): void {
    this.polling = setInterval(() => {
      const q = this.queue;
      if (!this.active || !q?.vq || q.paused || this.host.device.paused) return;
      if (q.vq.peek(1).chains.length) this.host.device.resumeQueue(q);
    }, POLL_INTERVAL_MS);
    this.polling.unref();
  }

  private stopKick(): void {
    this.stopStallWatch();
    if (this.polling) clearInterval(this.polling);
    this.polling = undefined;
    this.kickWatch?.stop();
    this.kickWatch = undefined;
    this.closeFd(this.kickFd);
    this.kickFd = -1;
  }

  /** Used-buffer notification to the driver. */
  signalCall(): void {
    if (this.callFd < 0) return;
    this.calls++;
    try {
      // false: the counter is at its maximum (nobody reads the fd); the driver is due a notification anyway.
      if (!this.host.native.eventfdWrite(this.callFd, 1) && !this.callFailed) {
        this.callFailed = true;
        this.host.note(`ring ${this.index}: call fd ${this.callFd} is full (nobody reads it); notifications are dropped until it drains`);
      }
    } catch (e) {
      if (!this.callFailed) this.host.note(`ring ${this.index}: call fd ${this.callFd} cannot be signalled (${errorCode(e) ?? String(e)})`);
      this.callFailed = true;
    }
  }

  /** The ring broke (device needs reset): tell the front end on the err fd, if it gave one. */
  signalErr(): void {
    if (this.errFd < 0) return;
    try {
      this.host.native.eventfdWrite(this.errFd, 1);
    } catch {
      // nobody listens any more
    }
  }

  private closeFd(fd: number): void {
    if (fd < 0) return;
    try {
      this.host.native.close(fd);
    } catch {
      // already closed
    }
  }

  // ---------------------------------------------------------------- state transitions

  private async reconcile(): Promise<void> {
    if (this.started && this.enabled && !this.active) this.activate();
    else if (!(this.started && this.enabled) && this.active) await this.deactivate();
  }

  /** Ring addresses as guest-physical addresses, when the whole ring lies in the memory table. */
  private translate(): Translated | undefined {
    const a = this.addr;
    const size = this.size ?? this.queue?.spec.maxSize ?? 0;
    if (!a) return undefined;
    const packed = this.host.device.hasFeature(F.RING_PACKED);
    const descLen = 16 * size;
    const driverLen = packed ? 4 : 6 + 2 * size;
    const deviceLen = packed ? 4 : 6 + 8 * size;
    const desc = this.host.table.toGpa(a.desc, descLen);
    const driver = this.host.table.toGpa(a.avail, driverLen);
    const device = this.host.table.toGpa(a.used, deviceLen);
    if (desc === undefined || driver === undefined || device === undefined) {
      if (!this.unmappedReported && this.host.table.count > 0) {
        this.unmappedReported = true;
        const what = [desc === undefined && `desc ${hex(a.desc)}+${descLen}`, driver === undefined && `avail ${hex(a.avail)}+${driverLen}`, device === undefined && `used ${hex(a.used)}+${deviceLen}`]
          .filter(Boolean)
          .join(', ');
        this.host.violation('vhost-user-address-unmapped', `ring ${this.index}: ${what} not inside the memory table (${this.host.table.summary()})`, this.index);
      }
      return undefined;
    }
    return { desc, driver, device };
  }

  private activate(): void {
    const q = this.queue;
    if (!q) return;
    if (this.addr === undefined) {
      this.host.note(`ring ${this.index} (${q.name}) started without SET_VRING_ADDR: waiting for its addresses`);
      return;
    }
    const t = this.translate();
    if (!t) return;
    this.host.beforeActivate();
    q.size = this.size ?? q.spec.maxSize;
    q.desc = t.desc;
    q.driver = t.driver;
    q.device = t.device;
    if (!this.host.device.enableQueue(q) || !q.vq) {
      this.host.device.disableQueue(q);
      return;
    }
    q.vq.setBase(this.base);
    this.active = true;
    // The size the front end chose (QEMU's vhost-user-blk-pci: 128 unless queue-size says otherwise).
    this.host.note(`ring ${this.index} (${q.name}) started: ${q.layout}, size ${q.size}`);
    // Buffers made available before the ring went live (or kicks read while it was disabled).
    if (!q.paused) this.host.device.resumeQueue(q);
    this.startStallWatch();
  }

  private async deactivate(): Promise<void> {
    const q = this.queue;
    if (!this.active || !q) {
      this.active = false;
      return;
    }
    this.stopStallWatch();
    // Chains made available before the stop (a kick not read yet) are served first, as if the kick had
    // arrived a moment earlier: a front end that stops right after its last burst loses nothing. All of them
    // at once (a ring holds at most `size`), not one turn's worth.
    if (!q.paused && !this.host.device.paused) this.host.device.resumeQueue(q, true);
    this.active = false;
    const wasPaused = q.paused;
    q.paused = true; // no new chains (receive path included) while the ones in flight complete
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (q.pending.length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    if (q.pending.length > 0) this.host.note(`${q.name}: ${q.pending.length} request(s) still in flight after ${DRAIN_TIMEOUT_MS / 1000} s; stopping the ring anyway`);
    // A chain the debugger holds goes back to the ring (the base rewinds to it): the front end resubmits it.
    this.host.device.returnHeld(q);
    if (q.vq) this.base = q.vq.getBase();
    this.host.device.disableQueue(q, true);
    q.paused = wasPaused;
  }

  describe(): string {
    const q = this.queue;
    const parts = [this.state, `size ${this.size ?? '-'}`, `base ${hex(this.base)}`];
    if (this.active && q?.vq) parts.push(`${q.layout}`, `avail ${hex(q.vq.getBase())}`);
    parts.push(`kicks ${this.kicks}`, `calls ${this.calls}`);
    if (this.kickFd < 0 && this.polling) parts.push('polling');
    return parts.join(', ');
  }
}
