/**
 * The device core (§2–§3): status state machine, feature negotiation, config space, queues and the
 * notification path. Device types (blk, net, rng, echo) extend it with their queues, config layout and chain
 * processing. Transports drive it either the way a driver does (virtio-mmio registers: every status and
 * feature step is judged) or as a vhost-user back end (the front end negotiated already).
 */
import { type DeviceTypeName } from '../../protocol/device-type';
import { type RingLayout } from '../../protocol/trace';
import { type GuestMemory } from '../memory';
import { type RuleId } from '../rules';
import { type FeatureDevice } from '../spec-tables';
import { createQueue } from '../queue/factory';
import { type Chain, type RingFeatures } from '../queue/types';
import { type Trace } from '../trace';
import { F, STATUS, bit, has, hex } from './bits';
import { ConfigSpace, type ConfigFieldLike, type ConfigJudge } from './config-space';
import { judgeFeatures } from './features';
import { QueueRuntime, type QueueSpec } from './queue-runtime';
import { QueueService } from './queue-service';
import { queueSizeProblem } from './queue-setup';
import { judgeStatusWrite, statusNames } from './status';

/** What the transport provides to the device: a way to interrupt the driver. */
export interface DeviceHost {
  readonly kind: 'mmio' | 'vhost-user';
  interrupt(kind: 'used' | 'config', queue?: number): void;
  /** Transport state for display (registers, vhost-user connection), as name/value pairs. */
  inspect(): { name: string; value: string }[];
}

/** The debugger's hook: decides, before a chain is processed, whether the session stops on it. */
export interface ChainGate {
  /** Return false to hold the chain (the queue pauses until the debugger resumes or steps it). */
  admit(device: VirtioDevice, queue: QueueRuntime, chain: Chain): boolean;
  /** A chain broke a rule while being processed: return true to hold its completion back (not returned to
   *  the driver, still inspectable) until the debugger calls releaseFaulted(). */
  holdFaulted?(device: VirtioDevice, queue: QueueRuntime, chain: Chain): boolean;
}

export interface DeviceOptions {
  /** Session-unique id, e.g. "blk0". */
  id: string;
  deviceId: number;
  offered: bigint;
  queues: QueueSpec[];
  configFields: readonly ConfigFieldLike[];
  configSize: number;
  mem: GuestMemory;
  trace: Trace;
  /** The feature table its bits are judged and shown with (default: the transport bits alone). */
  featureTable?: FeatureDevice;
  /** Short names of feature bits (for config gating), e.g. (bit) => "MTU". */
  featureShortName: (bit: number) => string | undefined;
  /** In-process transport: notifications follow ring writes synchronously, driver writes are observable. */
  inProcess?: boolean;
}

/** 'driver': the transport shows us every driver step (mmio). 'backend': vhost-user, negotiated elsewhere. */
export type ControlMode = 'driver' | 'backend';

export abstract class VirtioDevice {
  readonly id: string;
  readonly deviceId: number;
  readonly offered: bigint;
  readonly mem: GuestMemory;
  readonly trace: Trace;
  readonly config: ConfigSpace;
  readonly queues: QueueRuntime[];
  readonly inProcess: boolean;
  /** The feature table of its type ('transport' for types without device feature bits: rng, echo). */
  readonly featureTable: FeatureDevice;
  /**
   * Every violation stops the queue, the servable ones (severity 'error') too: today's QEMU-strict reading
   * of the spec (`serve --strict`). Applies to queues enabled after it is set.
   */
  strict = false;
  mode: ControlMode = 'driver';
  host: DeviceHost | undefined;
  gate: ChainGate | undefined;

  status = 0;
  driverFeatures = 0n;
  negotiated = 0n;
  /** Bumped on reset so completions of requests from before the reset are dropped. */
  epoch = 0;
  /** Whether the driver re-read the status after setting FEATURES_OK (§3.1.1 step 6). */
  private featuresOkChecked = false;
  private featuresOkRefused = false;
  /** While true no queue is serviced (the debugger paused the whole machine). */
  private machinePaused = false;
  private readonly service: QueueService;
  private readonly featureShortName: (bit: number) => string | undefined;
  private readonly reported = new Set<string>();

