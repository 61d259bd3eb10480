import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type UsedEvent } from '../../../../protocol/trace';
import { F, bit } from '../../../../engine/device-core/bits';
import { startNetClient } from '../../../../engine/driver/workloads/net';
import { DEVICE_MAC, LAYOUTS, frameTo, netRig, settle, until } from './harness';

describe('mergeable receive buffers (MRG_RXBUF, §5.1.6.3–4)', () => {
  for (const layout of LAYOUTS) {
    test(`${layout}: frames spanning 1, 2, 3 and 4 buffers arrive whole with num_buffers set`, async () => {
      const r = await netRig({ layout, client: { rxBufferSize: 400, rxBuffers: 16 } });
      // 400-byte buffers minus the 12-byte header in the first: 388, 788, 1188, 1588 bytes of frame.
      const sizes: [number, number][] = [
        [300, 1],
        [700, 2],
        [1100, 3],
        [1514, 4],
      ];
      for (const [size, buffers] of sizes) {
        const before = r.events.length;
        const f = frameTo(DEVICE_MAC, size, size);
        r.port.inject(f);
        assert.ok(await until(() => r.client.received.some((p) => p.frame.length === size)), `frame of ${size}`);
        const p = r.client.received.find((x) => x.frame.length === size)!;
        assert.equal(p.numBuffers, buffers, `num_buffers for ${size}`);
        assert.deepEqual(p.frame, f);
        const used = r.events.slice(before).filter((e): e is UsedEvent => e.type === 'used' && e.queueName === 'receiveq1');
        assert.equal(used.length, buffers);
        // Every buffer but the last is used completely (§5.1.6.4.2).
        for (const u of used.slice(0, -1)) assert.equal(u.len, 400);
        assert.equal(used.at(-1)!.len, 12 + size - 400 * (buffers - 1));
      }
      assert.deepEqual(r.rules(), []);
      assert.equal(r.dev.stats.rxMerged, 3);
    });
  }

  test('a frame waits, holding the buffers it took, until enough buffers are posted', async () => {
    const r = await netRig({ client: { rxBufferSize: 400, rxBuffers: 2 } });
    const f = frameTo(DEVICE_MAC, 1400, 3);
    r.port.inject(f);
    await settle(5);
    assert.equal(r.client.receivedCount, 0);
    assert.equal(r.dev.queues[0]!.pending.length, 2, 'two buffers are held for the frame');
    r.client.postBuffers(0, 2);
    assert.ok(await until(() => r.client.receivedCount === 1));
    assert.deepEqual(r.client.received[0]!.frame, f);
    assert.equal(r.client.received[0]!.numBuffers, 4);
  });

  test('the RX summary in the trace decodes the frame; continuation buffers say where they continue', async () => {
    const r = await netRig({ client: { rxBufferSize: 400 } });
    r.port.inject(frameTo(DEVICE_MAC, 700));
    assert.ok(await until(() => r.client.receivedCount === 1));
    const sums = r.events.flatMap((e) => (e.type === 'chain' && e.queueName === 'receiveq1' ? [e.summary ?? ''] : []));
    assert.match(sums[0]!, /^← Ethernet 02:00:00:00:00:99 > 52:54:00:12:34:56 type 0x88b5 \(700 B\)/);
    assert.match(sums[1]!, /^← continued: bytes 400\.\. of header \+ 700-byte frame/);
  });
});

describe('single receive buffers (no MRG_RXBUF)', () => {
  for (const layout of LAYOUTS) {
    test(`${layout}: a buffer too small for header + frame is net-rx-buffer-too-small; the frame is dropped, the buffer returned empty`, async () => {
      const r = await netRig({ layout, without: ['MRG_RXBUF'], client: { rxBufferSize: 300, rxBuffers: 4 } });
      r.port.inject(frameTo(DEVICE_MAC, 400));
      r.port.inject(frameTo(DEVICE_MAC, 200, 9));
      assert.ok(await until(() => r.client.receivedCount === 1));
      assert.equal(r.client.received[0]!.frame.length, 200);
      assert.equal(r.client.received[0]!.numBuffers, 1);
      assert.equal(r.client.emptyBuffers, 1);
      assert.equal(r.dev.stats.rxDropped.bufferTooSmall, 1);
      // Named when posted (once per queue, a SHOULD), then the dropped frame.
      const v = r.violations();
      assert.deepEqual(v.map((x) => x.rule), ['net-rx-buffer-too-small', 'net-rx-buffer-too-small']);
      assert.match(v[0]!.message, /300 bytes is smaller than the 65601 bytes a 12-byte header and a full frame need without MRG_RXBUF/);
      assert.match(v[1]!.message, /300 bytes cannot hold the 12-byte header and a 400-byte frame.*at least 65601 bytes/);
    });
  }

  test('the header can be in its own descriptor (any layout)', async () => {
    const r = await netRig({ without: ['MRG_RXBUF'], client: { rxHeaderSeparate: true } });
    const f = frameTo(DEVICE_MAC, 1000);
    r.port.inject(f);
    assert.ok(await until(() => r.client.receivedCount === 1));
    assert.deepEqual(r.client.received[0]!.frame, f);
    assert.deepEqual(r.rules(), []);
  });
});

