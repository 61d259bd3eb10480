/**
 * The raw vhost-user front end the blk benches drive `serve`/the back end with (the unit tests' front end:
 * guest RAM in a sealed memfd mapped here too, eventfds, one split ring of 128), connected and set up as QEMU
 * does for vhost-user-blk: protocol features MQ, REPLY_ACK and CONFIG, VERSION_1, the memory table, the ring.
 */
import { VhostUserRequest as R } from '../engine/transport/vhost-user/messages';
import { encodeU64 } from '../engine/transport/vhost-user/codec';
import { FrontRing, GuestRam, TestFrontEnd, native } from '../test/engine/transport/vhost-user/front-end';
import { PROTOCOL_BIT, VERSION_1, pfBits, qemuInit } from '../test/engine/transport/vhost-user/harness';

export interface RawBlkFrontEnd {
  ram: GuestRam;
  ring: FrontRing;
  fe: TestFrontEnd;
  /** Closes the ring, the connection, the error eventfd and the guest RAM (the back end is the caller's). */
  close(): void;
}

export async function connectRawBlkFrontEnd(socket: string, ramBytes: number): Promise<RawBlkFrontEnd> {
  const n = native();
  const ram = new GuestRam(n, ramBytes, { mapped: true });
  const ring = new FrontRing(n, ram, 0, 'split', 128);
  const err = n.eventfd();
  const fe = TestFrontEnd.connect(n, socket);
  const close = (): void => {
    fe.close();
    ring.close();
    n.close(err);
    ram.close();
  };
  try {
    await qemuInit(fe, { protocol: pfBits('MQ', 'REPLY_ACK', 'CONFIG'), rings: 1, callFds: [ring.call], errFds: [err], blk: true });
    fe.send(R.SET_FEATURES, encodeU64(VERSION_1 | PROTOCOL_BIT));
    const table = ram.memTable();
    await fe.acked(R.SET_MEM_TABLE, table.payload, table.fds);
    ring.setUp(fe, 'qemu');
  } catch (e) {
    close();
    throw e;
  }
  return { ram, ring, fe, close };
}
