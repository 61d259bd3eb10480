// The back end against cloud-hypervisor's message order (SET_OWNER first; per ring NUM, ADDR, BASE, CALL,
// KICK, ENABLE) with virtio-net on packed rings: frames both ways through the reference driver's rings in
// the shared memfd, and GET_VRING_BASE positions with the wrap counter after the rings wrapped.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VhostUserRequest as R } from '../../../../engine/transport/vhost-user/messages';
import { type NetDevice } from '../../../../engine/devices/net';
import { ethernetFrame, ETHERTYPE_EXPERIMENTAL } from '../../../../engine/wire';
import { decodeVringState, encodeU64, encodeVringState } from '../../../../engine/transport/vhost-user/codec';
import { FrontRing, GuestRam, TestFrontEnd, native, until } from './front-end';
import { PROTOCOL_BIT, RING_PACKED, VERSION_1, netDevice, pfBits, serve, type WirePeer } from './harness';

const n = native();
const GUEST_MAC = Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);
const PEER_MAC = Uint8Array.of(0x02, 0, 0, 0, 0, 0x99);
const HDR = 12; // virtio_net_hdr with VERSION_1, without MRG_RXBUF

function frame(i: number, to: Uint8Array, from: Uint8Array): Uint8Array {
  const payload = new Uint8Array(60 + i).fill(i);
  return ethernetFrame(to, from, ETHERTYPE_EXPERIMENTAL, payload);
}

describe('vhost-user: cloud-hypervisor message order (net, packed rings)', () => {
  test('frames both ways; GET_VRING_BASE returns offset and wrap counter', async () => {
    let peer!: WirePeer;
    const s = serve((mem, trace) => {
      const made = netDevice(mem, trace);
      peer = made.peer;
      return made.device;
    });
    const ram = new GuestRam(n);
    const fe = TestFrontEnd.connect(n, s.path);
    const rx = new FrontRing(n, ram, 0, 'packed', 8);
    const tx = new FrontRing(n, ram, 1, 'packed', 8);
    try {
      fe.send(R.SET_OWNER);
      const features = await fe.getU64(R.GET_FEATURES);
      assert.ok(features & PROTOCOL_BIT);
      const protocol = await fe.getU64(R.GET_PROTOCOL_FEATURES);
      fe.send(R.SET_PROTOCOL_FEATURES, encodeU64(protocol & pfBits('MQ', 'REPLY_ACK', 'CONFIGURE_MEM_SLOTS')));
      assert.equal(await fe.getU64(R.GET_QUEUE_NUM), 1n, 'net: GET_QUEUE_NUM counts queue pairs');
      fe.send(R.SET_FEATURES, encodeU64(VERSION_1 | RING_PACKED | PROTOCOL_BIT));
      const table = ram.memTable();
      fe.send(R.SET_MEM_TABLE, table.payload, { fds: table.fds });
      rx.setUp(fe, 'cloud-hypervisor');
      tx.setUp(fe, 'cloud-hypervisor');
      const dev = s.device as NetDevice;
      await until(() => dev.queues[1]!.vq !== undefined, 'the transmit ring to start');

      // Receive: four buffers posted, two frames from the wire.
      const rxBufs = [0, 1, 2, 3].map(() => ram.alloc.alloc(2048, 16));
      const posted = rxBufs.map((addr) => rx.submit([{ addr, len: 2048, write: true }]));
      await until(() => dev.queues[0]!.vq !== undefined && dev.queues[0]!.counters.notifications > 0, 'the receive kick');
      const incoming = [frame(1, GUEST_MAC, PEER_MAC), frame(2, GUEST_MAC, PEER_MAC)];
      for (const f of incoming) peer.transmit(f);
      const got = await Promise.all(posted.slice(0, 2));
      for (let i = 0; i < 2; i++) {
        assert.equal(got[i]!.len, HDR + incoming[i]!.length);
        assert.deepEqual(ram.mem.read(rxBufs[i]! + HDR, incoming[i]!.length), incoming[i]);
      }

      // Transmit: ten single-descriptor frames through an 8-slot ring.
      const sent: Uint8Array[] = [];
      for (let i = 0; i < 10; i++) {
        const f = frame(10 + i, PEER_MAC, GUEST_MAC);
        const addr = ram.alloc.alloc(HDR + f.length, 16);
        ram.mem.fill(addr, HDR, 0);
        ram.mem.write(addr + HDR, f);
        sent.push(f);
        await tx.submitWithin([{ addr, len: HDR + f.length, write: false }]);
      }
      assert.deepEqual(peer.received, sent, 'the wire saw every frame, in order');

      // Stop both rings: transmit used 10 slots of 8 (offset 2, wrap counter flipped to 0);
      // receive used 2 (offset 2, wrap counter still 1).
      const base = async (index: number) => {
        const d = decodeVringState((await fe.call(R.GET_VRING_BASE, encodeVringState({ index, num: 0 }))).payload);
        assert.ok(d.ok);
        return d.value.num;
      };
      assert.equal(await base(1), 2);
      assert.equal(await base(0), 0x8002);
      assert.deepEqual(s.violations(), []);
      assert.deepEqual([...rx.deviceErrors, ...tx.deviceErrors], []);
    } finally {
      fe.close();
      rx.close();
      tx.close();
      await s.server.whenIdle();
      await s.close();
      ram.close();
    }
  });
});
