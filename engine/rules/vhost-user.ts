import { type SpecRule } from './types';

/**
 * vhost-user rules: what a front end (QEMU, cloud-hypervisor, DPDK virtio_user, a driver developer's own
 * VMM) can get wrong in the protocol. The vhost-user spec (QEMU docs/interop/vhost-user.rst) has no
 * numbered sections, so `section` uses this stable numbering of its headings:
 *
 *   2        Message Specification (header, payloads)
 *   3.1      Ring states              3.4  Memory access          3.9   Protocol features
 *   3.2      Multiple queue support   3.6  Back-end communication 3.10.N Front-end message type with id N
 *   3.12     VHOST_USER_PROTOCOL_F_REPLY_ACK                                  (e.g. 3.10.11 GET_VRING_BASE)
 *
 * The `rule` text names the heading, so a reader never has to decode the number.
 */
export const VHOST_USER_SECTIONS: Readonly<Record<string, string>> = {
  '2': 'Message Specification',
  '3.1': 'Ring states',
  '3.2': 'Multiple queue support',
  '3.4': 'Memory access',
  '3.6': 'Back-end communication',
  '3.9': 'Protocol features',
  '3.10': 'Front-end message types',
  '3.12': 'VHOST_USER_PROTOCOL_F_REPLY_ACK',
};

