import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkPeerSpec, formatPeerSpec, parsePeerSpec, PeerSpecError } from '../../../../../engine/devices/net/peers';

test('the three kinds of peer parse', () => {
  assert.deepEqual(parsePeerSpec('responder'), { kind: 'responder' });
  assert.deepEqual(parsePeerSpec(' none '), { kind: 'none' });
  assert.deepEqual(parsePeerSpec('udp:127.0.0.1:5555'), { kind: 'udp', host: '127.0.0.1', port: 5555 });
  assert.deepEqual(parsePeerSpec('udp:tunnel-host.example:1'), { kind: 'udp', host: 'tunnel-host.example', port: 1 });
  assert.deepEqual(parsePeerSpec('udp:[::1]:65535'), { kind: 'udp', host: '::1', port: 65535 });
});

test('the local end is optional: port, or address and port', () => {
  assert.deepEqual(parsePeerSpec('udp:127.0.0.1:5555,local=5556'), { kind: 'udp', host: '127.0.0.1', port: 5555, localPort: 5556 });
  assert.deepEqual(parsePeerSpec('udp:10.1.2.3:5555,local=0.0.0.0:5556'), {
    kind: 'udp', host: '10.1.2.3', port: 5555, localAddress: '0.0.0.0', localPort: 5556,
  });
  assert.deepEqual(parsePeerSpec('udp:[fe80::1]:7,local=[::]:0'), { kind: 'udp', host: 'fe80::1', port: 7, localAddress: '::', localPort: 0 });
});

test('bad specs are refused with a message naming the problem', () => {
  const cases: [string, RegExp][] = [
    ['', /bad peer "": expected responder, none or udp:HOST:PORT/],
    ['Responder', /expected responder, none or udp/],
    ['tcp:1.2.3.4:5', /expected responder, none or udp/],
    ['udp:', /remote port "" is not a number/],
    ['udp:1.2.3.4', /remote port "1.2.3.4" is not a number/],
    ['udp:5555', /the remote needs a host/],
    ['udp:1.2.3.4:', /remote port "" is not a number/],
    ['udp:1.2.3.4:65536', /remote port "65536" is not a number from 0 to 65535/],
    ['udp:1.2.3.4:-1', /remote port "-1"/],
    ['udp:1.2.3.4:12ab', /remote port "12ab"/],
    ['udp:1.2.3.4:0', /remote port 0 is not a port one can send to/],
    ['udp:::1:5555', /put an IPv6 remote address in brackets/],
    ['udp:[1.2.3.4]:5555', /\[1\.2\.3\.4\] is not an IPv6 address/],
    ['udp:bad_host!:5555', /"bad_host!" is not a host name or address/],
    ['udp:1.2.3.4:5555,local=', /local port "" is not a number/],
    ['udp:1.2.3.4:5555,local=x:99999', /local port "99999"/],
    ['udp:1.2.3.4:5555,remote=1', /unknown option "remote=1"/],
    ['udp:1.2.3.4:5555,local', /unknown option "local"/],
    ['udp:1.2.3.4:5555,local=1,local=2', /local= given twice/],
  ];
  for (const [spec, message] of cases) {
    assert.throws(() => parsePeerSpec(spec), (e: unknown) => e instanceof PeerSpecError && message.test(e.message), spec);
    assert.match(checkPeerSpec(spec) ?? '', message);
  }
  assert.equal(checkPeerSpec('udp:127.0.0.1:5555'), undefined);
});

test('format and parse round-trip', () => {
  const host = fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain());
  const spec = fc.record(
    { host, port: fc.integer({ min: 1, max: 65535 }), localAddress: fc.oneof(fc.ipV4(), fc.ipV6()), localPort: fc.integer({ min: 0, max: 65535 }) },
    { requiredKeys: ['host', 'port'] },
  ).filter((s) => s.localAddress === undefined || s.localPort !== undefined);
  fc.assert(
    fc.property(spec, (s) => {
      const full = { kind: 'udp' as const, ...s };
      assert.deepEqual(parsePeerSpec(formatPeerSpec(full)), full);
    }),
    { numRuns: 300 },
  );
  assert.equal(formatPeerSpec({ kind: 'udp', host: '::1', port: 5, localPort: 6 }), 'udp:[::1]:5,local=6');
});
