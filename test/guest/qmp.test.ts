/**
 * The adapter's QEMU runner against a real QEMU: serial console lines arrive, QMP freezes and resumes the
 * guest (what `freezeGuestOnStop` relies on), and stop() ends QEMU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QemuProcess } from '../../adapter/qemu/qemu-process';
import { qemuCommand } from '../../adapter/qemu/qemu-command';
import { validateLaunch } from '../../adapter/launch/validate';
import { ensureGuest } from './guest';

test('QEMU starts frozen until resume(); QMP stop/cont freeze and resume it; stop() ends QEMU', { timeout: 120_000 }, async () => {
  const guest = await ensureGuest();
  const dir = mkdtempSync(join(tmpdir(), 'vd-qmp-'));
  const launch = validateLaunch(
    {
      type: 'virtio',
      request: 'launch',
      driver: 'vhost-user',
      socketDir: dir,
      devices: [{ type: 'net', id: 'net0' }],
      qemu: { kernel: guest.kernel, initrd: guest.initrd, append: 'console=ttyS0 no_timer_check quiet vdtest=sleep:30', memory: '256M' },
    },
    dir,
  );
  // No back end listens on the net socket: keep only the machine (QMP and console are what is tested here).
  const cmd = qemuCommand({ ...launch, devices: [] });
  const lines: string[] = [];
  const qemu = await QemuProcess.start(cmd, { line: (t) => lines.push(t), exit: () => {} });
  try {
    assert.ok(qemu.qmp, 'QMP connected');
    // -S: nothing runs (not even the firmware) before the session says so.
    assert.equal((await qemu.qmp!.status()).status, 'prelaunch');
    await qemu.resume();
    assert.equal((await qemu.qmp!.status()).running, true);
    await qemu.qmp!.stop();
    const paused = await qemu.qmp!.status();
    assert.equal(paused.running, false);
    assert.equal(paused.status, 'paused');
    await qemu.qmp!.cont();
    assert.equal((await qemu.qmp!.status()).running, true);
    const deadline = Date.now() + 60_000;
    while (!lines.some((l) => l.includes('VDTEST')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(lines.some((l) => l.includes('VDTEST')), `console lines: ${lines.slice(-5).join(' | ')}`);
  } finally {
    await qemu.stop();
  }
  assert.equal(qemu.running, false);
});