describe('receive backlog, pause, MTU', () => {
  test('frames wait for buffers in a bounded backlog; the oldest are dropped and counted', async () => {
    const r = await netRig({ device: { rxBacklog: 4 }, client: { rxBuffers: 0 } });
    for (let i = 0; i < 10; i++) r.port.inject(frameTo(DEVICE_MAC, 100, i));
    assert.equal(r.dev.rxWaiting(0), 4);
    assert.equal(r.dev.stats.rxDropped.backlog, 6);
    r.client.postBuffers(0, 8);
    assert.ok(await until(() => r.client.receivedCount === 4));
    assert.deepEqual(
      r.client.received.map((p) => p.frame),
      [6, 7, 8, 9].map((i) => frameTo(DEVICE_MAC, 100, i)),
    );
  });

  test('while the debugger holds the receive queue, frames wait; they arrive when it resumes', async () => {
    const r = await netRig();
    const q = r.dev.queues[0]!;
    r.dev.pauseQueue(q);
    r.port.inject(frameTo(DEVICE_MAC, 100));
    await settle(4);
    assert.equal(r.client.receivedCount, 0);
    assert.equal(r.dev.rxWaiting(0), 1);
    r.dev.resumeQueue(q);
    assert.ok(await until(() => r.client.receivedCount === 1));
  });

  test('with MTU negotiated, frames larger than mtu + link header are not passed to the driver', async () => {
    const r = await netRig({ device: { mtu: 1000 } });
    r.port.inject(frameTo(DEVICE_MAC, 1015));
    r.port.inject(frameTo(DEVICE_MAC, 1014, 2));
    assert.ok(await until(() => r.client.receivedCount === 1));
    assert.equal(r.client.received[0]!.frame.length, 1014);
    assert.equal(r.dev.stats.rxDropped.oversize, 1);
  });

  test('a reset drops waiting frames; after re-initialisation traffic flows again', async () => {
    const r = await netRig({ client: { rxBuffers: 0 } });
    r.port.inject(frameTo(DEVICE_MAC, 100));
    assert.equal(r.dev.rxWaiting(0), 1);
    r.m.driver.reset();
    assert.equal(r.dev.rxWaiting(0), 0);
    assert.equal(r.dev.activePairs, 1);
    r.m.driver.init();
    const again = await startNetClient(r.m.driver, r.m.mem, r.m.alloc, { rxBuffers: 4 });
    const f = frameTo(DEVICE_MAC, 100, 5);
    r.port.inject(f);
    assert.ok(await until(() => again.receivedCount === 1));
    assert.deepEqual(again.received[0]!.frame, f);
  });
});

describe('posted receive chains are judged at the kick (issue 12)', () => {
  const cases = [
    { rule: 'net-rx-buffer-not-writable', o: {} },
    { rule: 'net-rx-buffer-smaller-than-header', o: {} },
    { rule: 'net-rx-buffer-too-small', o: { without: ['MRG_RXBUF' as const] } },
  ];
  for (const layout of LAYOUTS) {
    for (const c of cases) {
      test(`${layout}: ${c.rule} is reported while no frame arrives, and the chain stays available`, async () => {
        const r = await netRig({ layout, ...c.o, faults: [{ rule: c.rule as 'net-rx-buffer-not-writable' }] });
        await settle();
        const v = r.violations().filter((x) => x.rule === c.rule);
        assert.equal(v.length, 1, `${c.rule} reported once: ${r.rules().join(', ')}`);
        assert.equal(v[0]!.queueName, 'receiveq1');
        const rx = r.dev.queues[0]!;
        assert.equal(rx.pendingCount(), 8, 'every posted buffer is still available: judging took none');
        assert.equal(r.events.filter((e) => e.type === 'used').length, 0, 'nothing used');
        // A frame then takes the chains: the judged chain is not reported a second time (a too-small buffer
        // drops the 60-byte frame, and that drop is reported).
        r.port.inject(frameTo(DEVICE_MAC, 60));
        await settle(4);
        assert.equal(r.violations().filter((x) => x.rule === c.rule).length, c.rule === 'net-rx-buffer-too-small' ? 2 : 1);
      });
    }
    test(`${layout}: chains posted at later kicks are judged at their kick, each once, behind chains still waiting`, async () => {
      const rule = 'net-rx-buffer-smaller-than-header';
      // Without EVENT_IDX every post is kicked (with it, a device that took nothing yet asks for no kick).
      const r = await netRig({ layout, client: { rxBuffers: 4 }, wanted: ~bit(F.EVENT_IDX) });
      // A 6-byte buffer cannot hold the 12-byte header MRG_RXBUF puts in every buffer.
      const bad = () => void r.m.driver.submit(0, [{ addr: r.m.alloc.alloc(6, 8), len: 6, write: true }]);
      await settle();
      assert.deepEqual(r.rules(), []);
      r.client.postBuffers(0, 1);
      bad();
      await settle();
      assert.equal(r.violations().filter((x) => x.rule === rule).length, 1, 'the bad chain of the second kick');
      r.client.postBuffers(0, 1);
      bad();
      r.client.postBuffers(0, 1);
      await settle();
      const v = r.violations().filter((x) => x.rule === rule);
      assert.equal(v.length, 2, 'and the one of the third, once each');
      assert.notEqual(v[0]!.index, v[1]!.index);
      assert.equal(r.dev.queues[0]!.pendingCount(), 9, 'judging took none');
      // Frames take every chain: the two judged at their kick are not reported again.
      for (let i = 0; i < 7; i++) r.port.inject(frameTo(DEVICE_MAC, 60, i));
      await settle(6);
      assert.equal(r.client.received.length, 7);
      assert.equal(r.violations().filter((x) => x.rule === rule).length, 2);
    });
  }
});
