/** `virtio-debug dap --port N`: the adapter as a TCP server on loopback; a client attaches over TCP. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { echoConfig } from './support';

const CLI = join(__dirname, '..', '..', 'bin', 'virtio-debug.js');

test('attach over TCP to `virtio-debug dap --port 0` and stop on a queue notification', async () => {
  const server = spawn(process.execPath, [CLI, 'dap', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, VIRTIO_DEBUG_TOKEN: '' } });
  try {
    const { port, token } = await new Promise<{ port: number; token: string }>((resolve, reject) => {
      let err = '';
      server.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /listening on 127\.0\.0\.1:(\d+)\n.*token (\S+) /.exec(err);
        if (m) resolve({ port: Number(m[1]), token: m[2]! });
      });
      server.on('exit', (code) => reject(new Error(`dap server exited (${code}): ${err}`)));
    });
    const dc = new DebugClient('node', 'unused', 'virtio');
    dc.defaultTimeout = 15_000;
    await dc.start(port);
    const stopped = dc.waitForEvent('stopped');
    const configured = dc.waitForEvent('initialized').then(async () => {
      await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'echo0.*' }] });
      await dc.configurationDoneRequest();
    });
    await Promise.all([dc.attachRequest({ ...echoConfig(), request: 'attach', token } as never), configured]);
    const s = await stopped;
    assert.equal(s.body.reason, 'breakpoint');
    const threads = (await dc.threadsRequest()).body.threads;
    assert.equal(threads[0]!.name, 'echo0.requestq1');
    await dc.stop();
  } finally {
    server.kill();
  }
});

test('`virtio-debug dap --port` with a bad port exits 2 with one clear line', async () => {
  const p = spawn(process.execPath, [CLI, 'dap', '--port', 'x'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => p.on('exit', r));
  assert.equal(code, 2);
  assert.equal(err.trim().split('\n').length, 1, err);
  assert.match(err, /--port .*"x"/);
});
