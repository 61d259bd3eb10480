// A front end that breaks one rule on every frame (as DPDK's virtio_user does with num_buffers on transmit):
// `serve net --trace` shows the first occurrences in full, then counts the rest; the count is exact in the
// trace file and on the console when the front end leaves.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { txFaultShape } from '../../engine/driver/workloads/net-faults';
import { VIOLATIONS_IN_FULL } from '../../engine/trace';
import { until } from '../engine/transport/vhost-user/front-end';
import { HostileFront } from './support/front';
import { arpRequest } from './support/scenario';
import { ServeProcess } from './support/serve-process';
import { checkedStop } from './support/suite';

const RULE = 'net-tx-num-buffers-nonzero';
const FRAMES = 1000;

describe('hostile driver: one violation on every frame', () => {
  let p: ServeProcess;
  before(async () => {
    p = await ServeProcess.start('net');
  });
  after(() => checkedStop(p));

  test(`${RULE} ${FRAMES}×: ${VIOLATIONS_IN_FULL} in full, every one counted`, async () => {
    const mark = p.mark();
    const f = await HostileFront.open(p.socket, 'net');
    try {
      const shape = txFaultShape({ rule: RULE }, { frame: arpRequest(), hdr: {}, pair: 0, headerSize: 12, mtu: 1500, pairs: 1, activePairs: 1, has: (s) => f.has(s) });
      const bytes = Buffer.concat([shape.header, shape.frame]);
      for (let i = 0; i < FRAMES; i++) {
        const used = await f.submit(1, f.buffers([{ len: bytes.length, write: false, bytes }]));
        assert.equal(used.len, 0, `transmit ${i} is served (a transmit writes nothing)`);
      }
    } finally {
      f.close();
    }
    // The front end left: the device reset reports what it counted.
    await until(() => p.since(mark).some((e) => e.type === 'reset'), 'the reset after the disconnect', 10_000);
    const lines = p.since(mark).filter((e) => e.rule === RULE);
    const full = lines.filter((e) => e.type === 'violation');
    const summaries = lines.filter((e) => e.type === 'violation-summary') as unknown as { count: number; total: number; queueName: string }[];
    assert.equal(full.length, VIOLATIONS_IN_FULL);
    for (const v of full) {
      assert.equal(v.queueName, 'transmitq1');
      assert.match(v.message ?? '', /num_buffers 1/);
    }
    assert.ok(summaries.length >= 1, 'a summary line');
    assert.equal(summaries.reduce((n, s) => n + s.count, 0), FRAMES - VIOLATIONS_IN_FULL, 'every repeat counted once');
    assert.equal(summaries.at(-1)!.total, FRAMES);
    assert.ok(p.since(mark).findIndex((e) => e.type === 'violation-summary') < p.since(mark).findIndex((e) => e.type === 'reset'), 'the count comes before the reset line');
    await until(() => new RegExp(`violation ${RULE} on transmitq1 ×[\\d,]+ more \\(1,000 since `).test(p.stdout), 'the count on the console', 5000);
  });

  test('the next front end sees the rule in full again', async () => {
    const mark = p.mark();
    const f = await HostileFront.open(p.socket, 'net');
    try {
      const shape = txFaultShape({ rule: RULE }, { frame: arpRequest(), hdr: {}, pair: 0, headerSize: 12, mtu: 1500, pairs: 1, activePairs: 1, has: (s) => f.has(s) });
      const bytes = Buffer.concat([shape.header, shape.frame]);
      await f.submit(1, f.buffers([{ len: bytes.length, write: false, bytes }]));
      await p.violation(RULE, mark);
    } finally {
      f.close();
    }
  });
});
