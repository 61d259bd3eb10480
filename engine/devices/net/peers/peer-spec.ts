/**
 * The `--peer` value of `virtio-debug serve net` and the `peer` field of a launch configuration
 * (docs/architecture.md, "Contracts"): `responder`, `none`, or `udp:HOST:PORT` — extended with an optional local end,
 * `udp:HOST:PORT,local=[ADDR:]PORT`, because QEMU's `-netdev dgram` needs a fixed port to send to.
 * IPv6 hosts go in brackets: `udp:[::1]:5555`.
 */
import { isIP } from 'node:net';

export type PeerSpec =
  | { kind: 'responder' }
  | { kind: 'none' }
  | {
      kind: 'udp';
      host: string;
      port: number;
      /** Local bind address; undefined: chosen from the remote host (see UdpTunnel). */
      localAddress?: string;
      /** Local port; undefined: any free port. */
      localPort?: number;
    };

export class PeerSpecError extends Error {
  override name = 'PeerSpecError';
}

const USAGE = 'expected responder, none or udp:HOST:PORT[,local=[ADDR:]PORT]';

/** Parses a peer spec; throws PeerSpecError with a message naming the bad part. */
export function parsePeerSpec(text: string): PeerSpec {
  const spec = text.trim();
  if (spec === 'responder' || spec === 'none') return { kind: spec };
  if (!spec.startsWith('udp:')) throw new PeerSpecError(`bad peer "${text}": ${USAGE}`);
  const [remote = '', ...options] = spec.slice(4).split(',');
  const { host, port } = hostPort(remote, text, 'remote');
  if (host === undefined) throw new PeerSpecError(`bad peer "${text}": the remote needs a host, as in udp:127.0.0.1:${port}`);
  if (port === 0) throw new PeerSpecError(`bad peer "${text}": remote port 0 is not a port one can send to`);
  const out: PeerSpec = { kind: 'udp', host, port };
  for (const option of options) {
    const eq = option.indexOf('=');
    const key = eq < 0 ? option : option.slice(0, eq);
    if (key !== 'local' || eq < 0) throw new PeerSpecError(`bad peer "${text}": unknown option "${option}" (only local=[ADDR:]PORT)`);
    if (out.localPort !== undefined) throw new PeerSpecError(`bad peer "${text}": local= given twice`);
    const local = hostPort(option.slice(eq + 1), text, 'local');
    out.localPort = local.port;
    if (local.host !== undefined) out.localAddress = local.host;
  }
  return out;
}

/** The error message for a bad spec, or undefined when it is valid (for launch.json validation). */
export function checkPeerSpec(text: string): string | undefined {
  try {
    parsePeerSpec(text);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

export function formatPeerSpec(spec: PeerSpec): string {
  if (spec.kind !== 'udp') return spec.kind;
  const h = (host: string): string => (isIP(host) === 6 ? `[${host}]` : host);
  let text = `udp:${h(spec.host)}:${spec.port}`;
  if (spec.localPort !== undefined) text += `,local=${spec.localAddress !== undefined ? `${h(spec.localAddress)}:` : ''}${spec.localPort}`;
  return text;
}

/** `HOST:PORT`, `[V6]:PORT` or (host optional) `PORT`. */
function hostPort(text: string, whole: string, what: string): { host: string | undefined; port: number } {
  let host: string | undefined;
  let portText: string;
  const bracket = /^\[([^\]]*)\]:(.*)$/.exec(text);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2]!;
    if (isIP(host) !== 6) throw new PeerSpecError(`bad peer "${whole}": [${host}] is not an IPv6 address`);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon >= 0) {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
      if (host.includes(':')) throw new PeerSpecError(`bad peer "${whole}": put an IPv6 ${what} address in brackets, as in [::1]:5555`);
      if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) throw new PeerSpecError(`bad peer "${whole}": "${host}" is not a host name or address`);
    } else {
      portText = text;
    }
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new PeerSpecError(`bad peer "${whole}": ${what} port "${portText}" is not a number from 0 to 65535`);
  }
  return { host, port: Number(portText) };
}
