/**
 * Builds the snapshot DTOs (protocol/snapshot.ts) from live engine objects: what the debugger's variables,
 * the `virtio/snapshot` request and the webviews show. Reading state here never changes it.
 */
import { type ConfigFieldDto, type DeviceSnapshot, type FeatureBitDto, type QueueSnapshot } from '../../protocol/snapshot';
import { type VirtioDevice } from '../device-core/device';
import { type QueueRuntime } from '../device-core/queue-runtime';
import { type ConfigField, featuresOf, missingDependencies, statusNames } from '../spec-tables';
import { hex } from '../wire/hex';
import { type ChainSnapshotOptions, chainsSnapshot } from './chains';

export interface SnapshotOptions extends ChainSnapshotOptions {
  rings?: boolean;
  maxRingEntries?: number;
}

export function queueSnapshot(q: QueueRuntime, o: SnapshotOptions = {}): QueueSnapshot {
  const base = {
    thread: q.thread,
    maxSize: q.spec.maxSize,
    enabled: q.enabled,
    counters: { ...q.counters },
  };
  const ring = q.view;
  if (!ring) {
    return {
      ...base,
      index: q.index,
      name: q.name,
      layout: q.layout,
      size: q.size,
      desc: hex(q.desc),
      driver: hex(q.driver),
      device: hex(q.device),
      lastAvail: 0,
      usedIdx: 0,
      pending: 0,
      inflight: 0,
      eventIdx: false,
      notificationsEnabled: true,
    };
  }
  const s = ring.inspect(o.rings ?? false, o.maxRingEntries ?? 4096);
  return { ...s, ...base, pending: s.broken ? 0 : s.pending + (q.held ? 1 : 0), inflight: q.pending.length };
}

export function featureBits(device: VirtioDevice): FeatureBitDto[] {
  const table = device.featureTable;
  const known = featuresOf(table);
  const out: FeatureBitDto[] = [];
  const missing = new Map(missingDependencies(table, device.driverFeatures).map((m) => [m.feature.bit, m.missing]));
  const bits = new Set<number>(known.filter((f) => !f.legacy).map((f) => f.bit));
  for (let b = 0; b < 128; b++) {
    const m = 1n << BigInt(b);
    if ((device.offered | device.driverFeatures) & m) bits.add(b);
  }
  for (const b of [...bits].sort((x, y) => x - y)) {
    const m = 1n << BigInt(b);
    const f = known.find((k) => k.bit === b && !k.legacy) ?? known.find((k) => k.bit === b);
    out.push({
      bit: b,
      name: f?.name ?? `bit ${b}`,
      offered: (device.offered & m) !== 0n,
      accepted: (device.driverFeatures & m) !== 0n,
      negotiated: (device.negotiated & m) !== 0n,
      ...(f ? { section: f.section, meaning: f.meaning } : {}),
      ...(missing.has(b) ? { missing: missing.get(b) } : {}),
    });
  }
  return out;
}

export function configFields(device: VirtioDevice): ConfigFieldDto[] {
  return device.config.fields.map((f) => {
    const raw = device.config.get(f.name);
    const decode = (f as Partial<ConfigField>).decode;
    const section = (f as Partial<ConfigField>).section;
    const present = device.configFieldPresent(f);
    return {
      name: f.name,
      offset: f.offset,
      size: f.size,
      value: decode ? decode(raw) : f.size > 4 ? hex(raw) : String(raw),
      raw: hex(raw),
      present,
      writable: f.driverWritable === true,
      ...(f.features?.length ? { features: [...f.features] } : {}),
      ...(section ? { section } : {}),
    };
  });
}

export function deviceSnapshot(device: VirtioDevice, o: SnapshotOptions = {}): DeviceSnapshot {
  return {
    id: device.id,
    type: device.deviceType,
    deviceId: device.deviceId,
    transport: device.host?.kind ?? 'mmio',
    status: device.status,
    statusNames: statusNames(device.status),
    offered: hex(device.offered),
    driverFeatures: hex(device.driverFeatures),
    negotiated: hex(device.negotiated),
    features: featureBits(device),
    configGeneration: device.config.generation,
    config: configFields(device),
    queues: device.queues.map((q) => {
      const s = queueSnapshot(q, o);
      return o.chains ? { ...s, chains: chainsSnapshot(device, q, o) } : s;
    }),
    transportState: device.host?.inspect() ?? [],
  };
}
