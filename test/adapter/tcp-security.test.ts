/**
 * `virtio-debug dap --port N` with hostile clients (issue 12): a token before anything else, no programs
 * or files chosen by a TCP client without --allow-launch, no listening on an address nobody chose.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HARMLESS_ATTRIBUTES, HOST_ATTRIBUTES, hostAccess } from '../../adapter/tcp/host-access';
import { tokenMatches } from '../../adapter/tcp/token';
import { CLI, INITIALIZE, RawDapClient, startDap } from './tcp-client';
import { echoConfig } from './support';

const attachEcho = (token: unknown) => ({ ...echoConfig(), request: 'attach', ...(token !== undefined ? { token } : {}) });

test('a TCP client without the token gets a clear error and the connection is closed', async () => {
  const dap = await startDap();
  try {
    assert.match(dap.token!, /^[A-Za-z0-9_-]{32}$/);
    for (const token of [undefined, 'wrong-token-wrong-token', dap.token!.slice(0, -1), 42]) {
      const c = await RawDapClient.connect(dap.port);
      assert.equal((await c.request('initialize', INITIALIZE)).success, true, 'initialize (static capabilities) is answered');
      const r = await c.request('attach', attachEcho(token));
      assert.equal(r.success, false);
      assert.match(r.message!, token === undefined ? /no "token" in the attach configuration/ : /wrong "token"/);
      await c.closed;
      assert.ok(!c.messages.some((m) => m.event === 'initialized'), 'no session was started');
    }
    // The adapter keeps serving: the right token works after the failures.
    const ok = await RawDapClient.connect(dap.port);
    await ok.request('initialize', INITIALIZE);
    const r = await ok.request('attach', attachEcho(dap.token));
    assert.equal(r.success, true, r.message);
    await ok.waitFor((m) => m.event === 'initialized');
    ok.close();
  } finally {
    await dap.kill();
  }
});

test('no request but initialize is honoured before the token: the client is told and disconnected', async () => {
  const dap = await startDap();
  try {
    for (const command of ['launch', 'threads', 'evaluate', 'virtio/snapshot']) {
      const c = await RawDapClient.connect(dap.port);
      const r = await c.request(command, command === 'launch' ? { ...echoConfig() } : { expression: 'help' });
      assert.equal(r.success, false, command);
      assert.match(r.message!, command === 'launch' ? /no "token"/ : /before attach: this adapter requires its token first/);
      await c.closed;
    }
  } finally {
    await dap.kill();
  }
});

test('an unauthenticated client that streams a huge message is cut off at 1 MiB', async () => {
  const dap = await startDap();
  try {
    const c = await RawDapClient.connect(dap.port);
    c.socket.write('Content-Length: 100000000\r\n\r\n');
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    let closed = false;
    void c.closed.then(() => (closed = true));
    while (!closed && sent < 8 << 20) {
      if (!c.socket.write(chunk)) await new Promise<void>((r) => c.socket.once('drain', () => r()).once('close', () => r()));
      sent += chunk.length;
    }
    await Promise.race([c.closed, new Promise((r) => setTimeout(r, 10_000))]);
    assert.ok(closed, `the connection is still open after ${sent} bytes without a token`);
    c.close();
    // Still serving.
    const ok = await RawDapClient.connect(dap.port);
    assert.equal((await ok.request('initialize', INITIALIZE)).success, true);
    ok.close();
  } finally {
    await dap.kill();
  }
});

test('a TCP client cannot run programs or write files without --allow-launch; the refusal names the flag', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-tcp-'));
  const marker = join(dir, 'ran');
  const fakeQemu = join(dir, 'fake-qemu');
  writeFileSync(fakeQemu, `#!/bin/sh\ntouch ${marker}\n`);
  chmodSync(fakeQemu, 0o755);
  writeFileSync(join(dir, 'kernel'), 'not a kernel');
  const dap = await startDap();
  try {
    const attempts: Record<string, unknown>[] = [
      { devices: [{ type: 'net', id: 'net0' }], driver: 'vhost-user', socketDir: dir, qemu: { binary: fakeQemu, kernel: join(dir, 'kernel') } },
      { devices: [{ type: 'net', id: 'net0', peer: 'responder', pcap: join(dir, 'x.pcap') }] },
      { devices: [{ type: 'echo', id: 'echo0' }], trace: join(dir, 'trace.jsonl') },
      { devices: [{ type: 'blk', id: 'blk0', disk: join(dir, 'new.img'), createDisk: 1 }] },
      { devices: [{ type: 'net', id: 'net0', peer: 'udp:10.0.0.1:9' }] },
    ];
    for (const a of attempts) {
      const c = await RawDapClient.connect(dap.port);
      await c.request('initialize', INITIALIZE);
      const r = await c.request('attach', { type: 'virtio', request: 'attach', token: dap.token, ...a });
      assert.equal(r.success, false, JSON.stringify(a));
      assert.match(r.message!, /attach over TCP refused: .*--allow-launch/);
      c.close();
    }
    const launch = await RawDapClient.connect(dap.port);
    await launch.request('initialize', INITIALIZE);
    const r = await launch.request('launch', { type: 'virtio', request: 'launch', token: dap.token, ...attempts[0] });
    assert.match(r.message!, /launch over TCP refused: "qemu" would start a program.*--allow-launch/);
    launch.close();
    for (const f of ['ran', 'x.pcap', 'trace.jsonl', 'new.img', 'net0.sock']) assert.equal(existsSync(join(dir, f)), false, `${f} must not exist`);
  } finally {
    await dap.kill();
  }
});

test('the Debug Console cannot start a pcap capture over TCP without --allow-launch', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-tcp-'));
  const dap = await startDap();
  try {
    const c = await RawDapClient.connect(dap.port);
    await c.request('initialize', INITIALIZE);
    const attached = await c.request('attach', {
      type: 'virtio',
      request: 'attach',
      token: dap.token,
      devices: [{ type: 'net', id: 'net0', peer: 'responder' }],
      workload: { kind: 'ping', count: 2 },
      stopOnEntry: true,
    });
    assert.equal(attached.success, true, attached.message);
    await c.waitFor((m) => m.event === 'initialized');
    await c.request('configurationDone');
    await c.waitFor((m) => m.event === 'stopped');
    const r = await c.request('evaluate', { expression: `  pcap   start ${join(dir, 'cap.pcap')}`, context: 'repl' });
    assert.equal(r.success, false);
    assert.match(r.message!, /"pcap start" over TCP refused.*--allow-launch/);
    assert.equal(existsSync(join(dir, 'cap.pcap')), false);
    assert.equal((await c.request('evaluate', { expression: 'queues', context: 'repl' })).success, true, 'other console commands work');
    c.close();
  } finally {
    await dap.kill();
  }
});

test('with --allow-launch and --token-file, an authenticated client may write the files it names', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-tcp-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'a-token-from-a-file-0123456789\n');
  const dap = await startDap(['--allow-launch', '--token-file', tokenFile]);
  try {
    assert.equal(dap.token, undefined);
    assert.doesNotMatch(dap.stderr(), /a-token-from-a-file/, 'a supplied token is not printed');
    assert.match(dap.stderr(), /--allow-launch: clients with the token may start programs/);
    const c = await RawDapClient.connect(dap.port);
    await c.request('initialize', INITIALIZE);
    const trace = join(dir, 'trace.jsonl');
    const r = await c.request('attach', { ...echoConfig(), request: 'attach', token: 'a-token-from-a-file-0123456789', trace });
    assert.equal(r.success, true, r.message);
    await c.waitFor((m) => m.event === 'initialized');
    await c.request('configurationDone');
    await c.waitFor((m) => m.event === 'terminated');
    assert.match(readFileSync(trace, 'utf8'), /"type":/);
    c.close();
  } finally {
    await dap.kill();
  }
});

function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('`dap --host` without a value, a short token file or a bad port is refused with exit 2 and one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-tcp-'));
  writeFileSync(join(dir, 'short'), 'abc\n');
  const cases: [string[], RegExp][] = [
    [['dap', '--port', '0', '--host'], /--host needs a value/],
    [['dap', '--host', '--port', '0'], /--host needs a value/],
    [['dap', '--port', '0', '--host='], /--host needs a value/],
    [['dap', '--port', '0', '--token-file', join(dir, 'short')], /token file .*short is too short: use at least 16 characters/],
    [['dap', '--port', '0', '--token-file', join(dir, 'missing')], /cannot read the token file .*missing: ENOENT/],
    [['dap', '--port', 'x'], /--port .*"x"/],
    [['dap', '--allow-launch'], /--allow-launch needs --port N/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
    assert.equal(r.stdout, '');
  }
  const r = await runCli(['dap', '--port', '0'], { VIRTIO_DEBUG_TOKEN: 'short' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /the token in VIRTIO_DEBUG_TOKEN is too short/);
});

test('a non-loopback --host prints a loud warning', async () => {
  const dap = await startDap(['--host', '0.0.0.0']);
  try {
    assert.match(dap.stderr(), /WARNING: listening on 0\.0\.0\.0, not loopback/);
  } finally {
    await dap.kill();
  }
  const local = await startDap();
  try {
    assert.doesNotMatch(local.stderr(), /WARNING/);
  } finally {
    await local.kill();
  }
});

test('tokens are compared whole, of any length and type', () => {
  const t = 'abcdefghijklmnopqrstuvwxyz012345';
  assert.equal(tokenMatches(t, t), true);
  for (const bad of [t.slice(0, -1), t + 'x', '', t.toUpperCase(), undefined, null, 12, [t], { t }]) assert.equal(tokenMatches(bad, t), false, String(bad));
});

test('every launch attribute of package.json is classified as reaching the host or not', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    contributes: { debuggers: { configurationAttributes: { launch: { properties: Record<string, { items?: { properties?: Record<string, unknown> } }> } } }[] };
  };
  const props = pkg.contributes.debuggers[0]!.configurationAttributes.launch.properties;
  const names = [...Object.keys(props), ...Object.keys(props.devices?.items?.properties ?? {}).map((k) => `devices[].${k}`)];
  const known = new Set<string>([...Object.keys(HOST_ATTRIBUTES), ...HARMLESS_ATTRIBUTES]);
  for (const n of names) assert.ok(known.has(n), `${n}: classify it in adapter/tcp/host-access.ts`);
  assert.deepEqual(hostAccess({ devices: [{ type: 'echo', id: 'e' }, { type: 'net', peer: 'none' }], driver: 'builtin', workload: { count: 3 } }), []);
});