  constructor(o: DeviceOptions) {
    this.id = o.id;
    this.deviceId = o.deviceId;
    this.offered = o.offered;
    this.mem = o.mem;
    this.trace = o.trace;
    this.inProcess = o.inProcess ?? false;
    this.featureTable = o.featureTable ?? 'transport';
    this.featureShortName = o.featureShortName;
    this.config = new ConfigSpace(o.configFields, o.configSize);
    this.queues = o.queues.map((spec, i) => new QueueRuntime(i, spec, o.id));
    this.service = new QueueService(this);
  }

  // ---------------------------------------------------------------- device-type hooks

  /** Processes one chain and returns the bytes written into its writable part (may be async). */
  abstract processChain(q: QueueRuntime, chain: Chain): number | Promise<number>;

  /**
   * What a vhost-user back end answers to GET_QUEUE_NUM: the queues a front end may use (net counts queue
   * pairs, the control queue aside).
   */
  vhostUserQueueNum(): number {
    return this.queues.length;
  }

  /** vhost-user: features a front end may implement itself and never acknowledge to the back end; they
   *  satisfy the dependencies of the features it does acknowledge (SET_FEATURES judging). */
  vhostUserFrontEndFeatures(): bigint {
    return 0n;
  }

  /** One-line decoded summary of a chain for the trace (request type, sector, frame...). */
  describeChain(_q: QueueRuntime, _chain: Chain): string | undefined {
    return undefined;
  }

  /** Device-specific acceptance of the negotiated features; return a reason to refuse FEATURES_OK. */
  protected validateFeatures(_features: bigint): string | undefined {
    return undefined;
  }

  /** Called once the driver set DRIVER_OK (or the back end started). */
  protected onDriverOk(): void {}

  /** Called after a device reset; device types drop their own state here. */
  protected onReset(): void {}

  /**
   * Called before a ring rule is reported at descriptor (or slot) `index` of queue `q`: a device whose own rule
   * names the actual misuse reports it first (issue 12: a blk status byte that is not device-writable is a
   * blk-status-not-writable, not only a split-write-before-read). The ring rule is reported anyway and keeps
   * its severity: naming never relaxes a bounds check.
   */
  protected nameRingBreach(_q: QueueRuntime, _rule: RuleId, _index: number): void {}

  /** Called after a driver config write changed fields. */
  protected onConfigWrite(_fields: ConfigFieldLike[]): void {}

  /** An on-notify queue without processing (e.g. net receive) got a notification: buffers were added. */
  onBuffersAdded(_q: QueueRuntime): void {}

  // ---------------------------------------------------------------- violations

  /** Reports a violation to the trace. `once` keys suppress repeats until the next reset. */
  violation(rule: RuleId, message: string, where: { queue?: QueueRuntime; index?: number; once?: boolean } = {}): void {
    const q = where.queue;
    if (where.once) {
      const key = `${rule}/${q?.index ?? ''}`;
      if (this.reported.has(key)) return;
      this.reported.add(key);
    }
    // Built field by field, not with spreads: a driver that breaks a rule on every chain (DPDK's virtio_user
    // leaves num_buffers in its transmit headers) reports on every chain, and with spreads this function was
    // 8 % of serve's CPU profile under figure 4 io (now under 1 %).
    const at: { queue?: number; queueName?: string; index?: number } = {};
    if (q) {
      q.counters.violations++;
      at.queue = q.index;
      at.queueName = q.name;
    }
    if (where.index !== undefined) at.index = where.index;
    this.trace.violation(this.id, rule, message, at);
  }

