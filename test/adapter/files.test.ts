/** Files named by a launch configuration (issue 12): a bad trace never kills the adapter; createDisk with vhost-user. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DebugProtocol } from '@vscode/debugprotocol';
import { echoConfig, startClient } from './support';

const INIT = { adapterID: 'virtio', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' as const };

test('a trace path that is a directory is refused clearly and the adapter keeps serving', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-adapter-files-'));
  mkdirSync(join(dir, 'trace'));
  const dc = await startClient();
  try {
    await dc.initializeRequest(INIT);
    await assert.rejects(dc.launchRequest(echoConfig({ trace: join(dir, 'trace') }) as DebugProtocol.LaunchRequestArguments), /trace: .*trace is a directory/);
    assert.deepEqual((await dc.threadsRequest()).body.threads, [], 'the adapter still answers');
  } finally {
    await dc.stop();
  }
});

test('a trace on a full disk is reported once and the session runs to its end', async () => {
  const dc = await startClient();
  try {
    const outputs: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e.body.output));
    const terminated = dc.waitForEvent('terminated', 30_000);
    await dc.initializeRequest(INIT);
    const configured = dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest());
    await Promise.all([dc.launchRequest(echoConfig({ trace: '/dev/full', workload: { count: 200 } }) as DebugProtocol.LaunchRequestArguments), configured]);
    await terminated;
    assert.equal(outputs.filter((o) => o.includes('cannot write the trace file /dev/full (ENOSPC)')).length, 1, outputs.join(''));
    assert.ok(outputs.some((o) => /session finished \(exit code 0\)/.test(o)), outputs.join(''));
  } finally {
    await dc.stop();
  }
});

test('createDisk is honoured with driver vhost-user; the socket is 0600', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-adapter-files-'));
  const disk = join(dir, 'new.img');
  const dc = await startClient();
  try {
    await dc.initializeRequest(INIT);
    await dc.launchRequest({
      type: 'virtio',
      request: 'launch',
      name: 'vhost createDisk',
      driver: 'vhost-user',
      socketDir: join(dir, 'sockets'),
      devices: [{ type: 'blk', id: 'blk0', disk, createDisk: 2 }],
    } as DebugProtocol.LaunchRequestArguments);
    assert.equal(statSync(disk).size, 2 << 20);
    const sock = join(dir, 'sockets', 'blk0.sock');
    assert.ok(existsSync(sock));
    assert.equal((statSync(sock).mode & 0o777).toString(8), '600');
  } finally {
    await dc.stop();
  }
});
