// "Virtio: Show Rings" from the context menus: which queue the command's argument names (the shapes VS Code
// passes, measured in code-server 4.139), and that package.json puts the command on both menus.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { queueOfEvaluateName, ringTarget, threadOfRowId } from '../../extension/panels/ring-target';

describe('Show Rings: the queue of a context menu row', () => {
  test('Call Stack: a thread row passes the thread id', () => {
    assert.deepEqual(ringTarget(3), { threadId: 3 });
    assert.deepEqual(ringTarget({ sessionId: 's', threadId: 7 }), { threadId: 7 });
  });

  test('Call Stack: a frame row passes its source reference, and its thread in the row context', () => {
    // What code-server 4.139 passes for a frame of a queue listing: the sourceReference (1007) is not a thread id.
    const frame = { sessionId: 'a1b2', threadId: 'thread:a1b2:4', frameId: 'stackframe:thread:a1b2:4:0:blk0.requestq1 (descriptors)', frameName: 'chain 0: IN sector 0 len 512' };
    assert.deepEqual(ringTarget(1007, 2, frame), { threadId: 4 });
    assert.deepEqual(ringTarget(1007, 2, { ...frame, threadId: 'not a thread id' }), { threadId: 2 }, 'an unknown shape: the focused thread');
    assert.equal(ringTarget(1007, undefined, { ...frame, threadId: undefined }), undefined);
    assert.deepEqual(ringTarget(3, undefined, { sessionId: 'a1b2', threadId: 'thread:a1b2:3' }), { threadId: 3 }, 'a thread row with its context');
  });

  test('the workbench id of a thread', () => {
    assert.equal(threadOfRowId('thread:1f3e-9a:12'), 12);
    for (const x of ['thread:12', 'stackframe:thread:s:1:0:x', 12, undefined, 'thread:s:1.5']) assert.equal(threadOfRowId(x), undefined, String(x));
  });

  test('Variables: a variable with an evaluate name names its queue', () => {
    const arg = { sessionId: 's', container: { name: 'Queue', variablesReference: 12, expensive: false }, variable: { name: 'idx', value: '3', evaluateName: 'net0.receiveq1.used.idx', variablesReference: 0 } };
    assert.deepEqual(ringTarget(arg, 1), { device: 'net0', queue: 'receiveq1' });
    assert.deepEqual(ringTarget({ variable: { evaluateName: 'blk0.requestq1.chain.id' } }), { device: 'blk0', queue: 'requestq1' });
  });

  test('Variables: a row without a queue evaluate name is the focused thread\'s queue', () => {
    const descriptor = { sessionId: 's', container: { name: 'descriptors', variablesReference: 9 }, variable: { name: '[0] #0', value: '0x1000 len 16', variablesReference: 10 } };
    assert.deepEqual(ringTarget(descriptor, 4), { threadId: 4 });
    // A device field (config, features, status, transport) is not a queue: the focused thread decides.
    assert.deepEqual(ringTarget({ variable: { evaluateName: 'blk0.config.capacity' } }, 2), { threadId: 2 });
    assert.equal(ringTarget(descriptor), undefined, 'no focused thread: nothing to reveal');
  });

  test('Command Palette and anything else: no queue', () => {
    for (const arg of [undefined, null, 'blk0.requestq1', 1.5, {}, { threadId: '3' }, { variable: 'x' }]) assert.equal(ringTarget(arg), undefined, JSON.stringify(arg));
  });

  test('evaluate names: queue parts only', () => {
    assert.deepEqual(queueOfEvaluateName('net0.controlq.counters.chains'), { device: 'net0', queue: 'controlq' });
    for (const n of ['blk0.status', 'blk0.features.offered', 'blk0.transport.QueueNum', 'blk0', 'blk0.requestq1', 'blk0.requestq1. x']) assert.equal(queueOfEvaluateName(n), undefined, n);
  });
});

describe('package.json menus', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { contributes: { menus: Record<string, { command: string; when?: string }[]> } };
  test('Show Rings is on the Variables and the Call Stack context menus of virtio sessions', () => {
    for (const menu of ['debug/variables/context', 'debug/callstack/context']) {
      const item = pkg.contributes.menus[menu]?.find((m) => m.command === 'virtio.showRings');
      assert.ok(item, `${menu} has virtio.showRings`);
      assert.match(item.when ?? '', /debugType == 'virtio'/);
    }
  });
});
