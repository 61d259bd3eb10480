/** engine/index.ts is the one entry the other layers use: it loads on its own and exposes each part. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as engine from '../../engine';

test('the front door exposes devices, memory, machine, transports, rules, trace, decoders and tables', () => {
  for (const name of [
    'BlkDevice', 'NetDevice', 'EchoDevice', 'Responder', 'GuestMemory', 'createInProcessMachine', 'VhostUserServer',
    'rule', 'isRuleId', 'Trace', 'JsonlTraceWriter', 'decodePacket', 'decodeBlkRequest', 'featureByName', 'netHeaderSize',
    'deviceSnapshot', 'runBlkWorkload', 'hex',
  ] as const) {
    assert.equal(typeof engine[name], 'function', `${name} is exported`);
  }
  assert.equal(engine.rule('split-desc-zero-length').section, '2.7.5');
  assert.equal(engine.hex(0x800, 4), '0x0800');
});