  /** §2.1.2: the device hit an error it cannot recover from; the driver must reset it. */
  needsReset(reason: string): void {
    if (this.status & STATUS.DEVICE_NEEDS_RESET) return;
    this.setStatusByDevice(this.status | STATUS.DEVICE_NEEDS_RESET);
    this.trace.emit({ type: 'note', device: this.id, message: `device needs reset: ${reason}` });
    if (this.status & STATUS.DRIVER_OK) this.raise('config');
  }

  // ---------------------------------------------------------------- status (§2.1, §3.1)

  get driverOk(): boolean {
    return (this.status & STATUS.DRIVER_OK) !== 0;
  }

  /** Driver read of the status register (judging: FEATURES_OK re-read). */
  readStatus(): number {
    if (this.status & STATUS.FEATURES_OK) this.featuresOkChecked = true;
    return this.status;
  }

  writeStatus(value: number): void {
    value &= 0xff;
    if (value === 0) {
      this.reset();
      return;
    }
    const old = this.status;
    const verdict = judgeStatusWrite(old, value, {
      featuresOkRefused: this.featuresOkRefused,
      featuresOkChecked: this.featuresOkChecked || this.mode === 'backend' || !this.inProcess,
      modern: has(this.driverFeatures, F.VERSION_1),
    });
    for (const v of verdict.violations) this.violation(v.rule, v.message);
    let next = verdict.status;
    if (next & STATUS.FEATURES_OK && !(old & STATUS.FEATURES_OK)) {
      const refused = this.negotiate();
      if (refused) next &= ~STATUS.FEATURES_OK;
    }
    this.setStatus(next, 'driver');
    if (next & STATUS.DRIVER_OK && !(old & STATUS.DRIVER_OK)) this.startDevice();
  }

  private setStatus(value: number, by: 'driver' | 'device'): void {
    const from = this.status;
    this.status = value;
    if (from !== value) this.trace.emit({ type: 'status', device: this.id, from, to: value, names: statusNames(value), by });
  }

  private setStatusByDevice(value: number): void {
    this.setStatus(value, 'device');
  }

  /** Judges and applies the driver's features at FEATURES_OK; returns true when refused. */
  private negotiate(): boolean {
    const verdict = judgeFeatures(this.offered, this.driverFeatures, this.featureTable);
    for (const v of verdict.violations) this.violation(v.rule, v.message);
    const reason = verdict.refuse ?? this.validateFeatures(this.driverFeatures);
    this.featuresOkChecked = false;
    this.featuresOkRefused = reason !== undefined;
    if (reason) {
      this.trace.emit({ type: 'note', device: this.id, message: `FEATURES_OK refused: ${reason}` });
      return true;
    }
    this.negotiated = this.driverFeatures;
    this.trace.emit({
      type: 'features',
      device: this.id,
      offered: hex(this.offered),
      driver: hex(this.driverFeatures),
      negotiated: hex(this.negotiated),
    });
    return false;
  }

  /** The device type's name (protocol/device-type.ts), as in launch configurations and snapshots. */
  abstract readonly deviceType: DeviceTypeName;

  // ---------------------------------------------------------------- features (§2.2)

  /** Driver writes one 32-bit word of its accepted features (mmio DriverFeatures with DriverFeaturesSel). */
  writeDriverFeatureWord(select: number, value: number): void {
    if (this.status & STATUS.FEATURES_OK) {
      this.violation('features-written-after-features-ok', `DriverFeatures[${select}] = ${hex(value >>> 0)} written after FEATURES_OK; ignored`);
      return;
    }
    if (this.mode === 'driver' && !(this.status & STATUS.DRIVER)) {
      this.violation('features-before-driver', `DriverFeatures written before the DRIVER status bit was set`, { once: true });
    }
    const shift = BigInt(select * 32);
    const mask = 0xffff_ffffn << shift;
    const next = (this.driverFeatures & ~mask) | (BigInt(value >>> 0) << shift);
    if (next === this.driverFeatures) return;
    this.driverFeatures = next;
    this.trace.emit({ type: 'features', device: this.id, offered: hex(this.offered), driver: hex(this.driverFeatures) });
  }

