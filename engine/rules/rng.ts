import { type SpecRule } from './types';

/** virtio-rng rules (VIRTIO 1.3 §5.4): the request queue carries device-writable buffers only. */
export const RNG_RULES = [
  {
    id: 'rng-buffer-device-readable',
    section: '5.4.6.1',
    scope: 'rng',
    severity: 'error',
    rule: 'The driver MUST NOT place driver-readable buffers into the requestq: every descriptor is device-writable.',
    explanation:
      'An entropy request is an empty buffer for the device to fill; a device-readable descriptor carries nothing the device could use. QEMU and Linux vhost ignore the readable part and fill the writable one; this device does the same (used length = bytes written) and reports the violation.',
    fix: 'Set VIRTQ_DESC_F_WRITE on every descriptor of an entropy request (Linux: sg_init_one + virtqueue_add_inbuf).',
  },
  {
    id: 'rng-buffer-empty',
    section: '5.4.6.2',
    scope: 'rng',
    severity: 'error',
    rule: 'A request offers at least one device-writable byte: the device MUST place one or more random bytes into the buffer.',
    explanation: 'With no writable byte the device cannot answer with entropy; the chain comes back with a used length of 0, which a driver waiting for bytes reads as "no entropy" and may re-queue forever.',
    fix: 'Queue a device-writable buffer of at least one byte (Linux uses a 64-byte buffer).',
  },
] as const satisfies readonly SpecRule[];
