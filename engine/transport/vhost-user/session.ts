/**
 * One front end's session with a device: takes the framed messages of a connection in order, judges them
 * against the protocol (version, payload size, negotiated protocol features, ownership), runs the request's
 * handler, answers (reply body, REPLY_ACK ack, or the spec's error form) and traces every message.
 *
 * Requests are handled strictly one after another, each to completion (GET_VRING_BASE waits for the requests
 * in flight), while the connection keeps reading. Nothing a front end sends throws out of here: a malformed
 * or unknown request is a violation with a rule id and an error answer, and the stream stays in step.
 */
import { DEFAULT_KICK_DEADLINE_MS } from '../../queue/stall';
import {
  VHOST_USER_F_PROTOCOL_FEATURES,
  VHOST_USER_NEED_REPLY_MASK,
  VHOST_USER_REPLY_MASK,
  VHOST_USER_VERSION,
  VHOST_USER_VERSION_MASK,
  VhostUserBackendRequest,
  VhostUserProtocolFeature as PF,
  type VhostUserProtocolFeatureName,
  type VhostUserRequestInfo,
  type VhostUserRequestName,
} from './messages';
import { F, STATUS, bit } from '../../device-core/bits';
import { type VirtioDevice } from '../../device-core/device';
import { type RuleId } from '../../rules';
import { encodeMessage, encodeU64, hex, protocolFeatureNames, requestInfo, requestName } from './codec';
import { type FramedMessage } from './connection';
import { type Handler, type Outcome, type SessionContext, type StatusStyle } from './context';
import { SETUP_HANDLERS } from './handlers-setup';
import { STATUS_HANDLERS } from './handlers-status';
import { VRING_HANDLERS } from './handlers-vring';
import { MemoryTable } from './memory-table';
import { type NativeFd, errorCode } from './native';
import { flagNotes, summarizeReply, summarizeRequest } from './summary';
import { Vring } from './vring';

const HANDLERS: Partial<Record<VhostUserRequestName, Handler>> = { ...SETUP_HANDLERS, ...STATUS_HANDLERS, ...VRING_HANDLERS };

const pf = (...names: VhostUserProtocolFeatureName[]): bigint => names.reduce((v, n) => v | (1n << BigInt(PF[n])), 0n);

/** Protocol features this back end implements and offers by default. */
export const DEFAULT_PROTOCOL_FEATURES = pf('MQ', 'REPLY_ACK', 'BACKEND_REQ', 'CONFIG', 'RESET_DEVICE', 'CONFIGURE_MEM_SLOTS', 'STATUS');

/**
 * Device features never offered over vhost-user: NOTIFICATION_DATA (a kick eventfd carries no value) and
 * RING_RESET (vhost-user has no per-queue reset request).
 */
export const VHOST_USER_MASKED_FEATURES = bit(F.NOTIFICATION_DATA) | bit(F.RING_RESET);

const PROTOCOL_BIT = 1n << BigInt(VHOST_USER_F_PROTOCOL_FEATURES);
const RUNNING_STATUS = STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK | STATUS.DRIVER_OK;

export interface SessionOptions {
  /** Protocol features to offer (default DEFAULT_PROTOCOL_FEATURES). */
  protocolFeatures?: bigint;
  /** GET_QUEUE_NUM answer. Default: queue pairs for net (as QEMU compares it with queues=), queues otherwise. */
  queueNum?: number;
  /** Buffers made available without a due kick for this long are reported (split/packed-notify-missing);
   *  0 turns the check off. Default DEFAULT_KICK_DEADLINE_MS (1 s). */
  kickDeadlineMs?: number;
}

/** Sends encoded messages to the front end (the connection). */
export interface MessageSink {
  send(data: Uint8Array, fds?: readonly number[]): void;
}