  readDeviceFeatureWord(select: number): number {
    return Number((this.offered >> BigInt(select * 32)) & 0xffff_ffffn);
  }

  /** vhost-user SET_FEATURES: the front end negotiated with the guest; we take the result as final. */
  applyNegotiatedFeatures(features: bigint): void {
    this.driverFeatures = features;
    this.negotiated = features;
    this.trace.emit({ type: 'features', device: this.id, offered: hex(this.offered), driver: hex(features), negotiated: hex(features) });
  }

  hasFeature(n: number): boolean {
    return has(this.negotiated, n);
  }

  ringFeatures(): RingFeatures {
    return {
      indirect: this.hasFeature(F.INDIRECT_DESC),
      eventIdx: this.hasFeature(F.EVENT_IDX),
      inOrder: this.hasFeature(F.IN_ORDER),
      notificationData: this.hasFeature(F.NOTIFICATION_DATA),
      ringReset: this.hasFeature(F.RING_RESET),
    };
  }

  // ---------------------------------------------------------------- config space (§2.5)

  private readonly judge: ConfigJudge = {
    offered: (s) => this.featureBitByShort(s, this.offered),
    negotiated: (s) => this.featureBitByShort(s, this.negotiated),
    featuresOk: () => (this.status & STATUS.FEATURES_OK) !== 0 || this.mode === 'backend',
    violation: (rule, message, index) => this.violation(rule, message, index === undefined ? {} : { index }),
  };

  /** Does the config field exist (its gating feature offered, or none)? */
  configFieldPresent(f: ConfigFieldLike): boolean {
    return !f.features || f.features.some((s) => this.featureBitByShort(s, this.offered));
  }

  private featureBitByShort(short: string, bits: bigint): boolean {
    for (let b = 0; b < 128; b++) if (this.featureShortName(b) === short) return (bits & bit(b)) !== 0n;
    return false;
  }

  readConfig(offset: number, size: number): number {
    const v = this.config.read(offset, size, this.mode === 'driver' ? this.judge : undefined);
    return v;
  }

  /**
   * Driver write of config space. `featuresOk`: whether the driver set FEATURES_OK, when the transport knows it
   * better than this device's status (vhost-user: the front end reports the driver's status); default: the
   * status, or true in back-end mode.
   */
  /**
   * Judges a driver's read of config space the transport answers itself (vhost-user GET_CONFIG from a front end
   * that mirrors its driver): fields gated by a feature not offered (config-field-not-offered). In range only.
   * `featuresOk`: whether the driver had set FEATURES_OK (the status the front end reported), for the device
   * types whose fields may not be read before it.
   */
  judgeConfigRead(offset: number, size: number, _featuresOk: boolean): void {
    this.config.read(offset, size, this.judge);
  }

  writeConfig(offset: number, data: Uint8Array, featuresOk?: boolean): void {
    const judge = featuresOk === undefined ? this.judge : { ...this.judge, featuresOk: () => featuresOk };
    const changed = this.config.write(offset, data, judge);
    this.trace.emit({
      type: 'config-write',
      device: this.id,
      offset,
      size: data.length,
      value: Buffer.from(data).toString('hex'),
      ...(changed[0] ? { field: changed[0].name } : {}),
    });
    if (changed.length) this.onConfigWrite(changed);
  }

  /** Device-side config change (link down, capacity change): bumps the generation and notifies the driver. */
  changeConfig(field: string, value: bigint | number): void {
    this.config.set(field, value);
    this.config.generation = (this.config.generation + 1) & 0xffff_ffff;
    this.trace.emit({ type: 'config-change', device: this.id, generation: this.config.generation, field });
    if (this.driverOk) this.raise('config');
  }

  // ---------------------------------------------------------------- queues

  queue(index: number): QueueRuntime | undefined {
    return this.queues[index];
  }

