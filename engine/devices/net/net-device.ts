/**
 * virtio-net (device ID 1, VIRTIO 1.2 §5.1): receive/transmit queue pairs and the control queue, the
 * config space (mac, status, max_virtqueue_pairs, mtu, speed, duplex), header sizes from the negotiated
 * features, mergeable receive buffers, receive filtering, automatic steering over the active pairs, link
 * up/down and announce. Its wire side is `port`, an EthernetPort that peers (responder, pcap, UDP tunnel,
 * switch) connect to.
 */
import { VirtioDevice } from '../../device-core/device';
import { F, STATUS, has } from '../../device-core/bits';
import { type QueueRuntime, type QueueSpec } from '../../device-core/queue-runtime';
import { type GuestMemory } from '../../memory';
import { readChain } from '../../queue/chain-io';
import { type Chain } from '../../queue/types';
import { type RuleId } from '../../rules';
import { NET_CONFIG, NET_CONFIG_SIZE, featureByBit } from '../../spec-tables';
import { type Trace } from '../../trace';
import { formatMac, parseMac } from '../../wire/address';
import { networkHeader } from '../../wire/ethernet';
import { HDR_F, type HeaderLayout, headerLayout } from '../../wire/net-header';
import { type CtrlTarget, handleCtrlChain, negotiatedGuestOffloads } from './ctrl-queue';
import { type EthernetPort, dropFrame } from './ethernet-port';
import { DEFAULT_MAC, DUPLEX_VALUE, type Duplex, NET_S_ANNOUNCE, NET_S_LINK_UP, type NetConfigValues, applyQueueLayout } from './net-config';
import { checkNetValues, configWriteVerdict, initNetConfig, minRxBuffer, negotiatedPairs, offeredQueueSpecs } from './net-config';
import { NET_F, defaultNetOffered } from './net-features';
import { type NetStats, newNetStats } from './net-stats';
import { ctrlSummary, l4ChecksumValid, rxSummary, txSummary } from './net-summary';
import { RxFilter } from './rx-filter';
import { type RxHost, RxPath } from './rx-path';
import { Steering } from './steering';
import { MAX_FRAME, type TxHost, type TxRead, readTxChain, transmitChain } from './tx-path';

export const NET_DEVICE_ID = 1;
const GUEST_CSUM_OFFLOAD = 1n << 1n;

export interface NetDeviceOptions {
  id?: string;
  mem: GuestMemory;
  trace: Trace;
  /** `52:54:00:12:34:56` or 6 bytes; default 52:54:00:12:34:56. */
  mac?: string | Uint8Array;
  /** max_virtqueue_pairs (MQ is offered when > 1). Default 1. */
  queuePairs?: number;
  queueSize?: number;
  mtu?: number;
  /** Mbit/s; 0xffffffff unknown. Default 10000. */
  speed?: number;
  duplex?: Duplex;
  linkUp?: boolean;
  /** Feature bits offered; default: everything the device implements (defaultNetOffered). */
  offered?: bigint;
  /** Frames waiting per receive queue for buffers; the oldest is dropped beyond it. Default 256. */
  rxBacklog?: number;
  inProcess?: boolean;
}

export class NetDevice extends VirtioDevice {
  readonly deviceType = 'net' as const;
  /** The wire side: connect a peer with connect(device.port, peer). */
  readonly port: EthernetPort;
  readonly stats: NetStats = newNetStats();
  readonly filter = new RxFilter();
  readonly maxPairs: number;
  private readonly values: NetConfigValues;
  /** The QueueSpec objects the QueueRuntimes hold: rewritten for the negotiated queue layout. */
  private readonly specs: QueueSpec[];
  private readonly rx: RxPath;
  private readonly steering = new Steering();
  private readonly txHost: TxHost;
  private readonly ctrlTarget: CtrlTarget;
  private activePairsValue = 1;
  private guestOffloadsValue = 0n;
  private link: boolean;
  /** Head of the control chain being processed (the index its violations carry). */
  private ctrlHead: number | undefined;
  private layoutCache: { features: bigint; layout: HeaderLayout } | undefined;
  /**
   * The transmit chain describeChain read last (for the trace's summary), with the queue's chain count then:
   * processChain uses it for the same chain at the same count — QueueService.record counts the chain, describes
   * it and processChain follows with nothing in between — instead of reading guest memory again. A describe
   * for the debugger's frames (a chain not taken yet, another count) never matches.
   */
  private txRead: { chain: Chain; count: number; read: TxRead } | undefined;