export const VHOST_USER_RULES = [
  {
    id: 'vhost-user-bad-version',
    section: '2',
    scope: 'vhost-user',
    severity: 'error',
    rule: 'vhost-user, Message Specification: bits 0–1 of the header flags carry the protocol version, currently 0x1; bit 2 (REPLY) is for the back end\'s replies only.',
    explanation:
      'A header with another version, or a request marked as a reply, comes from a front end that is out of step with the stream (a lost or extra byte upstream) or speaks another protocol. The back end answers as usual and reports it.',
    fix: 'Send flags = 0x1 (| 0x8 for NEED_REPLY) in every request header, and write header and payload in one message.',
    refs: ['F18'],
  },
  {
    id: 'vhost-user-payload-size',
    section: '2',
    scope: 'vhost-user',
    severity: 'error',
    rule: 'vhost-user, Message Specification: the header size is the exact size of the request\'s payload structure (u64 8, vring state 8, vring address 40, memory table 8 + 32 per region, single region 40, config 12 + size).',
    explanation:
      'A payload of the wrong size cannot be decoded: fields would be read from the next message. The back end skips the payload (the stream stays in step), does not execute the request and answers with an error (a zero-size reply, or a non-zero ack with NEED_REPLY).',
    fix: 'Set size to the size of the payload struct actually sent (QEMU: VHOST_USER_HDR_SIZE is not part of it).',
    refs: ['F18'],
  },
  {
    id: 'vhost-user-unknown-request',
    section: '3.10',
    scope: 'vhost-user',
    severity: 'error',
    rule: 'vhost-user, Front-end message types: a front end sends only requests the spec defines and the back end supports (blk and net back ends have no IOTLB, crypto, postcopy, inflight, GPU or shared-object requests).',
    explanation:
      'The back end cannot know what an unknown request expects. It discards the payload and closes any file descriptors that came with it; with NEED_REPLY it answers a non-zero ack, otherwise nothing, so the connection stays usable.',
    fix: 'Check the request id against the spec, and only send feature-specific requests after negotiating the matching feature.',
    refs: ['F18'],
  },
  {
    id: 'vhost-user-not-negotiated',
    section: '3.9',
    scope: 'vhost-user',
    severity: 'error',
    rule: 'vhost-user, Protocol features: a request that belongs to a protocol feature (GET_QUEUE_NUM: MQ, GET/SET_CONFIG: CONFIG, RESET_DEVICE, SET/GET_STATUS: STATUS, ADD/REM_MEM_REG and GET_MAX_MEM_SLOTS: CONFIGURE_MEM_SLOTS, SET_BACKEND_REQ_FD: BACKEND_REQ ...) is sent only after SET_PROTOCOL_FEATURES negotiated it.',
    explanation:
      'Without the feature the back end has not agreed to the request\'s meaning. It refuses it (zero-size reply or non-zero ack); a front end that relies on the answer (e.g. a blk config read) then works with garbage or fails.',
    fix: 'Send GET_PROTOCOL_FEATURES, then SET_PROTOCOL_FEATURES with the bits you use (∩ what the back end offered), before using them.',
    refs: ['F18'],
  },
  {
    id: 'vhost-user-features-not-offered',
    section: '3.10.2',
    scope: 'vhost-user',
    severity: 'error',
    rule: 'vhost-user, SET_PROTOCOL_FEATURES: the front end acknowledges only protocol feature bits the back end offered in GET_PROTOCOL_FEATURES. (Virtio feature bits in SET_FEATURES are the driver\'s acceptance, judged by features-not-offered.)',
    explanation:
      'The back end cannot provide a protocol feature it did not offer; the front end would send requests whose meaning the back end never agreed to. The back end keeps only the offered bits and reports the rest.',
    fix: 'AND the protocol features you ask for with the back end\'s GET_PROTOCOL_FEATURES answer.',
    refs: ['F18'],
  },
  {
    id: 'vhost-user-before-owner',
    section: '3.10.3',
    scope: 'vhost-user',
    severity: 'warning',
    rule: 'vhost-user, SET_OWNER: SET_OWNER starts the session; device set-up (features, memory table, rings, config) comes after it. Only capability queries (GET_FEATURES, GET/SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, GET_MAX_MEM_SLOTS, SET_BACKEND_REQ_FD) may precede it.',
    explanation:
      'Back ends (libvhost-user, DPDK, rust-vmm) use SET_OWNER as the "session start" flag and may discard state set before it. This back end executes the request anyway and reports it.',
    fix: 'Send SET_OWNER right after the protocol feature negotiation, before SET_FEATURES and SET_MEM_TABLE.',
    refs: ['F18'],
  },
  {
    id: 'vhost-user-vring-index',
    section: '3.2',
    scope: 'vhost-user',
    severity: 'error',
    rule: 'vhost-user, Multiple queue support: a ring index in SET_VRING_* / GET_VRING_BASE names a queue the device has (below the GET_QUEUE_NUM answer; for net, 2 × queue pairs).',
    explanation:
      'There is no such ring: the request cannot be executed. QEMU sends indices vq_index + i per vhost device, so a mismatch in the number of queues between QEMU (num-queues=, queues=) and the back end (--queues) shows up here. Refused with an error.',
    fix: 'Ask GET_QUEUE_NUM and configure no more queues than the back end has (QEMU: num-queues= / queues= no larger than the back end\'s --queues).',
    refs: ['F18'],
  },
  {
    id: 'vhost-user-vring-size',
    section: '3.10.8',
    scope: 'vhost-user',
    severity: 'error',
    rule: 'vhost-user, SET_VRING_NUM: the ring size is between 1 and the device\'s maximum queue size (a power of two for split rings, at most 32768).',
    explanation:
      'The back end lays the ring out from this size; a size it cannot serve makes every ring access wrong. The ring is refused and does not start.',
    fix: 'Use the queue size the device reports (QEMU: queue-size= / rx_queue_size= no larger than the back end\'s --queue-size).',
    refs: ['F9', 'F18'],
  },
  {
    id: 'vhost-user-vring-busy',
    section: '3.1',
    scope: 'vhost-user',
    severity: 'error',
    rule: 'vhost-user, Ring states: SET_VRING_NUM and SET_VRING_BASE are sent while the ring is stopped (before its first kick, or after GET_VRING_BASE).',
    explanation:
      'A started ring is being processed from its current position; changing its size or restarting its index under it loses or repeats requests. The request is ignored.',
    fix: 'Stop the ring with GET_VRING_BASE first, then set num/base and kick it again.',
    refs: ['F18'],
  },
  {
    id: 'vhost-user-address-unmapped',
    section: '3.4',
    scope: 'vhost-user',
    severity: 'error',
    rule: 'vhost-user, Memory access: ring addresses (SET_VRING_ADDR) are front-end user addresses inside a region of the memory table, the whole ring included.',
    explanation:
      'The back end translates user addresses to guest memory through SET_MEM_TABLE\'s userspace_addr; an address outside every region cannot be reached (a guest-physical address sent by mistake is the classic cause). The ring cannot start until the addresses and the table agree.',
    fix: 'Send the rings\' addresses as the VMM\'s virtual addresses of guest RAM (QEMU: memory_region_get_ram_ptr), and send SET_MEM_TABLE with regions covering them.',
    refs: ['F18'],
  },
  {
    id: 'vhost-user-mem-table-invalid',
    section: '3.4',
    scope: 'vhost-user',
    severity: 'error',
    rule: 'vhost-user, Memory access: a memory table has 1 to 8 regions (ADD_MEM_REG: up to GET_MAX_MEM_SLOTS), each non-empty, inside its file (mmap_offset + size), not overlapping another in guest or user addresses, with one fd per region.',
    explanation:
      'A region the back end cannot map, or two regions claiming the same addresses, make address translation ambiguous or impossible. The table is refused and the previous one stays in force.',
    fix: 'Send one fd per region in the same order as the regions, with sizes and offsets inside the shared memory file.',
    refs: ['F18'],
  },
  {
    id: 'vhost-user-fd-missing',
    section: '2',
    scope: 'vhost-user',
    severity: 'error',
    rule: 'vhost-user, Communication: SET_MEM_TABLE carries one fd per region, ADD_MEM_REG / SET_BACKEND_REQ_FD / SET_LOG_FD one fd, SET_VRING_KICK/CALL/ERR one fd unless bit 8 (no fd) is set — as SCM_RIGHTS ancillary data of the same message.',
    explanation:
      'Without the fd the back end has nothing to map or signal; extra fds are closed unused. The request is refused.',
    fix: 'Pass the fds in the ancillary data of the sendmsg() that carries the header, or set bit 8 of the u64 for "no fd".',
    refs: ['F18'],
  },
  {
    id: 'vhost-user-get-base-not-started',
    section: '3.10.11',
    scope: 'vhost-user',
    severity: 'warning',
    rule: 'vhost-user, GET_VRING_BASE stops a started ring and returns its state; it is sent for rings that were started.',
    explanation:
      'The ring was never started (no kick fd, or never set up), so there is no processing state: the answer is just the base the front end set. Front ends that read it back as progress misjudge where the device stopped.',
    fix: 'Only stop rings you started (SET_VRING_KICK), or ignore the answer for those.',
    refs: ['F18'],
  },
  {
    id: 'vhost-user-config-range',
    section: '3.10.24',
    scope: 'vhost-user',
    severity: 'error',
    rule: 'vhost-user, GET_CONFIG / SET_CONFIG: offset and size lie within the device\'s config space (at most 256 bytes), size > 0.',
    explanation:
      'A read outside the config space has no contents; the back end answers with a zero-size payload, which the spec defines as the error reply. A write outside it is ignored.',
    fix: 'Read the config space at offset 0 with the device type\'s config size (struct virtio_blk_config / virtio_net_config).',
    refs: ['F18'],
  },
  {
    id: 'vhost-user-need-reply-without-reply-ack',
    section: '3.12',
    scope: 'vhost-user',
    severity: 'warning',
    rule: 'vhost-user, REPLY_ACK: the NEED_REPLY flag (bit 3) is used only once VHOST_USER_PROTOCOL_F_REPLY_ACK was negotiated.',
    explanation:
      'Without REPLY_ACK a back end may not answer; a front end waiting for the ack would hang. This back end answers anyway (as libvhost-user and DPDK do) and reports the mismatch.',
    fix: 'Negotiate REPLY_ACK with SET_PROTOCOL_FEATURES before setting NEED_REPLY.',
    refs: ['F18'],
  },
  {
    id: 'vhost-user-features-while-running',
    section: '3.10.2',
    scope: 'vhost-user',
    severity: 'error',
    rule: 'vhost-user, SET_FEATURES: virtio features change only while every ring is stopped (VHOST_F_LOG_ALL may be toggled at any time).',
    explanation:
      'Feature bits decide the ring format (event idx, packed, indirect) and the device\'s framing (net header size); changing them under a running ring corrupts both. The change is ignored while rings run.',
    fix: 'Stop every ring with GET_VRING_BASE (or RESET_DEVICE) before sending different features.',
    refs: ['F18'],
  },
] as const satisfies readonly SpecRule[];