export class VhostUserSession implements SessionContext {
  readonly table: MemoryTable;
  readonly vrings: Vring[];
  readonly offeredProtocolFeatures: bigint;
  readonly queueNum: number;
  readonly kickDeadlineMs: number;
  owner = false;
  protocolFeatures = 0n;
  acked: bigint | undefined;
  featuresRefused: string | undefined;
  frontendStatus = 0;
  statusStyle: StatusStyle = 'unknown';
  featuresOkChecked = false;
  backendFd = -1;
  messages = 0;
  private deviceStarted = false;
  private work: Promise<void> = Promise.resolve();
  private readonly reportedOnce = new Set<string>();
  private closed = false;

  constructor(
    readonly device: VirtioDevice,
    readonly native: NativeFd,
    private readonly sink: MessageSink,
    options: SessionOptions = {},
  ) {
    this.table = new MemoryTable(device.mem, { native, note: (m) => this.note(m) });
    this.vrings = device.queues.map((q) => new Vring(q.index, this));
    this.offeredProtocolFeatures = options.protocolFeatures ?? DEFAULT_PROTOCOL_FEATURES;
    this.queueNum = options.queueNum ?? device.vhostUserQueueNum();
    this.kickDeadlineMs = options.kickDeadlineMs ?? DEFAULT_KICK_DEADLINE_MS;
  }

  // ---------------------------------------------------------------- SessionContext

  offeredFeatures(): bigint {
    return (this.device.offered & ~VHOST_USER_MASKED_FEATURES) | PROTOCOL_BIT;
  }

  hasProtocol(name: VhostUserProtocolFeatureName): boolean {
    return (this.protocolFeatures & (1n << BigInt(PF[name]))) !== 0n;
  }

  anyRingActive(): boolean {
    return this.vrings.some((r) => r.isActive);
  }

  /** PROTOCOL_FEATURES acknowledged: rings start disabled until SET_VRING_ENABLE(1). */
  startsDisabled(): boolean {
    return this.acked !== undefined && (this.acked & PROTOCOL_BIT) !== 0n;
  }

  applyFeatures(features: bigint): void {
    this.device.applyNegotiatedFeatures(features);
  }

  /** Called by a ring before its queue goes live: the first one starts the device. */
  beforeActivate(): void {
    if (this.deviceStarted) return;
    this.deviceStarted = true;
    if (this.acked === undefined) this.note('a ring starts before SET_FEATURES: the device runs with no features negotiated');
    this.setDeviceStatus(RUNNING_STATUS | (this.device.status & STATUS.DEVICE_NEEDS_RESET));
    this.device.startBackend();
  }

  ringStopped(): void {
    if (!this.deviceStarted || this.vrings.some((r) => r.started)) return;
    // Every ring stopped (guest reset, VM stop): nothing is delivered until rings start again.
    this.deviceStarted = false;
    this.setDeviceStatus(0);
  }

  private setDeviceStatus(to: number): void {
    this.device.setFrontendStatus(to);
  }

  async resetDevice(): Promise<void> {
    for (const r of this.vrings) await r.reset();
    this.deviceStarted = false;
    this.acked = undefined;
    this.featuresRefused = undefined;
    this.frontendStatus = 0;
    this.featuresOkChecked = false;
    this.device.reset();
  }

  violation(rule: RuleId, message: string, queue?: number, index?: number): void {
    const q = queue === undefined ? undefined : this.device.queues[queue];
    this.device.violation(rule, message, { ...(q ? { queue: q } : {}), ...(index !== undefined ? { index } : {}) });
  }

  note(message: string): void {
    this.device.trace.emit({ type: 'note', device: this.device.id, message: `vhost-user: ${message}` });
  }

  private once(key: string): boolean {
    if (this.reportedOnce.has(key)) return false;
    this.reportedOnce.add(key);
    return true;
  }

  // ---------------------------------------------------------------- messages

  /** Queues a message; messages are handled one at a time, in order. */
  enqueue(msg: FramedMessage): void {
    this.work = this.work.then(() => this.handle(msg));
  }