  constructor(o: NetDeviceOptions) {
    const mac = typeof o.mac === 'string' || o.mac === undefined ? parseMac(o.mac ?? DEFAULT_MAC) : Uint8Array.from(o.mac);
    const values: NetConfigValues = {
      mac,
      queuePairs: o.queuePairs ?? 1,
      queueSize: o.queueSize ?? 256,
      mtu: o.mtu ?? 1500,
      speed: o.speed ?? 10000,
      duplex: o.duplex ?? 'full',
      linkUp: o.linkUp ?? true,
    };
    checkNetValues(values);
    const offered = o.offered ?? defaultNetOffered(values.queuePairs);
    const specs = offeredQueueSpecs(offered, values.queuePairs, values.queueSize);
    super({
      id: o.id ?? 'net0',
      deviceId: NET_DEVICE_ID,
      featureTable: 'net',
      offered,
      queues: specs,
      configFields: NET_CONFIG,
      configSize: NET_CONFIG_SIZE,
      mem: o.mem,
      trace: o.trace,
      inProcess: o.inProcess ?? true,
      featureShortName: (b) => featureByBit('net', b)?.short,
    });
    this.values = values;
    this.specs = specs;
    this.maxPairs = values.queuePairs;
    this.link = values.linkUp;
    initNetConfig(this.config, values);
    this.filter.reset(mac, { ctrlRx: false, ctrlVlan: false });
    this.port = { receive: (f) => this.fromWire(f), transmit: dropFrame };
    this.rx = new RxPath(this.rxHost(), o.rxBacklog ?? 256);
    this.txHost = this.makeTxHost();
    this.ctrlTarget = this.makeCtrlTarget();
  }

  // ---------------------------------------------------------------- state

  get linkUp(): boolean {
    return this.link;
  }

  /** Queue pairs in use: VQ_PAIRS_SET (1 after reset). As a vhost-user back end whose front end keeps the
   *  control queue (QEMU never acknowledges CTRL_VQ to a vhost-user net back end), the pairs in use are the
   *  ones whose receive ring it enabled; a front end that negotiated CTRL_VQ with us sets them on our controlq. */
  get activePairs(): number {
    if (!this.frontEndKeepsCtrl()) return this.activePairsValue;
    let n = 0;
    while (n < this.maxPairs && this.queues[2 * n]?.enabled) n++;
    return Math.max(1, n);
  }

  /** vhost-user without CTRL_VQ negotiated with this back end: filters and pairs live in the front end. */
  private frontEndKeepsCtrl(): boolean {
    return this.mode === 'backend' && !this.frameFeatures().ctrlVq;
  }

  /** The negotiated features a frame's path asks about, worked out once per negotiation (a BigInt test per
   *  frame and feature added up under DPDK's rates). */
  private frameFeatures(): { mergeable: boolean; mtu: boolean; ctrlVq: boolean; guestCsum: boolean } {
    const c = this.featureCache;
    if (c && c.negotiated === this.negotiated) return c;
    const n = this.negotiated;
    this.featureCache = { negotiated: n, mergeable: has(n, NET_F.MRG_RXBUF), mtu: has(n, NET_F.MTU), ctrlVq: has(n, NET_F.CTRL_VQ), guestCsum: has(n, NET_F.GUEST_CSUM) };
    return this.featureCache;
  }

  private featureCache: { negotiated: bigint; mergeable: boolean; mtu: boolean; ctrlVq: boolean; guestCsum: boolean } | undefined;

  /** Guest offloads enabled (GUEST_OFFLOADS_SET; all negotiated ones after DRIVER_OK). */
  get guestOffloads(): bigint {
    return this.guestOffloadsValue;
  }

  get mac(): string {
    return formatMac(this.filter.mac);
  }

  /** The header layout for the negotiated features (§5.1.6). */
  headerLayout(): HeaderLayout {
    if (this.layoutCache?.features !== this.negotiated) this.layoutCache = { features: this.negotiated, layout: headerLayout(this.negotiated) };
    return this.layoutCache.layout;
  }

  /** Frames waiting for receive buffers on receive queue `index`. */
  rxWaiting(index: number): number {
    return this.rx.waiting(index);
  }

  // ---------------------------------------------------------------- host-side controls

