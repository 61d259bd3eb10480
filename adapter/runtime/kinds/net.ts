/**
 * virtio-net in built-in sessions: the device wired to its peer (responder, UDP tunnel or none) with an
 * optional pcap capture, the ping/flood workloads, decoded frames and control commands for conditions and
 * the Chain scope, and host actions (link up/down, inject a frame, start/stop a capture, setVariable on
 * the link status).
 */
import { attachPeer, decodeNetCtrl, decodePacket, NetDevice, netFaults, netHeaderSize, pcapTap, PcapWriter, type PeerLink, type QueueRuntime, readChain, runNetFlood, runNetPing, startNetClient, type VirtioDevice } from '../../../engine';
import { type ValidDevice } from '../../launch/validate';
import { registerChainDecoder } from '../chain-decode';
import { registerHostActions } from '../host-actions';
import { registerBuiltinKind } from './registry';

type NetConfig = Extract<ValidDevice, { type: 'net' }>;

/** Peer links and live captures by device, for the host actions. */
const links = new WeakMap<VirtioDevice, PeerLink>();
const captures = new WeakMap<VirtioDevice, { writer: PcapWriter; restore: () => void }>();

registerBuiltinKind('net', {
  async prepare(raw) {
    const cfg = raw as NetConfig;
    let link: PeerLink | undefined;
    let dev: VirtioDevice | undefined;
    return {
      create: (mem, trace) => (dev = new NetDevice({ id: cfg.id, mem, trace, mac: cfg.mac, queuePairs: cfg.queues, queueSize: cfg.queueSize })),
      async attach(device) {
        link = await attachPeer((device as NetDevice).port, cfg.peer, cfg.pcap ? { pcap: cfg.pcap } : {});
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
});

function queueRole(q: QueueRuntime): 'rx' | 'tx' | 'ctrl' {
  return q.name.startsWith('receiveq') ? 'rx' : q.name.startsWith('transmitq') ? 'tx' : 'ctrl';
}

registerChainDecoder('net', (device, q, chain) => {
  const role = queueRole(q);
  if (role === 'rx') return [];
  const readable = readChain(device.mem, chain, 0, Math.min(chain.readableBytes, 65_600));
  if (role === 'ctrl') return [decodeNetCtrl(readable, undefined, { completed: false })];
  return decodePacket(readable, { headerSize: netHeaderSize(device.negotiated) });
});

function net(device: VirtioDevice): NetDevice {
  if (!(device instanceof NetDevice)) throw new Error(`${device.id} is not a virtio-net device`);
  return device;
}

registerHostActions('net', {
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
});
