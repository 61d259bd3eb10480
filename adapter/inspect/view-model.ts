/**
 * A nested, read-only view of the session state for evaluate, watch and hover: names like
 * `blk0.config.capacity`, `net0.receiveq1.used.idx`, `blk0.status`, `blk0.features.negotiated.RING_PACKED`.
 */
import { type DeviceSnapshot, type QueueSnapshot, type SessionSnapshot } from '../../protocol/snapshot';

export type ViewValue = string | number | boolean | ViewObject | ViewValue[];
export interface ViewObject {
  [key: string]: ViewValue;
}

function queueView(q: QueueSnapshot): ViewObject {
  const v: ViewObject = {
    index: q.index,
    name: q.name,
    layout: q.layout,
    size: q.size,
    maxSize: q.maxSize,
    enabled: q.enabled,
    desc: q.desc,
    driver: q.driver,
    device: q.device,
    lastAvail: q.lastAvail,
    usedIdx: q.usedIdx,
    pending: q.pending,
    inflight: q.inflight,
    eventIdx: q.eventIdx,
    notificationsEnabled: q.notificationsEnabled,
    counters: { ...q.counters },
  };
  if (q.broken) v.broken = q.broken;
  const r = q.ring;
  if (r?.layout === 'split') {
    v.avail = { flags: r.avail.flags, idx: r.avail.idx, ring: r.avail.ring, ...(r.avail.usedEvent !== undefined ? { usedEvent: r.avail.usedEvent } : {}) };
    v.used = {
      flags: r.used.flags,
      idx: r.used.idx,
      ring: r.used.ring.map((e) => ({ id: e.id, len: e.len })),
      ...(r.used.availEvent !== undefined ? { availEvent: r.used.availEvent } : {}),
    };
    v.descriptors = r.desc.map((d) => ({ index: d.index, addr: d.addr, len: d.len, flags: d.flags, flagNames: d.flagNames.join('|'), next: d.next ?? 0 }));
  } else if (r?.layout === 'packed') {
    v.descriptors = r.desc.map((d) => ({ index: d.index, addr: d.addr, len: d.len, flags: d.flags, flagNames: d.flagNames.join('|'), id: d.id ?? 0 }));
    v.driverEvent = { ...r.driverEvent };
    v.deviceEvent = { ...r.deviceEvent };
    v.used = { idx: q.usedIdx };
    v.avail = { idx: q.lastAvail };
  } else {
    v.used = { idx: q.usedIdx };
    v.avail = { idx: q.lastAvail };
  }
  return v;
}

function deviceView(d: DeviceSnapshot): ViewObject {
  const features = (pick: 'offered' | 'accepted' | 'negotiated'): ViewObject => {
    const o: ViewObject = {};
    for (const f of d.features) o[f.name.replace(/^VIRTIO_(NET_|BLK_|RING_)?F_/, '')] = f[pick];
    return o;
  };
  const config: ViewObject = {};
  // Numbers stay numbers (so watches compare and format them); byte strings like a MAC keep their text.
  for (const f of d.config) {
    const raw = BigInt(f.raw);
    config[f.name] = f.size <= 8 && f.name !== 'mac' && raw <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(raw) : f.value;
  }
  const v: ViewObject = {
    id: d.id,
    type: d.type,
    transport: d.transport,
    status: d.status,
    statusNames: d.statusNames.join('|'),
    features: {
      offered: d.offered,
      accepted: d.driverFeatures,
      negotiated: d.negotiated,
      offeredBits: features('offered'),
      acceptedBits: features('accepted'),
      negotiatedBits: features('negotiated'),
    },
    config,
    configGeneration: d.configGeneration,
  };
  for (const q of d.queues) v[q.name] = queueView(q);
  const t: ViewObject = {};
  for (const s of d.transportState) t[s.name] = s.value;
  v.transport = t;
  return v;
}

export function viewModel(s: SessionSnapshot): ViewObject {
  const root: ViewObject = {};
  for (const d of s.devices) root[d.id] = deviceView(d);
  return root;
}

/** Resolves a dotted path (`blk0.requestq1.used.idx`, `net0.receiveq1.avail.ring[3]`). */
export function resolvePath(root: ViewObject, path: string): { value: ViewValue } | { error: string } {
  const parts = path
    .trim()
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean);
  let cur: ViewValue = root;
  const walked: string[] = [];
  for (const p of parts) {
    if (typeof cur !== 'object' || cur === null) return { error: `${walked.join('.')} is ${String(cur)}, it has no "${p}"` };
    const next: ViewValue | undefined = Array.isArray(cur) ? cur[Number(p)] : (cur as ViewObject)[p];
    if (next === undefined) {
      const keys = Array.isArray(cur) ? [`0..${cur.length - 1}`] : Object.keys(cur);
      return { error: `no "${p}" in ${walked.join('.') || 'the session'} (try: ${keys.slice(0, 12).join(', ')}${keys.length > 12 ? ', ...' : ''})` };
    }
    cur = next;
    walked.push(p);
  }
  return { value: cur };
}

/** Names under a prefix, for REPL completion. */
export function completions(root: ViewObject, prefix: string): string[] {
  const dot = prefix.lastIndexOf('.');
  const base = dot < 0 ? '' : prefix.slice(0, dot);
  const r = base ? resolvePath(root, base) : { value: root as ViewValue };
  if (!('value' in r) || typeof r.value !== 'object' || r.value === null || Array.isArray(r.value)) return [];
  const last = prefix.slice(dot + 1);
  return Object.keys(r.value)
    .filter((k) => k.startsWith(last))
    .map((k) => (base ? `${base}.${k}` : k));
}
