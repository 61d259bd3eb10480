// The guest's own virtio_net driver against `virtio-debug serve net` over vhost-user (QEMU 7.2, TCG): the
// interface comes up, `ping -c 5` to an address the built-in responder answers gets 5 replies, and the pcap
// capture shows the frames — with split rings and one queue pair, and with packed rings and two pairs.
// Without qemu-system-x86_64 these tests fail (never skip): the guest suite is part of the product's tests.
import { after, afterEach, describe, test } from 'node:test';
import { pingThrough } from './net-ping';
import { killLeftovers, scratchDir } from './serve-process';

const scratch = scratchDir('vd-vhost-net-');
after(() => scratch.remove());
afterEach(killLeftovers);

describe('Linux guest on vhost-user net (virtio-debug serve net)', () => {
  test('split rings, one queue pair: ping -c 5 gets 5 replies from the responder; the pcap shows them', () =>
    pingThrough({ pairs: 1, packed: false, name: 'split', dir: scratch.dir }));
  test('packed rings, two queue pairs: the same', () => pingThrough({ pairs: 2, packed: true, name: 'packed-mq', dir: scratch.dir }));
});
