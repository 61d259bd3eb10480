// The guard: every rule of engine/rules has a hostile scenario through vhost-user, or is listed below with the
// reason it has none; every failure mode of ../shared/spec/driver-failure-modes.md likewise. A new rule without
// either fails here. Listed rules must really lack a scenario (a list that only grows would hide progress).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allRules } from '../../engine/rules';
import { BLK_LAID_SCENARIOS, BLK_SCENARIOS } from './blk-scenarios';
import { NET_SCENARIOS } from './net-scenarios';
import { RING_SCENARIOS } from './ring-scenarios';
import { RNG_SCENARIOS } from './rng-scenarios';
import { STATUS_SCENARIOS } from './status-scenarios';
import { VHOST_USER_SCENARIOS } from './vhost-user-scenarios';

const ALL = [...BLK_SCENARIOS, ...BLK_LAID_SCENARIOS, ...NET_SCENARIOS, ...RNG_SCENARIOS, ...RING_SCENARIOS, ...VHOST_USER_SCENARIOS, ...STATUS_SCENARIOS];

const MMIO = 'committed on virtio-mmio registers; vhost-user has no register model (tested in process: test/engine/device-core)';
const DRIVER_SIDE = 'a device fault the reference driver notices; a hostile driver cannot commit it';
const INCOMPLETE =
  'QueueReady written before the size and addresses: over vhost-user a ring goes live only once SET_VRING_NUM, SET_VRING_ADDR and a kick arrived, in any order (QEMU and cloud-hypervisor order them differently; SET_VRING_ENABLE before SET_VRING_ADDR is legal), so an incomplete enable cannot be told from a set-up in progress; tested in process';
const KICK_BEFORE_DRIVER_OK =
  "a mirroring front end starts its rings before it forwards DRIVER_OK (DPDK virtio_user_set_status: virtio_user_start_device, then SET_STATUS), QEMU's status is a summary, and a kick is an eventfd count read later: a kick before SET_STATUS DRIVER_OK is what correct front ends do; tested in process";
const KICK_NO_INDEX =
  'a kick arrives on the eventfd of the ring it belongs to: no notification names a queue index (SET_VRING_KICK for a ring the device lacks is vhost-user-vring-index), and a kick on a disabled ring is held by the vhost-user ring states, not a driver error; tested in process';
const NOTIFICATION_DATA =
  'judges the value a NOTIFICATION_DATA notification carries; over vhost-user a kick is an eventfd count (SET_VRING_KICK) or, with INBAND_NOTIFICATIONS, a VRING_KICK message whose payload is a vring state with num reserved 0: the value the driver wrote to the notify register never reaches the back end, so serve masks NOTIFICATION_DATA (VHOST_USER_MASKED_FEATURES); tested in process (split-rules / packed-rules)';
const QUEUE_RESET =
  "committed by a write of queue_reset (PCI common configuration) or QueueReset (MMIO) without VIRTIO_F_RING_RESET: a transport register QEMU owns over vhost-user, and vhost-user has no per-queue reset request (QEMU stops and restarts the ring with GET_VRING_BASE / SET_VRING_*, indistinguishable from a VM stop), so serve masks RING_RESET; tested in process (test/engine/driver/driver-faults)";
const UNMAPPED = 'vhost-user translates ring addresses at SET_VRING_ADDR first: reported as vhost-user-address-unmapped (scenarios in ring-scenarios.ts)';
const KICK_ASYNC =
  'a vhost-user kick is an eventfd count the back end reads later: a kick the driver rightly decided on an earlier avail_event can arrive after the device moved it, so no back end can tell it from one sent while suppressed (and serve never sets NO_NOTIFY / RING_EVENT_FLAGS_DISABLE); judged where the notification is synchronous, in process';
const NO_WRITE_WATCH =
  "needs write observers on guest memory: over vhost-user the guest writes RAM through QEMU's mapping in another process and the back end reads a published descriptor once, at pop, so a change before that read is invisible and harmless to it; the reuse that does reach it is split-head-in-flight / packed-id-in-flight (ring-scenarios.ts)";

const WITHOUT_SCENARIO: Record<string, string> = {
  'split-ring-unmapped': UNMAPPED,
  'packed-ring-unmapped': UNMAPPED,
  'split-used-len-exceeds-buffer': DRIVER_SIDE,
  'split-used-id-invalid': DRIVER_SIDE,
  'packed-used-len-exceeds-buffer': DRIVER_SIDE,
  'packed-used-id-invalid': DRIVER_SIDE,
  'split-notify-suppressed': KICK_ASYNC,
  'packed-notify-suppressed': KICK_ASYNC,
  'split-published-desc-modified': NO_WRITE_WATCH,
  'packed-published-desc-modified': NO_WRITE_WATCH,
  'split-notify-data-mismatch': NOTIFICATION_DATA,
  'packed-notify-data-mismatch': NOTIFICATION_DATA,
  'queue-reset-not-negotiated': QUEUE_RESET,
  ...Object.fromEntries(['mmio-access-width', 'mmio-register-readonly', 'mmio-register-writeonly', 'mmio-unknown-register', 'mmio-legacy-register', 'mmio-interrupt-not-acked'].map((r) => [r, MMIO])),
  'queue-enabled-incomplete': INCOMPLETE,
  'notify-before-driver-ok': KICK_BEFORE_DRIVER_OK,
  'notify-invalid-queue': KICK_NO_INDEX,
};

/** Failure modes (driver-failure-modes.md, F1..F18) no scenario commits, and why. */
const MODES_WITHOUT_SCENARIO: Record<number, string> = {
  11: 'missing barriers: split/packed-published-desc-modified need write observers, which a vhost-user back end cannot have (see NO_WRITE_WATCH)',
  14: 'ISR / InterruptACK is virtio-mmio; over vhost-user the call eventfd has no acknowledge',
  16: 'a wrong used.len is a device fault the driver sees (split/packed-used-len-exceeds-buffer)',
};

describe('hostile suite: the catalogue guard', () => {
  test('at least 100 scenarios, each with a unique name per rule', () => {
    assert.ok(ALL.length >= 100, `${ALL.length} scenarios`);
    const keys = ALL.map((s) => `${s.device} ${s.rule}: ${s.name}`);
    assert.equal(new Set(keys).size, keys.length, 'no duplicate scenario');
  });

  test('every rule of engine/rules has a scenario or a reason', () => {
    const covered = new Set(ALL.map((s) => s.rule as string));
    const ids = allRules().map((r) => r.id);
    const missing = ids.filter((id) => !covered.has(id) && !(id in WITHOUT_SCENARIO));
    assert.deepEqual(missing, [], 'rules with neither a hostile scenario nor a listed reason');
    const stale = Object.keys(WITHOUT_SCENARIO).filter((id) => covered.has(id) || !ids.includes(id));
    assert.deepEqual(stale, [], 'listed rules that have a scenario now (or no longer exist): take them off the list');
  });

  test('every failure mode F1..F18 has a scenario or a reason', () => {
    const modes = new Set(ALL.flatMap((s) => s.modes ?? []));
    const missing = Array.from({ length: 18 }, (_, i) => i + 1).filter((m) => !modes.has(m) && !(m in MODES_WITHOUT_SCENARIO));
    assert.deepEqual(missing, [], 'failure modes with neither a scenario nor a reason');
    const stale = Object.keys(MODES_WITHOUT_SCENARIO).map(Number).filter((m) => modes.has(m));
    assert.deepEqual(stale, []);
  });
});
