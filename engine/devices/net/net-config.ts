/**
 * The net device's options, the initial values of struct virtio_net_config (§5.1.4), and the queue list
 * for a negotiated feature set (§5.1.2: receiveqN/transmitqN pairs, then controlq at index 2N, where N is
 * max_virtqueue_pairs only if MQ or RSS was negotiated).
 */
import { type QueueSpec } from '../../device-core/queue-runtime';
import { type ConfigFieldLike, type ConfigSpace } from '../../device-core/config-space';
import { netQueueName } from '../../spec-tables';
import { formatMac } from '../../wire/address';
import { type HeaderLayout } from '../../wire/net-header';
import { NET_F, hasBit } from './net-features';

export const NET_S_LINK_UP = 1;
export const NET_S_ANNOUNCE = 2;
export const DEFAULT_MAC = '52:54:00:12:34:56';

export type Duplex = 'full' | 'half' | 'unknown';
/** Linux DUPLEX_* values (the spec text is inconsistent about 0/1; see the spec digest §3.2). */
export const DUPLEX_VALUE: Record<Duplex, number> = { full: 1, half: 0, unknown: 0xff };

export interface NetConfigValues {
  mac: Uint8Array;
  queuePairs: number;
  queueSize: number;
  mtu: number;
  /** Mbit/s; 0xffffffff = unknown. */
  speed: number;
  duplex: Duplex;
  linkUp: boolean;
}

/** Checks option ranges the device must honour (§5.1.4.1); throws on values a device may not offer. */
export function checkNetValues(v: NetConfigValues): void {
  if (v.mac.length !== 6) throw new Error(`mac: a MAC address has 6 bytes, got ${v.mac.length}`);
  if (v.mac[0]! & 1) throw new Error(`mac: ${formatMac(v.mac)} is a multicast address`);
  if (!Number.isInteger(v.queuePairs) || v.queuePairs < 1 || v.queuePairs > 0x8000) throw new Error(`queue pairs must be 1..32768, got ${v.queuePairs}`);
  if (!Number.isInteger(v.mtu) || v.mtu < 68 || v.mtu > 65535) throw new Error(`mtu must be 68..65535, got ${v.mtu}`);
  if (!Number.isInteger(v.queueSize) || v.queueSize < 1 || v.queueSize > 32768) throw new Error(`queue size must be 1..32768, got ${v.queueSize}`);
  if (!Number.isInteger(v.speed) || v.speed < 0 || (v.speed > 0x7fffffff && v.speed !== 0xffffffff)) {
    throw new Error(`speed must be 0..0x7fffffff Mbit/s or 0xffffffff (unknown), got ${v.speed}`);
  }
}

/** Writes the initial config values (no generation bump: the device is just being created or reset). */
export function initNetConfig(config: ConfigSpace, v: NetConfigValues): void {
  config.setBytes('mac', v.mac);
  config.set('status', v.linkUp ? NET_S_LINK_UP : 0);
  config.set('max_virtqueue_pairs', v.queuePairs);
  config.set('mtu', v.mtu);
  config.set('speed', v.speed);
  config.set('duplex', DUPLEX_VALUE[v.duplex]);
}

/** The queues of the device before negotiation: every pair it has, and controlq if CTRL_VQ is offered. */
export function offeredQueueSpecs(offered: bigint, pairs: number, queueSize: number): QueueSpec[] {
  const mqOffered = hasBit(offered, NET_F.MQ) || hasBit(offered, NET_F.RSS);
  const n = mqOffered ? pairs : 1;
  const specs: QueueSpec[] = [];
  for (let i = 0; i < 2 * n; i++) specs.push({ name: netQueueName(i, n), maxSize: queueSize, mode: i % 2 === 0 ? 'on-demand' : 'on-notify' });
  if (hasBit(offered, NET_F.CTRL_VQ)) specs.push({ name: 'controlq', maxSize: queueSize, mode: 'on-notify' });
  return specs;
}

/** Number of queue pairs N for a negotiated feature set (§5.1.2). */
export function negotiatedPairs(features: bigint, maxPairs: number): number {
  return hasBit(features, NET_F.MQ) || hasBit(features, NET_F.RSS) ? maxPairs : 1;
}

/**
 * Rewrites the queue specs in place for the negotiated features: queue 2N becomes controlq when CTRL_VQ was
 * negotiated; queues beyond it do not exist (QueueNumMax 0). `specs` are the objects the QueueRuntimes hold.
 */
export function applyQueueLayout(specs: QueueSpec[], features: bigint, maxPairs: number, queueSize: number): void {
  const n = negotiatedPairs(features, maxPairs);
  const ctrl = hasBit(features, NET_F.CTRL_VQ);
  specs.forEach((s, i) => {
    if (i < 2 * n) {
      s.name = netQueueName(i, n);
      s.mode = i % 2 === 0 ? 'on-demand' : 'on-notify';
      s.maxSize = queueSize;
    } else if (i === 2 * n && ctrl) {
      s.name = 'controlq';
      s.mode = 'on-notify';
      s.maxSize = queueSize;
    } else {
      s.name = `queue${i}`;
      s.mode = 'on-notify';
      s.maxSize = 0;
    }
  });
}

/** Smallest receive buffer that holds the header and a full frame without MRG_RXBUF (§5.1.6.3). */
export function minRxBuffer(layout: HeaderLayout, features: bigint, mtu: number): number {
  const guestGso = [NET_F.GUEST_TSO4, NET_F.GUEST_TSO6, NET_F.GUEST_UFO, NET_F.GUEST_USO4, NET_F.GUEST_USO6].some((b) => hasBit(features, b));
  const frame = guestGso ? 65589 : hasBit(features, NET_F.MTU) ? mtu + 14 : 1514;
  return layout.size + frame;
}

/**
 * Judges a driver write to the net config (§5.1.4.2: the driver must not write; a legacy driver, without
 * VERSION_1, may write mac). `field` is for the trace event.
 */
export function configWriteVerdict(
  fields: ConfigFieldLike[],
  offset: number,
  size: number,
  modern: boolean,
): { legacyMac: boolean; message: string; field: { field?: string } } {
  const legacyMac = !modern && fields.length === 1 && fields[0]!.name === 'mac';
  const names = fields.map((f) => f.name).join(', ') || `offset ${offset}`;
  return {
    legacyMac,
    message: `driver wrote ${size} byte${size > 1 ? 's' : ''} at config offset ${offset} (${names}); the net config space is read-only for the driver`,
    field: fields[0] ? { field: fields[0].name } : {},
  };
}
