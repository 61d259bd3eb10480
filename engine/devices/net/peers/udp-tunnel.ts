/**
 * Ethernet over UDP: every frame is one datagram, nothing added (no virtio_net_hdr, no FCS, no length).
 * That is the wire format of QEMU's `-netdev dgram` (QEMU 7.2+), so a QEMU guest and our device can share
 * a link:
 *
 *   virtio-debug serve net --peer udp:127.0.0.1:5555,local=127.0.0.1:5556 ...
 *   qemu-system-x86_64 ... -netdev dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=5555,
 *                              remote.type=inet,remote.host=127.0.0.1,remote.port=5556
 *
 * Datagrams are accepted only from the remote address and port (QEMU sends from its local port), so a
 * stray sender cannot inject frames; `acceptFromAnyone` lifts that.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { dropFrame, type EthernetPort } from '../ethernet-port';

export interface UdpTunnelOptions {
  /** Where frames are sent: host name or address, and port. */
  remoteHost: string;
  remotePort: number;
  /** Bind address; default 127.0.0.1 (::1) for a loopback remote, otherwise 0.0.0.0 (::). */
  localAddress?: string;
  /** Bind port; default 0 (any free port, see `localPort` after open). */
  localPort?: number;
  /** Accept datagrams from any source, not just the remote. Default false. */
  acceptFromAnyone?: boolean;
}

export interface UdpTunnelStats {
  framesSent: number;
  framesReceived: number;
  /** Frames not sent: the tunnel was closed or the send failed (e.g. ICMP port unreachable, too big). */
  sendErrors: number;
  /** Datagrams from a source other than the remote, dropped. */
  foreignDatagrams: number;
  /** Datagrams too short to be an Ethernet frame (under 14 bytes), dropped. */
  runts: number;
}

const ETH_HEADER_LEN = 14;

export class UdpTunnel implements EthernetPort {
  transmit: (frame: Uint8Array) => void = dropFrame;
  readonly stats: UdpTunnelStats = { framesSent: 0, framesReceived: 0, sendErrors: 0, foreignDatagrams: 0, runts: 0 };
  /** The most recent socket error (send failures are also counted in stats.sendErrors). */
  lastError: Error | undefined;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    /** The remote as resolved at open (an address, not a name). */
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly acceptFromAnyone: boolean,
  ) {
    socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
    socket.on('error', (e) => {
      this.lastError = e;
    });
  }

  /** Resolves the remote, binds the local socket; rejects with a clear message if either fails. */
  static async open(options: UdpTunnelOptions): Promise<UdpTunnel> {
    const { remoteHost, remotePort } = options;
    if (!Number.isInteger(remotePort) || remotePort < 1 || remotePort > 65535) {
      throw new Error(`udp tunnel: remote port ${remotePort} is not a port from 1 to 65535`);
    }
    let remoteAddress: string;
    let family: 4 | 6;
    try {
      const found = await lookup(remoteHost);
      remoteAddress = found.address;
      family = found.family === 6 ? 6 : 4;
    } catch (e) {
      throw new Error(`udp tunnel: cannot resolve remote host ${remoteHost}: ${(e as Error).message}`);
    }
    const localAddress = options.localAddress ?? defaultLocalAddress(remoteAddress, family);
    const localFamily = isIP(localAddress);
    if (localFamily === 0) throw new Error(`udp tunnel: local address ${localAddress} is not an IP address`);
    if (localFamily !== family) {
      throw new Error(`udp tunnel: local address ${localAddress} is IPv${localFamily} but remote ${remoteHost} is IPv${family}`);
    }
    const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ address: localAddress, port: options.localPort ?? 0, exclusive: true }, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      socket.close();
      throw new Error(`udp tunnel: cannot bind ${hostPort(localAddress, options.localPort ?? 0)}: ${(e as Error).message}`);
    }
    return new UdpTunnel(socket, remoteAddress, remotePort, options.acceptFromAnyone ?? false);
  }

  /** The bound local address and port. */
  get localAddress(): string {
    return this.socket.address().address;
  }

  get localPort(): number {
    return this.socket.address().port;
  }

  /** `127.0.0.1:5556 → 127.0.0.1:5555`, for logs. */
  describe(): string {
    return `${hostPort(this.localAddress, this.localPort)} → ${hostPort(this.remoteAddress, this.remotePort)}`;
  }

  /** A frame from our side goes out as one datagram. Never throws. */
  receive(frame: Uint8Array): void {
    if (this.closed) {
      this.stats.sendErrors++;
      return;
    }
    // dgram keeps the buffer until the send completes; the caller may reuse `frame` after we return.
    const copy = Buffer.from(frame);
    try {
      this.socket.send(copy, this.remotePort, this.remoteAddress, (err) => {
        if (err) {
          this.stats.sendErrors++;
          this.lastError = err;
        } else {
          this.stats.framesSent++;
        }
      });
    } catch (e) {
      this.stats.sendErrors++;
      this.lastError = e as Error;
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private onDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    if (!this.acceptFromAnyone && (rinfo.port !== this.remotePort || !sameAddress(rinfo.address, this.remoteAddress))) {
      this.stats.foreignDatagrams++;
      return;
    }
    if (msg.length < ETH_HEADER_LEN) {
      this.stats.runts++;
      return;
    }
    this.stats.framesReceived++;
    this.transmit(new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
  }
}

function defaultLocalAddress(remote: string, family: 4 | 6): string {
  const loopback = family === 4 ? remote.startsWith('127.') : remote === '::1';
  if (family === 4) return loopback ? '127.0.0.1' : '0.0.0.0';
  return loopback ? '::1' : '::';
}

/** Compares addresses, treating an IPv4-mapped IPv6 address as its IPv4 form. */
function sameAddress(a: string, b: string): boolean {
  const strip = (s: string): string => (s.toLowerCase().startsWith('::ffff:') && isIP(s.slice(7)) === 4 ? s.slice(7) : s.toLowerCase());
  return strip(a) === strip(b);
}

function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
