/**
 * Rule violations a split driver ring can commit on purpose (FaultPlan), and when: while adding a chain,
 * while publishing it, or when deciding about / building the notification that follows.
 */
import { type RuleId } from '../../rules';

/** Faults committed while add() builds a chain. */
export const SPLIT_CHAIN_FAULTS = [
  'split-desc-zero-length',
  'split-chain-loop',
  'split-chain-too-long',
  'split-desc-next-out-of-range',
  'split-avail-head-out-of-range',
  'split-write-before-read',
  'split-indirect-not-negotiated',
  'split-indirect-nested',
  'split-indirect-with-next',
  'split-indirect-bad-length',
  'split-in-order-violation',
  'split-desc-out-of-memory',
  'split-avail-flags-invalid',
  'split-published-desc-modified',
  'split-buffer-overlaps-ring',
  'split-head-in-flight',
] as const satisfies readonly RuleId[];

/** Faults committed by publish() (the write of avail.idx). */
export const SPLIT_PUBLISH_FAULTS = ['split-avail-idx-jump', 'split-avail-idx-decrement'] as const satisfies readonly RuleId[];

/** Faults committed by needsNotify() / notificationData(). */
export const SPLIT_NOTIFY_FAULTS = ['split-notify-suppressed', 'split-notify-missing', 'split-notify-data-mismatch'] as const satisfies readonly RuleId[];

/** Faults that only the ring's placement can commit (constructor option `fault`). */
export const SPLIT_PLACEMENT_FAULTS = ['split-ring-misaligned', 'split-ring-unmapped', 'split-used-flags-not-zero', 'split-ring-overlap'] as const satisfies readonly RuleId[];

export type SplitInjectableFault = (typeof SPLIT_CHAIN_FAULTS)[number] | (typeof SPLIT_PUBLISH_FAULTS)[number] | (typeof SPLIT_NOTIFY_FAULTS)[number];

const INJECTABLE = new Set<string>([...SPLIT_CHAIN_FAULTS, ...SPLIT_PUBLISH_FAULTS, ...SPLIT_NOTIFY_FAULTS]);

export function isInjectableSplitFault(rule: RuleId): rule is SplitInjectableFault {
  return INJECTABLE.has(rule);
}

/** Armed faults, each due from an absolute chain number on, committed once. */
export class ArmedFaults {
  private armed: { rule: RuleId; at: number }[] = [];

  get size(): number {
    return this.armed.length;
  }

  arm(rule: RuleId, at: number): void {
    this.armed.push({ rule, at });
  }

  /** Is `rule` armed for chain number `chain` (or an earlier one)? */
  due(rule: RuleId, chain: number): boolean {
    if (this.armed.length === 0) return false;
    return this.armed.some((f) => f.rule === rule && f.at <= chain);
  }

  /** Disarms one due `rule`; true when there was one. */
  take(rule: RuleId, chain: number): boolean {
    if (this.armed.length === 0) return false;
    const i = this.armed.findIndex((f) => f.rule === rule && f.at <= chain);
    if (i < 0) return false;
    this.armed.splice(i, 1);
    return true;
  }
}
