/**
 * Judging a driver's write to the device status field (§2.1.1, §3.1.1). Pure: returns the violations
 * and the status the device keeps.
 */
import { type RuleId } from '../rules';
import { statusNames as specStatusNames } from '../spec-tables';
import { STATUS } from './bits';

export interface StatusVerdict {
  status: number;
  violations: { rule: RuleId; message: string }[];
}

export interface StatusContext {
  /** The device refused FEATURES_OK earlier in this initialisation. */
  featuresOkRefused: boolean;
  /** The driver read the status back after setting FEATURES_OK. */
  featuresOkChecked: boolean;
  /** VERSION_1 accepted: FEATURES_OK is mandatory before DRIVER_OK. */
  modern: boolean;
}

export function statusNames(v: number): string[] {
  return specStatusNames(v);
}

const fmt = (v: number) => `0x${v.toString(16)} (${statusNames(v).join('|') || '0'})`;

export function judgeStatusWrite(old: number, value: number, ctx: StatusContext): StatusVerdict {
  const violations: StatusVerdict['violations'] = [];
  const add = (rule: RuleId, message: string) => violations.push({ rule, message });
  const added = value & ~old;

  if (old & STATUS.FAILED && value !== old) add('status-after-failed', `status ${fmt(value)} written after FAILED without a reset`);
  const cleared = old & ~value & ~STATUS.DEVICE_NEEDS_RESET;
  if (cleared) add('status-bit-cleared', `status write ${fmt(value)} clears ${statusNames(cleared).join('|')} (was ${fmt(old)})`);
  if (added & STATUS.DEVICE_NEEDS_RESET) add('status-device-bit-written', `the driver set DEVICE_NEEDS_RESET (status ${fmt(value)})`);

  if (added & STATUS.DRIVER && !(value & STATUS.ACKNOWLEDGE)) add('status-order', `DRIVER set without ACKNOWLEDGE (${fmt(value)})`);
  if (added & STATUS.FEATURES_OK && !(value & STATUS.DRIVER)) add('status-order', `FEATURES_OK set without DRIVER (${fmt(value)})`);
  if (added & STATUS.DRIVER_OK) {
    if (!(value & STATUS.DRIVER)) add('status-order', `DRIVER_OK set without DRIVER (${fmt(value)})`);
    else if (ctx.modern && !(value & STATUS.FEATURES_OK)) {
      if (ctx.featuresOkRefused) add('status-features-ok-refused-ignored', `DRIVER_OK set although the device refused FEATURES_OK`);
      else add('status-order', `DRIVER_OK set without FEATURES_OK (${fmt(value)})`);
    } else if (value & STATUS.FEATURES_OK && !ctx.featuresOkChecked) {
      add('status-features-ok-not-checked', `DRIVER_OK set without reading the status back after FEATURES_OK`);
    }
  }
  // The device keeps its own DEVICE_NEEDS_RESET bit; the driver cannot set or clear it.
  const status = (value & ~STATUS.DEVICE_NEEDS_RESET) | (old & STATUS.DEVICE_NEEDS_RESET);
  return { status, violations };
}
