// The extension's pure parts without VS Code: the F5 default configuration, the status bar text and the
// "Virtio Trace" lines (the code-server test covers the wiring).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type SessionSnapshot } from '../../protocol/snapshot';
import { type TraceEvent } from '../../protocol/trace';
import { DEFAULT_NAME, resolveLaunch } from '../../extension/default-launch';
import { statusText } from '../../extension/status-text';
import { TraceLines } from '../../extension/trace-lines';
import { validateLaunch } from '../../adapter/launch/validate';

describe('F5 without launch.json', () => {
  test('an empty configuration becomes the built-in blk + net session with the disk in the storage folder', () => {
    const c = resolveLaunch({}, '/storage/ws1')!;
    assert.equal(c.name, DEFAULT_NAME);
    assert.equal(c.type, 'virtio');
    assert.deepEqual(
      (c.devices as { type: string; disk?: string }[]).map((d) => [d.type, d.disk]),
      [
        ['blk', '/storage/ws1/blk0.img'],
        ['net', undefined],
      ],
    );
    // The adapter accepts it as is.
    const v = validateLaunch(c, '/tmp');
    assert.equal(v.devices.length, 2);
  });

  test('a virtio launch without devices gets the default devices; other types are not touched', () => {
    const c = resolveLaunch({ type: 'virtio', request: 'launch', name: 'mine', stopOnEntry: false }, '/s')!;
    assert.equal(c.name, 'mine');
    assert.equal(c.stopOnEntry, false);
    assert.equal((c.devices as unknown[]).length, 2);
    assert.equal(resolveLaunch({ type: 'node', request: 'launch', name: 'x' }, '/s'), undefined);
    const attach = { type: 'virtio', request: 'attach', name: 'a', port: 4711 };
    assert.deepEqual(resolveLaunch(attach, '/s'), attach);
  });
});

describe('status bar', () => {
  const snap = (violations: number): SessionSnapshot => ({
    version: 1,
    running: false,
    stop: { reason: 'exception', thread: 'blk0.requestq1' },
    devices: [
      { id: 'blk0', type: 'blk', statusNames: ['ACKNOWLEDGE', 'DRIVER', 'FEATURES_OK', 'DRIVER_OK'] },
      { id: 'net0', type: 'net', statusNames: [] },
    ] as unknown as SessionSnapshot['devices'],
    violations: Array.from({ length: violations }, (_, i) => ({ rule: 'split-desc-zero-length', section: '2.7.5', device: 'blk0', queue: 'requestq1', message: `m${i}`, time: i })),
  });

  test('names the devices and counts the violations; the last one is in the tooltip', () => {
    const s = statusText(snap(2));
    assert.equal(s.text, '$(circuit-board) blk0 · net0  $(warning) 2');
    assert.equal(s.warning, true);
    assert.match(s.tooltip, /stopped \(exception\): blk0 \(virtio-blk, ACKNOWLEDGE\|DRIVER\|FEATURES_OK\|DRIVER_OK\), net0 \(virtio-net, reset\)/);
    assert.match(s.tooltip, /2 spec violations; last: split-desc-zero-length \(§2\.7\.5\) blk0\.requestq1/);
  });

  test('no violation: no warning', () => {
    const s = statusText(snap(0));
    assert.equal(s.text, '$(circuit-board) blk0 · net0  $(pass) 0');
    assert.equal(s.warning, false);
  });
});

describe('Virtio Trace lines', () => {
  test('events are formatted like the CLI trace, relative to the session\'s first event, framed per session', () => {
    const t = new TraceLines();
    assert.match(t.started('s1', 'Virtio: built-in blk + net', new Date(0))[0]!, /^── Virtio: built-in blk \+ net: session started 1970-01-01T00:00:00\.000Z ──$/);
    const events = [
      { type: 'notify', time: 1000, device: 'blk0', queue: 0, queueName: 'requestq1' },
      { type: 'violation', time: 1002.5, device: 'blk0', queue: 0, queueName: 'requestq1', rule: 'split-desc-zero-length', section: '2.7.5', severity: 'fatal', message: 'descriptor 3 has length 0', index: 3 },
    ] as TraceEvent[];
    const lines = t.events('s1', events);
    assert.match(lines[0]!, /^\+ {4}0\.000 ms {2}blk0\.requestq1 +notify +driver kicked the queue$/);
    assert.match(lines[1]!, /^\+ {4}2\.500 ms {2}VIOLATION split-desc-zero-length {2}§2\.7\.5 {2}fatal: queue stopped {2}blk0\.requestq1 \[index 3\]$/);
    assert.ok(lines.some((l) => /fix: {2}Do not add empty scatter-gather entries/.test(l)));
    assert.match(t.ended('s1', 'S')[0]!, /session ended .*the trace above stays here/);
  });
});
