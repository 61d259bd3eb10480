/**
 * SET_STATUS / GET_STATUS (VHOST_USER_PROTOCOL_F_STATUS): the driver's status writes, judged with the same
 * rules as in process (device-core/status.ts) wherever the front end carries them.
 *
 * Two kinds of front end send SET_STATUS, and only one of them mirrors the driver:
 * - a front end in the driver's own process (DPDK virtio_user, SPDK, a Rust vhost-user driver) forwards each
 *   status write of its driver as it happens: ACKNOWLEDGE first, then DRIVER, FEATURES_OK, DRIVER_OK, and reads
 *   the status back with GET_STATUS when its driver does (DPDK: virtio_user_set_status / _get_status);
 * - QEMU reports a summary of its own: after SET_FEATURES it sends GET_STATUS + SET_STATUS FEATURES_OK alone
 *   (0x08), at start GET_STATUS + SET_STATUS |ACKNOWLEDGE|DRIVER|DRIVER_OK, at stop SET_STATUS 0
 *   (vhost_user_add_status / vhost_user_dev_start); the guest's register writes never reach the back end.
 * The first non-zero SET_STATUS tells them apart: it carries ACKNOWLEDGE from a mirroring front end (§3.1.1
 * step 2), not from QEMU. The style is decided once per connection and said in one trace note. Order and
 * read-back rules are judged for mirroring front ends only; rules about the value alone (the driver setting
 * DEVICE_NEEDS_RESET, a write after FAILED) for every front end.
 */
import { STATUS } from '../../device-core/bits';
import { judgeStatusWrite, statusNames } from '../../device-core/status';
import { type RuleId } from '../../rules';
import { decodeU64, encodeU64, hex } from './codec';
import { type Handler, OK, type SessionContext, refuse } from './context';

/** Rules judged for every front end: they depend on the value written, not on the order of the writes. */
const VALUE_RULES: ReadonlySet<RuleId> = new Set<RuleId>(['status-device-bit-written', 'status-after-failed']);

const VERSION_1_BIT = 1n << 32n;

const fmt = (v: number) => `${hex(v)} (${statusNames(v).join('|') || '0'})`;

/** Whether the front end forwards its driver's own status writes (decided at the first non-zero SET_STATUS). */
export function mirrorsDriver(s: SessionContext): boolean {
  return s.statusStyle === 'mirror';
}

function classify(s: SessionContext, value: number): void {
  if (s.statusStyle !== 'unknown' || value === 0) return;
  if (value & STATUS.ACKNOWLEDGE) {
    s.statusStyle = 'mirror';
    s.note(
      `front end mirrors its driver's status writes (its first SET_STATUS, ${fmt(value)}, carries ACKNOWLEDGE: DPDK virtio_user style): status order, FEATURES_OK read-back, feature, config and queue set-up timing are judged as in process`,
    );
  } else {
    s.statusStyle = 'summary';
    s.note(
      `front end reports a status summary of its own, not its driver's writes (its first SET_STATUS, ${fmt(value)}, lacks ACKNOWLEDGE: QEMU style): only the value rules (DEVICE_NEEDS_RESET written, writes after FAILED, queue sizes) are judged`,
    );
  }
}

const setStatus: Handler = (s, m) => {
  const d = decodeU64(m.payload);
  if (!d.ok) return refuse('vhost-user-payload-size', d.error);
  const value = Number(d.value & 0xffn);
  classify(s, value);
  if (value === 0) {
    // A reset by status (QEMU at stop, a mirroring front end when its driver resets): the rings are stopped
    // by GET_VRING_BASE; the next initialisation is judged afresh.
    s.frontendStatus = 0;
    s.featuresOkChecked = false;
    return OK;
  }
  const mirror = mirrorsDriver(s);
  const old = s.frontendStatus | (s.device.status & STATUS.DEVICE_NEEDS_RESET);
  const verdict = judgeStatusWrite(old, value, {
    featuresOkRefused: s.featuresRefused !== undefined,
    featuresOkChecked: !mirror || s.featuresOkChecked,
    modern: s.acked !== undefined && (s.acked & VERSION_1_BIT) !== 0n,
  });
  for (const v of verdict.violations) {
    if (mirror || VALUE_RULES.has(v.rule)) s.violation(v.rule, `SET_STATUS ${fmt(value)}: ${v.message}`);
  }
  let next = verdict.status & ~STATUS.DEVICE_NEEDS_RESET;
  if (next & STATUS.FEATURES_OK && !(old & STATUS.FEATURES_OK)) {
    s.featuresOkChecked = false;
    // The acceptance was judged at SET_FEATURES; refused, the status keeps no FEATURES_OK (as in process).
    if (s.featuresRefused !== undefined) next &= ~STATUS.FEATURES_OK;
  }
  s.frontendStatus = next;
  return OK;
};

/** The front end's status, with DEVICE_NEEDS_RESET from the device and FEATURES_OK cleared when the features were refused. */
const getStatus: Handler = (s) => {
  if (s.frontendStatus & STATUS.FEATURES_OK) s.featuresOkChecked = true;
  const status = s.featuresRefused === undefined ? s.frontendStatus : s.frontendStatus & ~STATUS.FEATURES_OK;
  return { reply: encodeU64(status | (s.device.status & STATUS.DEVICE_NEEDS_RESET)) };
};

export const STATUS_HANDLERS = { SET_STATUS: setStatus, GET_STATUS: getStatus };
