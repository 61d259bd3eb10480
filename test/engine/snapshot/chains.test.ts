// Snapshot additions for the panels: chains with state, ring slots, buffer bytes and decoded payload;
// feature sections and missing dependencies; config gating and sections; violation index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { record } from '../../webviews/record';

test('a held blk chain is in the snapshot with its descriptors, bytes and decoded request', async () => {
  const r = await record({ devices: [{ type: 'blk', id: 'blk0', disk: 'blk0.img', createDisk: 1, queueSize: 16 }], workload: { count: 2, kind: 'read' }, breakpoint: 'blk0.requestq1', chains: 8 });
  const q = r.first.devices[0]!.queues[0]!;
  const held = q.chains?.find((c) => c.state === 'held');
  assert.ok(held, 'the chain the breakpoint held is listed');
  assert.equal(held.summary, 'IN sector 0 len 4096');
  assert.deepEqual(held.ringSlots, held.descriptors.filter((d) => !d.indirect).map((d) => d.index));
  // The request header: type IN (0), reserved, sector 0, as the guest wrote it.
  assert.equal(held.descriptors[0]!.bytes, '00000000000000000000000000000000');
  assert.equal(held.layers?.[0]?.protocol, 'virtio-blk request');
  assert.ok(held.layers[0]!.fields.some((f) => f.label === 'type' && f.value.startsWith('IN')));
  const dev = r.first.devices[0]!;
  assert.equal(dev.features.find((f) => f.name === 'VIRTIO_BLK_F_FLUSH')?.section, '5.2.3');
  assert.deepEqual(dev.config.find((f) => f.name === 'size_max')?.features, ['SIZE_MAX']);
});

test('chains are left out unless asked for', async () => {
  const r = await record({ devices: [{ type: 'blk', id: 'blk0', disk: 'blk0.img', createDisk: 1, queueSize: 16 }], workload: { count: 1, kind: 'read' }, breakpoint: 'blk0.requestq1', chains: 0 });
  assert.equal(r.first.devices[0]!.queues[0]!.chains, undefined);
});
