/**
 * What request handlers see of a vhost-user session, and what they return. Handlers live in their own
 * modules (setup, rings) and depend on this interface only.
 */
import { type VhostUserProtocolFeatureName } from './messages';
import { type VirtioDevice } from '../../device-core/device';
import { type RuleId } from '../../rules';
import { type FramedMessage } from './connection';
import { type MemoryTable } from './memory-table';
import { type NativeFd } from './native';
import { type Vring } from './vring';

export type StatusStyle = 'unknown' | 'mirror' | 'summary';

/** A handler's result: a reply body (requests that have one), or a refusal. */
export type Outcome = { reply?: Uint8Array } | { error: string; rule?: RuleId; queue?: number };

export const OK: Outcome = {};

export function refuse(rule: RuleId, error: string, queue?: number): Outcome {
  return queue === undefined ? { error, rule } : { error, rule, queue };
}

export interface SessionContext {
  readonly device: VirtioDevice;
  readonly native: NativeFd;
  readonly table: MemoryTable;
  readonly vrings: readonly Vring[];
  /** SET_OWNER was received. */
  owner: boolean;
  /** Negotiated protocol features (SET_PROTOCOL_FEATURES ∩ offered). */
  protocolFeatures: bigint;
  readonly offeredProtocolFeatures: bigint;
  /** The last SET_FEATURES value (with bit 30 / LOG_ALL), undefined before the first. */
  acked: bigint | undefined;
  /** Why the last SET_FEATURES would be refused at FEATURES_OK (judged as in process), or undefined. */
  featuresRefused: string | undefined;
  /** The driver's status as the front end reported it (SET_STATUS), as the device keeps it. */
  frontendStatus: number;
  /**
   * Whether the front end mirrors its driver's status writes ('mirror': the first non-zero SET_STATUS carries
   * ACKNOWLEDGE, as DPDK virtio_user sends it) or reports a summary ('summary': QEMU); 'unknown' until then.
   */
  statusStyle: StatusStyle;
  /** A mirroring front end read the status back (GET_STATUS) after setting FEATURES_OK. */
  featuresOkChecked: boolean;
  /** The back-end request channel (SET_BACKEND_REQ_FD), or -1. */
  backendFd: number;
  /** GET_QUEUE_NUM answer. */
  readonly queueNum: number;
  /** Virtio features answered to GET_FEATURES (device features, minus what vhost-user cannot carry, plus bit 30). */
  offeredFeatures(): bigint;
  hasProtocol(name: VhostUserProtocolFeatureName): boolean;
  anyRingActive(): boolean;
  /** SET_FEATURES accepted `features` (virtio bits only). */
  applyFeatures(features: bigint): void;
  /** GET_VRING_BASE stopped a ring. */
  ringStopped(): void;
  /** RESET_DEVICE / RESET_OWNER: every ring back to its initial state, the device reset. */
  resetDevice(): Promise<void>;
  violation(rule: RuleId, message: string, queue?: number, index?: number): void;
  note(message: string): void;
}

export type Handler = (s: SessionContext, m: FramedMessage) => Outcome | Promise<Outcome>;

/** Takes up to `n` fds from the message (the dispatcher closes whatever is left). */
export function takeFds(m: FramedMessage, n = m.fds.length): number[] {
  return m.fds.splice(0, n);
}