  /** Link up/down from outside (§5.1.4 status): config change and notification; no traffic while down. */
  setLink(up: boolean): void {
    if (this.link === up) return;
    this.link = up;
    this.trace.emit({ type: 'note', device: this.id, message: `link ${up ? 'up' : 'down'}` });
    if (!up) this.rx.clear();
    this.updateStatus();
  }

  /** Asks the driver to announce itself (VIRTIO_NET_S_ANNOUNCE); false unless GUEST_ANNOUNCE was negotiated. */
  announce(): boolean {
    if (!this.hasFeature(NET_F.GUEST_ANNOUNCE) || !this.hasFeature(NET_F.STATUS)) return false;
    this.announcePending = true;
    this.updateStatus();
    return true;
  }

  private announcePending = false;

  /** Speed (Mbit/s, 0xffffffff unknown) and duplex changed (SPEED_DUPLEX): config change notification. */
  setSpeedDuplex(speed: number, duplex: Duplex): void {
    checkNetValues({ ...this.values, speed });
    this.values.speed = speed;
    this.values.duplex = duplex;
    this.config.set('speed', speed);
    this.changeConfig('duplex', DUPLEX_VALUE[duplex]);
  }

  private statusValue(): number {
    return (this.link ? NET_S_LINK_UP : 0) | (this.announcePending ? NET_S_ANNOUNCE : 0);
  }

  private updateStatus(): void {
    if (has(this.offered, NET_F.STATUS)) this.changeConfig('status', this.statusValue());
  }

  // ---------------------------------------------------------------- queues

  private role(q: QueueRuntime): { kind: 'rx' | 'tx' | 'ctrl' | 'none'; pair: number } {
    const n = q.spec.name;
    const pair = q.index >> 1;
    if (n.startsWith('receiveq')) return { kind: 'rx', pair };
    if (n.startsWith('transmitq')) return { kind: 'tx', pair };
    return { kind: n === 'controlq' ? 'ctrl' : 'none', pair };
  }

  processChain(q: QueueRuntime, chain: Chain): number {
    const r = this.role(q);
    if (r.kind === 'tx') {
      // The trace's summary of this chain read it a moment ago (QueueService.record: count, describe, process).
      const read = this.txRead?.chain === chain && this.txRead.count === q.counters.chains ? this.txRead.read : undefined;
      this.txRead = undefined;
      return transmitChain(this.txHost, q, chain, r.pair, r.pair < this.activePairs, read);
    }
    if (r.kind === 'ctrl') return this.processCtrl(chain);
    return 0;
  }

  private processCtrl(chain: Chain): number {
    this.stats.ctrlCommands++;
    this.ctrlHead = chain.head;
    const { len, result, name } = handleCtrlChain(this.ctrlTarget, this.mem, chain);
    if (result.ack !== 0) this.stats.ctrlErrors++;
    this.trace.emit({ type: 'note', device: this.id, message: `controlq: ${name} → ${result.ack === 0 ? 'OK' : 'ERR'} (${result.outcome})` });
    return len;
  }

  /** GET_QUEUE_NUM counts queue pairs (the control queue aside). */
  override vhostUserQueueNum(): number {
    return Math.max(1, Math.floor(this.queues.length / 2));
  }

  /** QEMU keeps the control queue of a vhost-user net device (CTRL_VQ never reaches us) yet acknowledges MQ
   *  and GUEST_ANNOUNCE, which depend on it. */
  override vhostUserFrontEndFeatures(): bigint {
    return 1n << BigInt(NET_F.CTRL_VQ);
  }

  override describeChain(q: QueueRuntime, chain: Chain): string | undefined {
    const r = this.role(q);
    const layout = this.headerLayout();
    if (r.kind === 'tx') {
      const read = readTxChain(this.mem, chain, layout);
      // Kept for processChain, which follows at once when the chain is being recorded: one read per frame.
      this.txRead = { chain, count: q.counters.chains, read };
      return txSummary(read.hdr, read.frame);
    }
    if (r.kind === 'ctrl') return ctrlSummary(readChain(this.mem, chain, 0, 4096));
    const d = this.rx.describing;
    if (r.kind === 'rx' && d) {
      const hdr = { flags: d.flags, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0, numBuffers: undefined };
      return rxSummary(d.frame, hdr, d.offset, layout.size);
    }
    // A receive buffer the debugger shows before the device has a frame for it.
    if (r.kind === 'rx') return `receive buffer (${chain.writableBytes} B)`;
    return undefined;
  }