  /** Enables a queue with its programmed size and addresses. Judges the set-up; returns false if unusable. */
  enableQueue(q: QueueRuntime, layout: RingLayout = this.hasFeature(F.RING_PACKED) ? 'packed' : 'split'): boolean {
    if (this.mode === 'driver' && !(this.status & STATUS.FEATURES_OK)) {
      this.violation('queue-setup-before-features-ok', `${q.name} enabled before FEATURES_OK (status ${statusNames(this.status).join('|') || '0'})`, { queue: q });
    }
    if (this.featuresOkRefused) {
      this.violation('status-features-ok-refused-ignored', `${q.name} set up although the device refused FEATURES_OK`, { queue: q, once: true });
    }
    const problem = queueSizeProblem(q, layout);
    if (problem) {
      this.violation(problem.rule, problem.message, { queue: q, index: problem.index });
      return false;
    }
    q.layout = layout;
    q.vq = createQueue(
      layout,
      {
        mem: this.mem,
        violation: (rule, message, index) => {
          if (index !== undefined) this.nameRingBreach(q, rule, index);
          this.violation(rule, message, { queue: q, ...(index === undefined ? {} : { index }) });
        },
      },
      {
        index: q.index,
        name: q.name,
        size: q.size,
        desc: q.desc,
        driver: q.driver,
        device: q.device,
        features: this.ringFeatures(),
        synchronousNotify: this.inProcess,
        watchWrites: this.inProcess,
        strict: this.strict,
      },
    );
    q.enabled = true;
    this.trace.emit({
      type: 'queue-setup',
      device: this.id,
      queue: q.index,
      queueName: q.name,
      layout,
      size: q.size,
      desc: hex(q.desc),
      driver: hex(q.driver),
      deviceArea: hex(q.device),
      enabled: true,
    });
    if (!q.vq.validate()) {
      this.needsReset(`${q.name}: ring placement rejected`);
      return false;
    }
    return true;
  }

  /** Stops using a queue's ring; `keepView` keeps it visible to the debugger (front end stopped the ring). */
  disableQueue(q: QueueRuntime, keepView = false): void {
    q.clear(keepView);
  }

  /** §2.6.1 per-queue reset (VIRTIO_F_RING_RESET). */
  resetQueue(q: QueueRuntime): void {
    if (this.mode === 'driver' && !this.hasFeature(F.RING_RESET)) {
      this.violation('queue-reset-not-negotiated', `${q.name} reset without VIRTIO_F_RING_RESET`, { queue: q });
      return;
    }
    q.clear();
    q.size = q.spec.maxSize;
    this.trace.emit({ type: 'reset', device: this.id, queue: q.index, queueName: q.name });
  }

  /** A driver notification (available-buffer notification, §2.9). */
  notify(index: number, data?: number): void {
    const q = this.queues[index];
    if (!q) {
      this.violation('notify-invalid-queue', `notification for queue ${index}: the device has ${this.queues.length} queues`, { index });
      return;
    }
    q.counters.notifications++;
    q.lastNotifyTime = Date.now();
    // Per-kick events only when someone reads them (serve without --trace: not worth a clock read and an object).
    if (this.trace.active) this.trace.emit({ type: 'notify', device: this.id, queue: q.index, queueName: q.name, ...(data !== undefined ? { data } : {}) });
    if (this.mode === 'driver' && !this.driverOk) {
      this.violation('notify-before-driver-ok', `${q.name} notified before DRIVER_OK (status ${statusNames(this.status).join('|') || '0'})`, { queue: q });
      return;
    }
    if (!q.enabled || !q.vq) {
      this.violation('notify-invalid-queue', `${q.name} notified but it is not enabled`, { queue: q, index });
      return;
    }
    q.vq.onNotify(data);
    if (q.spec.mode === 'on-demand') this.onBuffersAdded(q);
    else this.service.kick(q);
  }

  /** Takes the next chain of an on-demand queue (e.g. net receive) through the debugger's gate. */
  takeChain(q: QueueRuntime): Chain | null {
    return this.service.take(q);
  }

  /** Completes a chain taken with takeChain() (or processed asynchronously). */
  complete(q: QueueRuntime, chain: Chain, len: number): void {
    this.service.completeTaken(q, chain, len);
  }