  /** Resolves when every queued message has been handled. */
  idle(): Promise<void> {
    return this.work;
  }

  private async handle(msg: FramedMessage): Promise<void> {
    this.messages++;
    const info = requestInfo(msg.request);
    const name = requestName(msg.request);
    const needReply = (msg.flags & VHOST_USER_NEED_REPLY_MASK) !== 0;
    const notes = flagNotes(msg.flags);
    const summary = [summarizeRequest(msg.request, msg.payload), ...notes.map((n) => `[${n}]`)].filter(Boolean).join(' ');
    this.device.trace.emit({
      type: 'transport',
      device: this.device.id,
      transport: 'vhost-user',
      direction: 'in',
      name,
      summary,
      ...(msg.fds.length ? { fds: msg.fds.length } : {}),
    });
    try {
      this.judgeHeader(msg, name, needReply);
      const outcome = await this.execute(msg, info, name);
      if (this.closed) return;
      this.answer(msg, info, name, needReply, outcome);
    } catch (e) {
      // A bug of ours, not the front end's: say so, answer with an error, keep the stream in step.
      this.note(`${name}: internal error: ${e instanceof Error ? e.message : String(e)}`);
      if (!this.closed) this.answer(msg, info, name, needReply, { error: 'internal error' });
    } finally {
      for (const fd of msg.fds.splice(0)) this.closeFd(fd);
    }
  }

  private judgeHeader(msg: FramedMessage, name: string, needReply: boolean): void {
    if ((msg.flags & VHOST_USER_VERSION_MASK) !== VHOST_USER_VERSION || msg.flags & VHOST_USER_REPLY_MASK) {
      if (this.once('version')) this.violation('vhost-user-bad-version', `${name} has header flags ${hex(msg.flags)}: version ${msg.flags & VHOST_USER_VERSION_MASK}${msg.flags & VHOST_USER_REPLY_MASK ? ', reply bit set on a request' : ''}`);
    }
    if (needReply && !this.hasProtocol('REPLY_ACK') && this.once('need-reply')) {
      this.violation('vhost-user-need-reply-without-reply-ack', `${name} sets NEED_REPLY but REPLY_ACK was not negotiated (answered anyway)`);
    }
    if (msg.fdsTruncated) this.note(`${name} came with more fds than a message may carry; the extra ones were closed`);
  }

  private async execute(msg: FramedMessage, info: VhostUserRequestInfo | undefined, name: string): Promise<Outcome> {
    if (!info) return { error: `${name} is not a vhost-user request`, rule: 'vhost-user-unknown-request' };
    if (msg.oversized) {
      return { error: `${name} has a ${msg.size}-byte payload, larger than any request defines; skipped`, rule: 'vhost-user-payload-size' };
    }
    if (!this.owner && !info.beforeOwner && this.once(`owner:${name}`)) {
      this.violation('vhost-user-before-owner', `${name} before SET_OWNER`);
    }
    if (info.protocolFeature && !this.hasProtocol(info.protocolFeature)) {
      const offered = (this.offeredProtocolFeatures & (1n << BigInt(PF[info.protocolFeature]))) !== 0n;
      return {
        error: `${name} needs protocol feature ${info.protocolFeature}, which ${offered ? 'was not negotiated (SET_PROTOCOL_FEATURES)' : 'this back end does not offer'}`,
        rule: 'vhost-user-not-negotiated',
      };
    }
    if (info.payload === 'none' && msg.payload.length !== 0) {
      return { error: `${name} takes no payload, got ${msg.payload.length} bytes`, rule: 'vhost-user-payload-size' };
    }
    const handler = HANDLERS[info.name];
    if (!handler) return { error: `${name} is not supported by this back end`, rule: 'vhost-user-unknown-request' };
    return handler(this, msg);
  }