  override onBuffersAdded(q: QueueRuntime): void {
    if (this.role(q).kind !== 'rx') return;
    try {
      this.rx.judgePosted(q);
      this.rx.deliver(q);
    } catch (e) {
      this.trace.emit({ type: 'note', device: this.id, message: `${q.name}: receive failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  // ---------------------------------------------------------------- the wire

  /** A frame arrives from the peer: filter, steer to a receive queue, deliver when there are buffers. */
  private fromWire(frame: Uint8Array): void {
    try {
      if (!this.driverOk || !this.link || (this.status & STATUS.DEVICE_NEEDS_RESET) !== 0) {
        this.stats.rxDropped.notReady++;
        return;
      }
      const mtu = this.frameFeatures().mtu ? this.values.mtu : undefined;
      const link = networkHeader(frame)?.offset ?? 14;
      if (frame.length > MAX_FRAME || (mtu !== undefined && frame.length - link > mtu)) {
        this.stats.rxDropped.oversize++;
        return;
      }
      // A front end that keeps the control queue keeps the guest's filter settings too: accept all.
      if (!this.frontEndKeepsCtrl() && this.filter.check(frame) !== undefined) {
        this.stats.rxDropped.filtered++;
        return;
      }
      const pair = this.steering.select(frame, this.activePairs);
      const q = this.queues[2 * pair]!;
      this.rx.enqueue(q.index, frame);
      this.rx.deliver(q);
    } catch (e) {
      this.trace.emit({ type: 'note', device: this.id, message: `receive failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  private send(frame: Uint8Array): void {
    try {
      this.port.transmit(frame);
    } catch (e) {
      this.trace.emit({ type: 'note', device: this.id, message: `peer failed to take a frame: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  private report(rule: RuleId, message: string, q: QueueRuntime, index?: number, once?: boolean): void {
    this.violation(rule, message, { queue: q, index, once });
  }

  private rxHost(): RxHost {
    return {
      mem: this.mem,
      stats: this.stats,
      layout: () => this.headerLayout(),
      mergeable: () => this.frameFeatures().mergeable,
      rxFlags: (frame) =>
        this.frameFeatures().guestCsum && (this.guestOffloadsValue & GUEST_CSUM_OFFLOAD) !== 0n && l4ChecksumValid(frame) ? HDR_F.DATA_VALID : 0,
      take: (q) => this.takeChain(q),
      complete: (q, chain, len) => this.complete(q, chain, len),
      violation: (rule, message, q, index, once) => this.report(rule, message, q, index, once),
      minBuffer: () => minRxBuffer(this.headerLayout(), this.negotiated, this.values.mtu),
    };
  }

  private makeTxHost(): TxHost {
    return {
      mem: this.mem,
      stats: this.stats,
      features: () => this.negotiated,
      layout: () => this.headerLayout(),
      negotiatedMtu: () => (this.frameFeatures().mtu ? this.values.mtu : undefined),
      linkUp: () => this.link,
      violation: (rule, message, q, index, once) => this.report(rule, message, q, index, once),
      send: (frame) => this.send(frame),
      // One pair: steering always picks it, so nothing to learn (a flow key per frame cost 5 % of figure 4).
      learn: (frame, pair) => {
        if (this.maxPairs > 1) this.steering.learn(frame, pair);
      },
    };
  }

  private makeCtrlTarget(): CtrlTarget {
    const controlq = () => this.queues.find((q) => q.spec.name === 'controlq');
    return {
      features: () => this.negotiated,
      filter: this.filter,
      maxPairs: this.maxPairs,
      setActivePairs: (n) => this.setActivePairs(n),
      setMac: (mac) => this.setMacFromDriver(mac),
      clearAnnounce: () => {
        this.announcePending = false;
        if (has(this.offered, NET_F.STATUS)) this.config.set('status', this.statusValue());
      },
      setGuestOffloads: (v) => {
        this.guestOffloadsValue = v;
      },
      // A control-queue violation names the command's chain (its head), as transmit and receive rules do.
      violation: (rule, message) => {
        const q = controlq();
        this.violation(rule, message, { ...(q ? { queue: q } : {}), ...(this.ctrlHead !== undefined ? { index: this.ctrlHead } : {}) });
      },
    };
  }

  private setActivePairs(n: number): void {
    const old = this.activePairsValue;
    this.activePairsValue = n;
    // Frames waiting on receive queues that are no longer active move to active ones (§5.1.6.5.6.2).
    for (let p = n; p < old; p++) {
      this.rx.requeue(2 * p, (f) => 2 * this.steering.select(f, n));
    }
    for (let p = 0; p < n; p++) {
      const q = this.queues[2 * p];
      if (q && this.rx.waiting(q.index)) this.rx.deliver(q);
    }
  }

  /** MAC_ADDR_SET: the filter's MAC, and the config field when VIRTIO_NET_F_MAC was negotiated (§5.1.6.5.2). */
  private setMacFromDriver(mac: Uint8Array): void {
    this.filter.mac = Uint8Array.from(mac);
    if (!this.hasFeature(NET_F.MAC)) return;
    this.config.setBytes('mac', mac);
    this.config.generation = (this.config.generation + 1) & 0xffff_ffff;
    this.trace.emit({ type: 'config-change', device: this.id, generation: this.config.generation, field: 'mac' });
  }

  // ---------------------------------------------------------------- lifecycle hooks

  /** At FEATURES_OK: the queue layout follows the negotiated features (controlq at 2N, §5.1.2). */
  protected override validateFeatures(features: bigint): string | undefined {
    this.layoutQueues(features);
    return undefined;
  }

  override applyNegotiatedFeatures(features: bigint): void {
    super.applyNegotiatedFeatures(features);
    this.layoutQueues(features);
  }

  private layoutQueues(features: bigint): void {
    applyQueueLayout(this.specs, features, this.maxPairs, this.values.queueSize);
    for (const q of this.queues) if (!q.enabled) q.size = q.spec.maxSize;
  }

  protected override onDriverOk(): void {
    this.filter.reset(this.filter.mac, { ctrlRx: this.hasFeature(NET_F.CTRL_RX), ctrlVlan: this.hasFeature(NET_F.CTRL_VLAN) });
    this.guestOffloadsValue = negotiatedGuestOffloads(this.negotiated);
    this.activePairsValue = 1;
    const n = negotiatedPairs(this.negotiated, this.maxPairs);
    const extras = [this.hasFeature(NET_F.MRG_RXBUF) && 'mergeable rx buffers', this.hasFeature(NET_F.CTRL_VQ) && 'control queue'].filter(Boolean);
    const what = [`mac ${this.mac}`, `header ${this.headerLayout().size} B`, `${n} queue pair${n > 1 ? 's' : ''} (1 active)`, ...extras, `link ${this.link ? 'up' : 'down'}`];
    this.trace.emit({ type: 'note', device: this.id, message: `net ready: ${what.join(', ')}` });
  }

  protected override onReset(): void {
    const offered = offeredQueueSpecs(this.offered, this.maxPairs, this.values.queueSize);
    this.specs.forEach((s, i) => Object.assign(s, offered[i]));
    for (const q of this.queues) q.size = q.spec.maxSize;
    this.rx.clear();
    this.steering.clear();
    this.activePairsValue = 1;
    this.guestOffloadsValue = 0n;
    this.announcePending = false;
    this.layoutCache = undefined;
    // The MAC set with MAC_ADDR_SET does not survive a reset (as QEMU); link state does.
    this.filter.reset(this.values.mac, { ctrlRx: false, ctrlVlan: false });
    this.config.setBytes('mac', this.values.mac);
    this.config.set('status', this.statusValue());
  }

  /** §5.1.4.2: the driver must not write the net config; legacy drivers (no VERSION_1) may write mac. */
  override writeConfig(offset: number, data: Uint8Array): void {
    const inRange = offset >= 0 && offset + data.length <= this.config.size;
    const featuresOk = (this.status & STATUS.FEATURES_OK) !== 0 || this.mode === 'backend';
    if (!inRange || !featuresOk) {
      super.writeConfig(offset, data);
      return;
    }
    const verdict = configWriteVerdict(this.config.fieldsAt(offset, data.length), offset, data.length, has(this.negotiated, F.VERSION_1));
    this.trace.emit({ type: 'config-write', device: this.id, offset, size: data.length, value: Buffer.from(data).toString('hex'), ...verdict.field });
    if (verdict.legacyMac) {
      this.config.bytes.set(data, offset);
      this.filter.mac = this.config.bytes.slice(0, 6);
      return;
    }
    this.violation('net-config-write', verdict.message, { index: offset });
  }
}
