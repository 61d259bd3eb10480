/**
 * virtio-net in the adapter: launch attributes (mac, peer, pcap, queues), the device wired to its peer
 * (responder, UDP tunnel or none) with an optional pcap capture for built-in and vhost-user sessions and
 * `serve net`, the ping/flood workloads, decoded frames and control commands for conditions and the Chain
 * scope, host actions (link up/down, inject a frame, start/stop a capture, setVariable on the link status),
 * and QEMU's virtio-net-pci on a vhost-user netdev.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { attachPeer, decodeNetCtrl, decodePacket, NET_TYPE, NetDevice, netFaults, netHeaderSize, pcapTap, PcapWriter, type PeerLink, type QueueRuntime, readChain, runNetFlood, runNetPing, startNetClient, type VirtioDevice } from '../../../engine';
import { LaunchError, int, str, writableDir } from '../../launch/fields';
import { DEFAULT_SERVE_QUEUES, defineDeviceKind } from './registry';

export interface NetConfig {
  type: 'net';
  id: string;
  mac: string;
  peer: string;
  queues: number;
  queueSize: number;
  pcap?: string;
}

const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;

/** Peer links and live captures by device, for the host actions. */
const links = new WeakMap<VirtioDevice, PeerLink>();
const captures = new WeakMap<VirtioDevice, { writer: PcapWriter; restore: () => void }>();

function queueRole(q: QueueRuntime): 'rx' | 'tx' | 'ctrl' {
  return q.name.startsWith('receiveq') ? 'rx' : q.name.startsWith('transmitq') ? 'tx' : 'ctrl';
}

function net(device: VirtioDevice): NetDevice {
  if (!(device instanceof NetDevice)) throw new Error(`${device.id} is not a virtio-net device`);
  return device;
}

