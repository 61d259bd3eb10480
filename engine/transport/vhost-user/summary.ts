/**
 * One-line summaries of vhost-user messages for the trace ("ring 0 num 256", "2 regions: ..."), decoded
 * from the raw payload without judging it (a payload that does not decode is summarised by its size).
 */
import {
  VHOST_USER_NEED_REPLY_MASK,
  VHOST_USER_REPLY_MASK,
  VHOST_USER_VERSION_MASK,
  VHOST_USER_VRING_IDX_MASK,
  VHOST_USER_VRING_NOFD_MASK,
  VhostUserRequest as R,
} from './messages';
import { statusNames } from '../../device-core/status';
import { decodeConfig, decodeMemRegion, decodeMemTable, decodeU64, decodeVringAddr, decodeVringState, hex, protocolFeatureNames, requestInfo } from './codec';
import { describeRegion } from './memory-table';

/** Header flags worth showing: "need reply", a version other than 1, a reply bit on a request. */
export function flagNotes(flags: number): string[] {
  const out: string[] = [];
  if (flags & VHOST_USER_NEED_REPLY_MASK) out.push('need reply');
  if ((flags & VHOST_USER_VERSION_MASK) !== 1) out.push(`version ${flags & VHOST_USER_VERSION_MASK}`);
  if (flags & VHOST_USER_REPLY_MASK) out.push('reply flag set');
  const other = flags & ~(VHOST_USER_VERSION_MASK | VHOST_USER_REPLY_MASK | VHOST_USER_NEED_REPLY_MASK);
  if (other) out.push(`flags ${hex(other)}`);
  return out;
}

function ringFd(v: bigint): string {
  const index = Number(v & BigInt(VHOST_USER_VRING_IDX_MASK));
  return v & BigInt(VHOST_USER_VRING_NOFD_MASK) ? `ring ${index}, no fd` : `ring ${index}`;
}

/** Summary of a request's payload. */
export function summarizeRequest(request: number, payload: Uint8Array): string {
  const kind = requestInfo(request)?.payload;
  const raw = () => (payload.length ? `${payload.length} payload bytes` : '');
  switch (kind) {
    case 'u64': {
      const d = decodeU64(payload);
      if (!d.ok) return raw();
      const v = d.value;
      if (request === R.SET_FEATURES) return hex(v);
      if (request === R.SET_PROTOCOL_FEATURES) return `${hex(v)} (${protocolFeatureNames(v).join(' ') || 'none'})`;
      if (request === R.SET_VRING_KICK || request === R.SET_VRING_CALL || request === R.SET_VRING_ERR) return ringFd(v);
      if (request === R.SET_STATUS) return `${hex(v)} (${statusNames(Number(v & 0xffn)).join('|') || 'reset'})`;
      return hex(v);
    }
    case 'vring-state': {
      const d = decodeVringState(payload);
      if (!d.ok) return raw();
      if (request === R.SET_VRING_ENABLE) return `ring ${d.value.index} ${d.value.num ? 'enable' : 'disable'}`;
      if (request === R.GET_VRING_BASE) return `ring ${d.value.index}`;
      return `ring ${d.value.index} ${request === R.SET_VRING_NUM ? 'num' : 'base'} ${d.value.num}`;
    }
    case 'vring-addr': {
      const d = decodeVringAddr(payload);
      if (!d.ok) return raw();
      const a = d.value;
      return `ring ${a.index} desc ${hex(a.desc)} avail ${hex(a.avail)} used ${hex(a.used)}${a.flags & 1 ? ` log ${hex(a.log)}` : ''}`;
    }
    case 'mem-table': {
      const d = decodeMemTable(payload);
      if (!d.ok) return raw();
      return `${d.value.length} region${d.value.length === 1 ? '' : 's'}: ${d.value.map(describeRegion).join('; ')}`;
    }
    case 'mem-region': {
      const d = decodeMemRegion(payload);
      return d.ok ? describeRegion(d.value) : raw();
    }
    case 'config': {
      const d = decodeConfig(payload);
      return d.ok ? `offset ${d.value.offset} size ${d.value.size}${d.value.flags ? ` flags ${d.value.flags}` : ''}` : raw();
    }
    default:
      return raw();
  }
}

/** Summary of a reply body (or an ack). */
export function summarizeReply(request: number, payload: Uint8Array, ack: boolean): string {
  if (payload.length === 0) return 'error (empty reply)';
  if (ack) {
    const d = decodeU64(payload);
    return d.ok && d.value === 0n ? 'ack: ok' : `ack: error ${d.ok ? hex(d.value) : ''}`.trim();
  }
  switch (request) {
    case R.GET_PROTOCOL_FEATURES: {
      const d = decodeU64(payload);
      return d.ok ? `${hex(d.value)} (${protocolFeatureNames(d.value).join(' ')})` : '';
    }
    case R.GET_VRING_BASE: {
      const d = decodeVringState(payload);
      if (!d.ok) return '';
      const n = d.value.num;
      return `ring ${d.value.index} base ${n} (${hex(n)}: offset ${n & 0x7fff}, wrap ${n >> 15})`;
    }
    case R.GET_CONFIG: {
      const d = decodeConfig(payload);
      return d.ok ? `offset ${d.value.offset} size ${d.value.size}: ${Buffer.from(d.value.data).toString('hex')}` : '';
    }
    case R.GET_STATUS: {
      const d = decodeU64(payload);
      return d.ok ? `${hex(d.value)} (${statusNames(Number(d.value & 0xffn)).join('|') || '0'})` : '';
    }
    default: {
      const d = decodeU64(payload);
      return d.ok ? (request === R.GET_FEATURES ? hex(d.value) : d.value.toString()) : `${payload.length} bytes`;
    }
  }
}
