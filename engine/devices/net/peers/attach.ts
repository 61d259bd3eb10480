/**
 * Wires a net device's port to the peer named by `--peer` / launch.json `peer`, with optional pcap
 * capture of every frame in both directions (`--pcap` / `pcap`).
 */
import { connect, connectWithTap, dropFrame, type EthernetPort } from '../ethernet-port';
import { parsePeerSpec, type PeerSpec } from './peer-spec';
import { PcapWriter, pcapTap, type PcapWriterOptions } from './pcap';
import { Responder, type ResponderOptions } from './responder';
import { UdpTunnel } from './udp-tunnel';

/** The peer `none`: a link with nobody at the other end (frames vanish, but a capture still sees them). */
export class NullPeer implements EthernetPort {
  transmit: (frame: Uint8Array) => void = dropFrame;
  framesReceived = 0;
  receive(_frame: Uint8Array): void {
    this.framesReceived++;
  }
  close(): void {}
}

export interface AttachOptions {
  /** Capture file (created or truncated at once; an unwritable path rejects). */
  pcap?: string;
  pcapOptions?: PcapWriterOptions;
  responder?: ResponderOptions;
}

export interface PeerLink {
  spec: PeerSpec;
  peer: Responder | UdpTunnel | NullPeer;
  capture: PcapWriter | undefined;
  /** One line for logs: `responder 02:76:64:00:00:01`, `udp 127.0.0.1:5556 → 127.0.0.1:5555`, `none`. */
  description: string;
  /** Closes the peer and the capture (flushing it). */
  close(): Promise<void>;
}

export async function attachPeer(device: EthernetPort, spec: PeerSpec | string, options: AttachOptions = {}): Promise<PeerLink> {
  const parsed = typeof spec === 'string' ? parsePeerSpec(spec) : spec;
  const capture = options.pcap !== undefined ? PcapWriter.open(options.pcap, options.pcapOptions) : undefined;
  let peer: Responder | UdpTunnel | NullPeer;
  let description: string;
  try {
    if (parsed.kind === 'responder') {
      peer = new Responder(options.responder);
      description = `responder ${peer.mac}`;
    } else if (parsed.kind === 'udp') {
      peer = await UdpTunnel.open({ remoteHost: parsed.host, remotePort: parsed.port, localAddress: parsed.localAddress, localPort: parsed.localPort });
      description = `udp ${peer.describe()}`;
    } else {
      peer = new NullPeer();
      description = 'none';
    }
  } catch (e) {
    capture?.closeSync();
    throw e;
  }
  if (capture) connectWithTap(device, peer, pcapTap(capture));
  else connect(device, peer);
  if (capture) description += ` (capture ${capture.path})`;
  return {
    spec: parsed,
    peer,
    capture,
    description,
    async close() {
      device.transmit = dropFrame;
      peer.transmit = dropFrame;
      await peer.close();
      await capture?.close();
    },
  };
}