export const NET_KIND = defineDeviceKind<NetConfig>({
  engine: NET_TYPE,
  validate({ raw, at: p, index: i, id, queueSize, cwd }) {
    const mac = str(raw, 'mac', p) ?? `52:54:00:12:34:${(0x56 + i).toString(16).padStart(2, '0')}`;
    if (!MAC_RE.test(mac)) throw new LaunchError(`${p}mac`, `"${mac}" is not a MAC address`, 'write six hex bytes separated by colons, e.g. "52:54:00:12:34:56"');
    if (parseInt(mac.slice(0, 2), 16) & 1) throw new LaunchError(`${p}mac`, `"${mac}" is a multicast address`, 'use a unicast address: the lowest bit of the first byte must be 0 (e.g. 52:...)');
    const peer = str(raw, 'peer', p) ?? 'responder';
    if (!/^(responder|none|udp:[^:]+:\d{1,5})$/.test(peer)) {
      throw new LaunchError(`${p}peer`, `"${peer}" is not a peer`, 'use "responder", "none" or "udp:HOST:PORT"');
    }
    const pcap = str(raw, 'pcap', p);
    const pcapAbs = pcap ? (isAbsolute(pcap) ? pcap : resolve(cwd, pcap)) : undefined;
    if (pcapAbs) writableDir(dirname(pcapAbs), `${p}pcap`);
    return { type: 'net', id, mac: mac.toLowerCase(), peer, queues: int(raw, 'queues', p, 1, 1, 16), queueSize, ...(pcapAbs ? { pcap: pcapAbs } : {}) };
  },
  launchSchema: {
    description: 'virtio-net',
    properties: {
      mac: { type: 'string', description: 'net: MAC address.', pattern: '^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$' },
      peer: {
        type: 'string',
        description: 'net: what is on the other end of the link: "responder" (answers ARP and ping), "udp:HOST:PORT" or "none".',
        default: 'responder',
      },
      pcap: { type: 'string', description: 'net: write every frame to this pcap file (Wireshark reads it).' },
    },
  },
  builtin: {
    async prepare(cfg) {
      let link: PeerLink | undefined;
      let dev: VirtioDevice | undefined;
      return {
        create: (mem, trace) => (dev = NET_TYPE.create({ id: cfg.id, mem, trace, inProcess: true }, { mac: cfg.mac, queuePairs: cfg.queues, queueSize: cfg.queueSize })),
        async attach(device) {
          link = await attachPeer(net(device).port, cfg.peer, cfg.pcap ? { pcap: cfg.pcap } : {});
          links.set(device, link);
        },
        close: async () => {
          const live = dev && captures.get(dev);
          if (live) {
            live.restore();
            captures.delete(dev!);
            await live.writer.close();
          }
          await link?.close();
        },
      };
    },
    async run({ machine, workload, fault }) {
      const faults = netFaults(fault ? [fault] : []);
      const client = await startNetClient(machine.driver, machine.mem, machine.alloc, { faults });
      const kind = workload.kind ?? 'ping';
      if (kind === 'flood') {
        const r = await runNetFlood(client, { count: workload.count });
        return { ok: r.sent === workload.count, summary: `${r.sent} frames (${r.bytes} bytes) transmitted` };
      }
      const r = await runNetPing(client, { count: workload.count, timeoutMs: 0x7fff_ffff });
      return {
        ok: r.replies === r.sent && r.corrupted === 0 && r.sent === workload.count,
        summary: `ping 10.0.2.2: ${r.sent} sent, ${r.replies} replies${r.corrupted ? `, ${r.corrupted} corrupted` : ''}${r.targetMac ? ` (answered by ${r.targetMac})` : ''}`,
      };
    },
  },
  async vhostUser(cfg, mem, trace, log) {
    const device = NET_TYPE.create({ id: cfg.id, mem, trace, inProcess: false }, { mac: cfg.mac, queuePairs: cfg.queues, queueSize: cfg.queueSize });
    const link = await attachPeer(device.port, cfg.peer, cfg.pcap ? { pcap: cfg.pcap } : {});
    links.set(device, link);
    log(`${cfg.id}: peer ${link.description}`);
    return {
      device,
      description: `virtio-net ${device.mac}, ${device.maxPairs} queue pair${device.maxPairs > 1 ? 's' : ''}, peer ${link.description}`,
      onDisconnect: async () => undefined,
      close: () => link.close(),
    };
  },
  serve: {
    flags: { mac: { type: 'string' }, peer: { type: 'string' }, pcap: { type: 'string' }, queues: { type: 'integer', min: 1, max: 128 } },
    usage: `usage: virtio-debug serve net --socket PATH [--mac MAC] [--peer responder|udp:HOST:PORT|none] [--pcap FILE] [--queues N] [--trace FILE] [--strict] [--kick-deadline-ms N]
  virtio-net behind a vhost-user socket (the front end, e.g. QEMU, connects to it)
  --socket PATH     Unix socket to listen on (created 0600)
  --mac MAC         the device's MAC address (default 52:54:00:12:34:56)
  --peer P          responder (ARP and ping, default), udp:HOST:PORT (a tunnel) or none
  --pcap FILE       capture every frame (an existing file must be a pcap capture)
  --queues N        queue pairs offered (1 to 128, default 16; the front end uses what it asks for)
  --trace FILE      write every event as a JSON line (created 0600)
  --strict          stop the queue on every violation, servable ones (severity error) too
  --kick-deadline-ms N  report buffers made available without a due kick after N ms (split/packed-notify-missing;
                    default 1000, 0: off); the device does not serve them, as a real device would not
  Runs until SIGINT, SIGTERM or SIGHUP.`,
    config: (flags) => ({
      type: 'net',
      id: 'net0',
      mac: (flags.mac as string | undefined) ?? '52:54:00:12:34:56',
      peer: (flags.peer as string | undefined) ?? 'responder',
      queues: (flags.queues as number | undefined) ?? DEFAULT_SERVE_QUEUES,
      queueSize: 256,
      ...(flags.pcap !== undefined ? { pcap: flags.pcap as string } : {}),
    }),
  },
  qemuDeviceArgs: (cfg, chardev) => [
    '-netdev',
    `vhost-user,id=n-${cfg.id},chardev=${chardev}${cfg.queues > 1 ? `,queues=${cfg.queues}` : ''}`,
    '-device',
    `virtio-net-pci,netdev=n-${cfg.id},mac=${cfg.mac},vectors=0${cfg.queues > 1 ? ',mq=on' : ''},id=${cfg.id}`,
  ],
  conditionRoots: ['pkt', 'ctrl'],
  decodeChain(device, q, chain) {
    const role = queueRole(q);
    if (role === 'rx') return [];
    const readable = readChain(device.mem, chain, 0, Math.min(chain.readableBytes, 65_600));
    if (role === 'ctrl') return [decodeNetCtrl(readable, undefined, { completed: false })];
    return decodePacket(readable, { headerSize: netHeaderSize(device.negotiated) });
  },
  hostActions: {
    setConfig(device, field, value) {
      if (field !== 'status') throw new Error(`config field ${field} is read-only: the host can change the link status (status)`);
      const v = value.trim().toLowerCase();
      const up = v === 'up' || v === '1' || v === 'true' || v === 'link_up' ? true : v === 'down' || v === '0' || v === 'false' ? false : undefined;
      if (up === undefined) throw new Error('status takes up/down (or 1/0)');
      net(device).setLink(up);
      return up ? '1 (LINK_UP)' : '0 (link down)';
    },
    link(device, up) {
      net(device).setLink(up);
    },
    injectFrame(device, frame) {
      net(device).port.receive(frame);
    },
    pcapStart(device, path) {
      const d = net(device);
      if (captures.has(device)) throw new Error(`${device.id} is already capturing to ${captures.get(device)!.writer.path}`);
      const link = links.get(device);
      if (!link) throw new Error(`${device.id} has no peer to capture`);
      const writer = PcapWriter.open(path);
      const tap = pcapTap(writer);
      const toPeer = d.port.transmit;
      const toDevice = link.peer.transmit;
      d.port.transmit = (f) => {
        tap(f, 'a-to-b');
        toPeer(f);
      };
      link.peer.transmit = (f) => {
        tap(f, 'b-to-a');
        toDevice(f);
      };
      captures.set(device, {
        writer,
        restore: () => {
          d.port.transmit = toPeer;
          link.peer.transmit = toDevice;
        },
      });
    },
    pcapStop(device) {
      const c = captures.get(device);
      if (!c) throw new Error(`${device.id} is not capturing`);
      c.restore();
      captures.delete(device);
      void c.writer.close();
    },
  },
});