  // ---------------------------------------------------------------- debugger control

  get paused(): boolean {
    return this.machinePaused;
  }

  /** Pauses (or resumes) every queue: nothing is consumed while paused. */
  setPaused(paused: boolean): void {
    this.machinePaused = paused;
    if (!paused) for (const q of this.queues) if (!q.paused) this.service.kick(q);
  }

  pauseQueue(q: QueueRuntime): void {
    q.paused = true;
  }

  /**
   * Resumes a queue held by the debugger; chains are admitted through the gate again. `drain`: every chain
   * made available is taken now (a ring that stops), not one turn's worth with the rest on later turns.
   */
  resumeQueue(q: QueueRuntime, drain = false): void {
    q.paused = false;
    if (!this.machinePaused) this.service.kick(q, drain);
  }

  /**
   * The ring is stopping (vhost-user GET_VRING_BASE, e.g. QEMU freezing the VM while the session is
   * stopped): a chain the debugger holds was taken off the ring but not processed, so it is given back —
   * the ring position rewinds to it and the front end gets it again when the ring restarts. Nothing is lost.
   */
  returnHeld(q: QueueRuntime): boolean {
    const chain = q.held;
    if (!chain || !q.vq) return false;
    const base = q.layout === 'packed' ? (chain.position & 0x7fff) | (chain.wrap ? 0x8000 : 0) : chain.position & 0xffff;
    q.vq.setBase(base);
    q.held = undefined;
    q.admitOnce = chain.position;
    this.trace.emit({ type: 'note', device: this.id, message: `${q.name}: the chain held by the debugger (id ${chain.id}) goes back to the ring as it stops` });
    return true;
  }

  /** Returns the chain held back after it broke a rule (its completion goes to the used ring now). */
  releaseFaulted(q: QueueRuntime): void {
    const f = q.faulted;
    q.faulted = undefined;
    f?.release();
  }

  /** Processes up to `count` chains of a paused queue regardless of the gate; resolves when they completed. */
  step(q: QueueRuntime, count = 1): Promise<number> {
    return this.service.step(q, count);
  }

  // ---------------------------------------------------------------- lifecycle

  protected startDevice(): void {
    this.trace.emit({ type: 'note', device: this.id, message: 'driver ready (DRIVER_OK)' });
    this.onDriverOk();
  }

  /** vhost-user: the front end reports the guest's device status (SET_STATUS, or rings starting and
   *  stopping); taken as is, without the judging a register-level transport gets. */
  setFrontendStatus(value: number): void {
    this.setStatus(value & 0xff, 'driver');
  }

  /** vhost-user: the back end starts serving without seeing the status register. */
  startBackend(): void {
    this.mode = 'backend';
    this.onDriverOk();
  }

  reset(): void {
    this.epoch++;
    for (const q of this.queues) {
      q.clear();
      q.size = q.spec.maxSize;
      q.desc = q.driver = q.device = 0;
    }
    const from = this.status;
    this.status = 0;
    this.driverFeatures = 0n;
    this.negotiated = 0n;
    this.featuresOkChecked = false;
    this.featuresOkRefused = false;
    this.reported.clear();
    // What the driver repeated before the reset is reported now; the next driver's first ones show in full.
    this.trace.settleViolations(this.id);
    this.onReset();
    this.trace.emit({ type: 'reset', device: this.id });
    if (from !== 0) this.trace.emit({ type: 'status', device: this.id, from, to: 0, names: [], by: 'driver' });
  }

  /** Sends a notification to the driver through the transport. */
  raise(kind: 'used' | 'config', q?: QueueRuntime): void {
    if (q) q.counters.interrupts++;
    if (this.trace.active || kind !== 'used') this.trace.emit({ type: 'interrupt', device: this.id, kind, ...(q ? { queue: q.index, queueName: q.name } : {}) });
    this.host?.interrupt(kind, q?.index);
  }
}
