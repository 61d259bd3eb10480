// The adapter keeps nothing of what it has sent: 400,000 trace events in `virtio/trace` batches leave the heap as
// it was. With the library's LoggingDebugSession (and no logger set up) every message stayed in the logger's
// pending queue: 82 MB for these batches, without bound over a long session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Event } from '@vscode/debugadapter';
import { TRACE_EVENT } from '../../protocol/dap';
import { VirtioDebugSession } from '../../adapter/session';

test('sent trace batches are not retained by the adapter', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const session = new VirtioDebugSession();
  session.setRunAsServer(true);
  const input = new PassThrough();
  const output = new PassThrough();
  let sent = 0;
  output.on('data', (c: Buffer) => (sent += c.length));
  session.start(input, output);
  const events = Array.from({ length: 2000 }, (_, i) => ({
    type: 'chain', seq: i, time: 1.7e12 + i, device: 'blk0', queue: 0, queueName: 'requestq1', id: i % 128, descriptors: 3, readableBytes: 4112, writableBytes: 1, indirect: false, summary: `OUT sector ${i * 8} len 4096`,
  }));
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 200; i++) session.sendEvent(new Event(TRACE_EVENT, { events }));
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(sent > 200 * 2000 * 100, `the batches were written (${sent} bytes)`);
  assert.ok(grown < 20e6, `the heap grew by ${(grown / 1e6).toFixed(1)} MB after sending ${(sent / 1e6).toFixed(0)} MB`);
  input.end();
});