  /** Replies: the body for requests that have one, an ack with NEED_REPLY, or the error form of either. */
  private answer(msg: FramedMessage, info: VhostUserRequestInfo | undefined, name: string, needReply: boolean, outcome: Outcome): void {
    const failed = 'error' in outcome;
    if (failed) {
      if (outcome.rule) this.violation(outcome.rule, outcome.error, outcome.queue);
      else this.note(`${name}: ${outcome.error}`);
    }
    const hasBody = info !== undefined && info.reply !== 'ack';
    if (hasBody) {
      // The spec's error reply for a request with a body is a zero-size payload.
      const body = !failed && 'reply' in outcome && outcome.reply ? outcome.reply : new Uint8Array(0);
      this.reply(msg.request, name, body, false);
    } else if (needReply) {
      this.reply(msg.request, name, encodeU64(failed ? 1 : 0), true);
    }
  }

  private reply(request: number, name: string, payload: Uint8Array, ack: boolean): void {
    this.sink.send(encodeMessage(request, VHOST_USER_VERSION | VHOST_USER_REPLY_MASK, payload));
    this.device.trace.emit({ type: 'transport', device: this.device.id, transport: 'vhost-user', direction: 'out', name, summary: summarizeReply(request, payload, ack) });
  }

  // ---------------------------------------------------------------- device → front end

  /** The device interrupts the driver: call fd for used buffers; err fds and CONFIG_CHANGE_MSG for config. */
  interrupt(kind: 'used' | 'config', queue?: number): void {
    if (this.closed) return;
    if (kind === 'used') {
      if (queue !== undefined) this.vrings[queue]?.signalCall();
      return;
    }
    if (this.device.status & STATUS.DEVICE_NEEDS_RESET) for (const r of this.vrings) if (r.started) r.signalErr();
    this.sendConfigChange();
  }

  private sendConfigChange(): void {
    if (!this.hasProtocol('BACKEND_REQ') || !this.hasProtocol('CONFIG') || this.backendFd < 0) {
      this.note('config changed, but the front end cannot be told (needs protocol features BACKEND_REQ and CONFIG and SET_BACKEND_REQ_FD)');
      return;
    }
    const request = VhostUserBackendRequest.CONFIG_CHANGE_MSG;
    let sent: number | null = null;
    try {
      sent = this.native.sendMsg(this.backendFd, encodeMessage(request, VHOST_USER_VERSION));
    } catch (e) {
      this.note(`CONFIG_CHANGE_MSG could not be sent (${errorCode(e) ?? String(e)})`);
      return;
    }
    if (sent === null) this.note('CONFIG_CHANGE_MSG dropped: the back-end channel is full');
    this.device.trace.emit({ type: 'transport', device: this.device.id, transport: 'vhost-user', direction: 'out', name: 'CONFIG_CHANGE_MSG', summary: 'config space changed' });
  }

  // ---------------------------------------------------------------- lifecycle

  /** The connection is gone: finish queued work, stop every ring (requests in flight complete), unmap memory. */
  async shutdown(): Promise<void> {
    await this.work;
    this.closed = true;
    for (const r of this.vrings) await r.reset();
    this.deviceStarted = false;
    if (this.backendFd >= 0) this.closeFd(this.backendFd);
    this.backendFd = -1;
  }

  /** Unmaps guest memory (after the device was reset: nothing may touch it any more). */
  releaseMemory(): void {
    this.table.clear();
  }

  private closeFd(fd: number): void {
    try {
      this.native.close(fd);
    } catch {
      // already closed
    }
  }

  inspect(): { name: string; value: string }[] {
    const rows = [
      { name: 'protocol features', value: protocolFeatureNames(this.protocolFeatures).join(' ') || 'none' },
      { name: 'features (SET_FEATURES)', value: this.acked === undefined ? '-' : hex(this.acked) },
      { name: 'memory', value: this.table.summary() },
      { name: 'messages', value: String(this.messages) },
    ];
    for (const r of this.vrings) rows.push({ name: `ring ${r.index} (${this.device.queues[r.index]?.name ?? '?'})`, value: r.describe() });
    return rows;
  }
}
