import { type ViolationSeverity } from '../../protocol/trace';

/** What part of virtio a rule belongs to. */
export type RuleScope = 'split' | 'packed' | 'queue' | 'mmio' | 'status' | 'features' | 'config' | 'driver' | 'blk' | 'net' | 'rng' | 'vhost-user';

/**
 * One rule of the VIRTIO spec (or of a transport) that a driver can break. Rules are data: the same id
 * appears in the trace, in DAP exceptions, in the webviews and in the docs, so ids never change.
 */
export interface SpecRule {
  /** Stable kebab-case id, e.g. "split-desc-zero-length". */
  readonly id: string;
  /** VIRTIO 1.2/1.3 section number, e.g. "2.7.5.2". */
  readonly section: string;
  readonly scope: RuleScope;
  /** 'fatal': the queue stops; 'error': a MUST broken, still served; 'warning': a SHOULD (see ViolationSeverity). */
  readonly severity: ViolationSeverity;
  /** The rule in one line, as the spec states it. */
  readonly rule: string;
  /** Why it matters: what a device (QEMU, Linux vhost, Firecracker...) does when it happens. */
  readonly explanation: string;
  /** How to fix the driver. */
  readonly fix: string;
  /** Cross-reference into ../shared/spec: digest rule (S3, P6) or failure mode (F1..F18). */
  readonly refs?: readonly string[];
}
