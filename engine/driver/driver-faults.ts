/**
 * The driver-level part of fault injection: which transport, status, feature and config rules the
 * reference driver breaks during initialisation, and which plans go to the rings.
 */
import { type RingLayout } from '../../protocol/trace';
import { F, bit } from '../device-core/bits';
import { REG } from '../transport/mmio/registers';
import { type FaultPlan } from './ring-types';

/** Ring rules that concern where the rings are placed: committed when the ring is created. */
const PLACEMENT = new Set(['split-ring-misaligned', 'split-ring-unmapped', 'split-used-flags-not-zero', 'packed-ring-misaligned', 'packed-ring-unmapped']);

interface Bus {
  read(offset: number, width?: 1 | 2 | 4 | 8): number;
  write(offset: number, value: number, width?: 1 | 2 | 4 | 8): void;
}

export class DriverFaults {
  private readonly pending: Map<string, FaultPlan>;

  constructor(plans: FaultPlan[]) {
    this.pending = new Map(plans.map((p) => [p.rule as string, p]));
  }

  has(rule: string): boolean {
    return this.pending.has(rule);
  }

  /** True (once) when the plan asks for this rule; the fault is then committed by the caller. */
  take(rule: string): boolean {
    return this.pending.delete(rule);
  }

  arg(rule: string, fallback: number): number {
    return this.pending.get(rule)?.arg ?? fallback;
  }

  /** Config offset of a driver-writable field (default 8: virtio-echo "mode"; virtio-blk: 32 writeback). */
  get writableConfigOffset(): number {
    return this.arg('config-write-before-features-ok', 8);
  }

  /** Config offset of a field gated by a feature the device does not offer (default 4: virtio-echo "extra"). */
  get gatedConfigOffset(): number {
    return this.arg('config-field-not-offered', 4);
  }

  /** Register-window faults, committed right after the magic/version check. */
  commitRegisterFaults(bus: Bus): void {
    if (this.take('mmio-access-width')) bus.read(REG.Status, 2);
    if (this.take('mmio-register-readonly')) bus.write(REG.MagicValue, 0);
    if (this.take('mmio-register-writeonly')) bus.read(REG.QueueNotify);
    if (this.take('mmio-unknown-register')) bus.read(0x0e0);
    if (this.take('mmio-legacy-register')) bus.write(REG.QueuePFN, 0x1000);
  }

  /** Feature faults applied to the accepted set. */
  adjustFeatures(accepted: bigint, offered: bigint): bigint {
    const unoffered = () => {
      for (let b = 0; b < 24; b++) if (!(offered & bit(b))) return bit(b);
      return bit(63);
    };
    if (this.take('features-not-offered')) accepted |= unoffered();
    if (this.has('status-features-ok-refused-ignored')) accepted |= unoffered();
    if (this.take('features-version1-not-accepted')) accepted &= ~bit(F.VERSION_1);
    // The ring commits these by using an indirect table anyway: the feature must not be negotiated.
    if (this.has('split-indirect-not-negotiated') || this.has('packed-indirect-not-negotiated')) accepted &= ~bit(F.INDIRECT_DESC);
    const dep = this.pending.get('features-dependency');
    if (dep) {
      // arg: the dependent feature bit to accept; its requirement (arg2 = arg >> 8) is dropped.
      const feature = (dep.arg ?? 0) & 0xff;
      const requirement = (dep.arg ?? 0) >> 8;
      accepted = (accepted | bit(feature)) & ~bit(requirement);
      this.pending.delete('features-dependency');
    }
    return accepted;
  }

  /** A queue-size fault for queue 0 (returns the size to program), or undefined. */
  queueSizeFault(index: number, max: number): number | undefined {
    if (index !== 0) return undefined;
    if (this.take('queue-size-zero')) return 0;
    if (this.take('queue-size-not-power-of-2')) return Math.max(3, max - 1);
    if (this.take('queue-size-above-max')) return max * 2;
    return undefined;
  }

  placementFault(layout: RingLayout): FaultPlan | undefined {
    for (const [rule, plan] of this.pending) {
      if (PLACEMENT.has(rule) && rule.startsWith(layout)) return plan;
    }
    return undefined;
  }

  commitQueueFaults(_bus: Bus, _queues: number): void {
    for (const rule of PLACEMENT) this.pending.delete(rule);
  }

  /** Ring-level plans (split-*, packed-*) handed to queue 0's ring after set-up. */
  ringFaults(): FaultPlan[] {
    const out: FaultPlan[] = [];
    for (const [rule, plan] of this.pending) {
      if (rule.startsWith('split-') || rule.startsWith('packed-')) {
        out.push(plan);
        this.pending.delete(rule);
      }
    }
    return out;
  }
}
