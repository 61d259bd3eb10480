// Fuzz: launch configurations (adapter/launch/validate.ts). Random and nearly-valid configurations either
// validate or throw a LaunchError that names an attribute and a fix — never another error, never a crash.
// Paths are kept inside a temporary folder (validation creates a missing socketDir).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { LaunchError, validateAttach, validateLaunch } from '../../adapter/launch/validate';
import { fuzz } from './support/fuzz';

const cwd = mkdtempSync(join(tmpdir(), 'vd-fuzz-launch-'));
writeFileSync(join(cwd, 'disk.img'), Buffer.alloc(1 << 20));
after(() => rmSync(cwd, { recursive: true, force: true }));

const junk = fc.oneof(fc.anything({ maxDepth: 2 }), fc.string({ maxLength: 8 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
/** Relative names only: validation may create socketDir. */
const path = fc.oneof(fc.constantFrom('disk.img', 'missing.img', '.virtio', 'sub/dir', ''), fc.stringMatching(/^[a-z]{1,6}$/));
/** Junk that cannot name a folder outside the temporary one (no string with a slash or a tilde). */
const safeJunk = junk.filter((v) => typeof v !== 'string' || !/[/~]/.test(v));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: a }, { weight: 1, arbitrary: safeJunk }, { weight: 1, arbitrary: fc.constant(undefined) });

const blk = fc.record(
  { type: maybe(fc.constant('blk')), id: maybe(fc.constantFrom('blk0', 'blk1', '', 'a b')), disk: maybe(path), readonly: maybe(fc.boolean()), queues: maybe(fc.integer({ min: -2, max: 300 })), queueSize: maybe(fc.integer({ min: -1, max: 70000 })), createDisk: maybe(fc.integer({ min: -1, max: 2 })) },
  { requiredKeys: [] },
);
const net = fc.record(
  { type: maybe(fc.constant('net')), id: maybe(fc.constantFrom('net0', 'net1')), mac: maybe(fc.constantFrom('52:54:00:12:34:56', '52:54:00', 'zz:zz:zz:zz:zz:zz')), peer: maybe(fc.constantFrom('responder', 'none', 'udp:127.0.0.1:9', 'udp:x', 'tcp:1')), pcap: maybe(path) },
  { requiredKeys: [] },
);
const launch = fc.record(
  {
    type: maybe(fc.constant('virtio')),
    request: maybe(fc.constantFrom('launch', 'attach')),
    devices: maybe(fc.array(fc.oneof(blk, net, junk), { maxLength: 3 })),
    driver: maybe(fc.constantFrom('builtin', 'vhost-user', 'qemu')),
    socketDir: maybe(path),
    stopOnEntry: maybe(fc.boolean()),
    breakOnViolation: maybe(fc.boolean()),
    workload: maybe(fc.record({ kind: maybe(fc.constantFrom('readwrite', 'ping', 'x')), count: maybe(fc.integer({ min: -1, max: 1e6 })), violation: maybe(fc.constantFrom('split-desc-zero-length', 'nope')) }, { requiredKeys: [] })),
    qemu: maybe(fc.record({ kernel: maybe(path), memory: maybe(fc.constantFrom('512M', 'lots')), args: maybe(fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 })) }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);

function judged(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof LaunchError)) throw e;
    assert.ok(e.attribute.length > 0 && e.fix.length > 0, `a LaunchError names the attribute and the fix: ${e.message}`);
  }
}

describe('fuzz: launch configurations', () => {
  test('nearly-valid configurations: valid or a LaunchError', (t) => {
    fuzz(t, 60_000, launch, (cfg) => judged(() => validateLaunch(cfg, cwd)));
  });
  test('anything at all: a LaunchError at worst', (t) => {
    fuzz(t, 40_000, junk, (cfg) => judged(() => validateLaunch(cfg, cwd)));
  });
  test('attach configurations', (t) => {
    fuzz(t, 40_000, fc.oneof(junk, fc.record({ port: maybe(fc.integer({ min: -1, max: 70000 })), host: maybe(fc.constantFrom('127.0.0.1', '::1', '', 'example.org')) }, { requiredKeys: [] })), (cfg) =>
      judged(() => validateAttach(cfg)),
    );
  });
});
