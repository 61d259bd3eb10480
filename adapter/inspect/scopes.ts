/**
 * The Variables view of a stopped queue (docs/architecture.md, "Debug adapter"): scopes Chain (descriptors, decoded payload), Queue
 * (size, addresses, indices, event idx, in-flight, counters, ring), Device (status, features, config) and
 * Transport (registers). Buffers and ring parts carry a memoryReference into guest memory.
 */
import { type DebugProtocol } from '@vscode/debugprotocol';
import { type DeviceSnapshot, type QueueSnapshot } from '../../protocol/snapshot';
import { type Chain, deviceSnapshot, flagNames, queueSnapshot, type VirtioDevice } from '../../engine';
import { decodeChainLayers, type DecodedLayerLike } from '../runtime/chain-decode';
import { type QueueThread } from '../runtime/threads';
import { type NumberFormat, type VariableStore, fmtNum } from './variable-store';

type Var = DebugProtocol.Variable;

/** memoryReference of a guest address in a device's memory: "<device>@0x<gpa>". */
export function memoryRef(device: VirtioDevice, gpa: number): string {
  return `${device.id}@0x${gpa.toString(16)}`;
}

export function parseMemoryRef(ref: string): { device: string; gpa: number } | undefined {
  const m = /^([a-z][\w-]*)@(0x[0-9a-f]+|\d+)$/i.exec(ref);
  return m ? { device: m[1]!, gpa: Number(m[2]) } : undefined;
}

const leaf = (name: string, value: string, extra: Partial<Var> = {}): Var => ({ name, value, variablesReference: 0, ...extra });

export class ScopeBuilder {
  /** Variable references of config nodes → their device (setVariable targets). */
  private readonly configNodes = new Map<number, VirtioDevice>();

  configOwner(ref: number): VirtioDevice | undefined {
    return this.configNodes.get(ref);
  }

  constructor(
    private readonly store: VariableStore,
    private readonly format: NumberFormat,
  ) {}

  private n(v: number): string {
    return fmtNum(v, this.format);
  }

  private node(name: string, value: string, children: () => Var[], extra: Partial<Var> = {}): Var {
    return { name, value, variablesReference: this.store.add(children), ...extra };
  }

  scopes(thread: QueueThread, chain: Chain | undefined): DebugProtocol.Scope[] {
    const s: DebugProtocol.Scope[] = [];
    if (chain) s.push({ name: 'Chain', presentationHint: 'locals', variablesReference: this.store.add(() => this.chainVars(thread, chain)), expensive: false });
    s.push({ name: 'Queue', variablesReference: this.store.add(() => this.queueVars(thread)), expensive: false });
    s.push({ name: 'Device', presentationHint: 'registers', variablesReference: this.store.add(() => this.deviceVars(thread.device)), expensive: false });
    s.push({ name: 'Transport', presentationHint: 'registers', variablesReference: this.store.add(() => this.transportVars(thread.device)), expensive: false });
    return s;
  }

  chainVars(thread: QueueThread, chain: Chain): Var[] {
    const dev = thread.device;
    const base = `${thread.name}`;
    const vars: Var[] = [
      leaf('id', this.n(chain.id), { evaluateName: `${base}.chain.id` }),
      leaf('head', this.n(chain.head)),
      leaf('position', this.n(chain.position)),
      this.node(`descriptors`, `${chain.descriptors.length} descriptor${chain.descriptors.length === 1 ? '' : 's'}`, () =>
        chain.descriptors.map((d, i) =>
          this.node(
            `[${i}] ${d.indirect ? 'indirect ' : ''}#${d.index}`,
            `0x${d.addr.toString(16)} len ${this.n(d.len)} ${flagNames('desc', d.flags).join('|') || '-'}`,
            () => [
              leaf('addr', '0x' + d.addr.toString(16), { memoryReference: memoryRef(dev, d.addr) }),
              leaf('len', this.n(d.len)),
              leaf('flags', `${this.n(d.flags)} (${flagNames('desc', d.flags).join('|') || 'none'})`),
              leaf(thread.queue.layout === 'packed' ? 'id' : 'next', this.n(thread.queue.layout === 'packed' ? d.id : d.next)),
            ],
            { memoryReference: memoryRef(dev, d.addr) },
          ),
        ),
      ),
      leaf('readable bytes', this.n(chain.readableBytes)),
      leaf('writable bytes', this.n(chain.writableBytes)),
    ];
    if (chain.indirectTable) {
      const t = chain.indirectTable;
      vars.push(leaf('indirect table', `0x${t.addr.toString(16)} (${t.len / 16} entries)`, { memoryReference: memoryRef(dev, t.addr) }));
    }
    const layers = decodeChainLayers(dev, thread.queue, chain);
    if (layers.length) {
      vars.push(this.node('payload', layers.map((l) => l.protocol).join(' / '), () => layers.map((l) => this.layerVar(l))));
    }
    return vars;
  }

  private layerVar(l: DecodedLayerLike): Var {
    const fieldVar = (f: DecodedLayerLike['fields'][number]): Var =>
      f.children?.length ? this.node(f.label, f.value, () => f.children!.map(fieldVar)) : leaf(f.label, f.value);
    return this.node(l.protocol, l.error ? `⚠ ${l.error}` : '', () => [...l.fields.map(fieldVar), ...(l.error ? [leaf('error', l.error)] : [])]);
  }

  queueVars(thread: QueueThread): Var[] {
    const q: QueueSnapshot = queueSnapshot(thread.queue, { rings: true, maxRingEntries: 4096 });
    const dev = thread.device;
    const e = (k: string) => `${thread.name}.${k}`;
    const vars: Var[] = [
      leaf('layout', q.layout),
      leaf('size', this.n(q.size), { evaluateName: e('size') }),
      leaf('maxSize', this.n(q.maxSize)),
      leaf('enabled', String(q.enabled)),
      ...(q.broken ? [leaf('broken', q.broken)] : []),
      leaf('desc', q.desc, { memoryReference: memoryRef(dev, Number(q.desc)) }),
      leaf(q.layout === 'split' ? 'avail (driver area)' : 'driver event', q.driver, { memoryReference: memoryRef(dev, Number(q.driver)) }),
      leaf(q.layout === 'split' ? 'used (device area)' : 'device event', q.device, { memoryReference: memoryRef(dev, Number(q.device)) }),
      leaf('lastAvail', this.n(q.lastAvail), { evaluateName: e('lastAvail') }),
      leaf('usedIdx', this.n(q.usedIdx), { evaluateName: e('usedIdx') }),
      ...(q.availWrap !== undefined ? [leaf('availWrap', String(q.availWrap)), leaf('usedWrap', String(q.usedWrap))] : []),
      leaf('pending', this.n(q.pending), { evaluateName: e('pending') }),
      leaf('inflight', this.n(q.inflight), { evaluateName: e('inflight') }),
      leaf('eventIdx', String(q.eventIdx)),
      leaf('notificationsEnabled', String(q.notificationsEnabled)),
      this.node('counters', `${q.counters.chains} chains, ${q.counters.violations} violations`, () =>
        Object.entries(q.counters).map(([k, v]) => leaf(k, this.n(v), { evaluateName: e(`counters.${k}`) })),
      ),
    ];
    const r = q.ring;
    if (r?.layout === 'split') {
      vars.push(
        this.node('avail', `flags ${r.avail.flags} idx ${this.n(r.avail.idx)}`, () => [
          leaf('flags', this.n(r.avail.flags)),
          leaf('idx', this.n(r.avail.idx), { evaluateName: e('avail.idx') }),
          ...(r.avail.usedEvent !== undefined ? [leaf('used_event', this.n(r.avail.usedEvent))] : []),
          this.node('ring', `${r.avail.ring.length} entries`, () => r.avail.ring.map((v, i) => leaf(`[${i}]`, this.n(v)))),
        ]),
        this.node('used', `flags ${r.used.flags} idx ${this.n(r.used.idx)}`, () => [
          leaf('flags', this.n(r.used.flags)),
          leaf('idx', this.n(r.used.idx), { evaluateName: e('used.idx') }),
          ...(r.used.availEvent !== undefined ? [leaf('avail_event', this.n(r.used.availEvent))] : []),
          this.node('ring', `${r.used.ring.length} entries`, () => r.used.ring.map((u, i) => leaf(`[${i}]`, `id ${this.n(u.id)} len ${this.n(u.len)}`))),
        ]),
      );
    }
    if (r) {
      vars.push(
        this.node('descriptor table', `${r.desc.length} entries`, () =>
          r.desc.map((d) =>
            leaf(`[${d.index}]`, `${d.addr} len ${this.n(d.len)} ${d.flagNames.join('|') || '-'}${d.next !== undefined ? ` next ${d.next}` : ''}${d.id !== undefined ? ` id ${d.id}` : ''}`, {
              memoryReference: memoryRef(dev, Number(d.addr)),
            }),
          ),
        ),
      );
    }
    return vars;
  }

  deviceVars(device: VirtioDevice): Var[] {
    const d: DeviceSnapshot = deviceSnapshot(device, { rings: false });
    const e = (k: string) => `${d.id}.${k}`;
    const featureList = (pick: 'offered' | 'accepted' | 'negotiated') => () =>
      d.features.filter((f) => f[pick]).map((f) => leaf(f.name, `bit ${f.bit}`, { evaluateName: e(`features.${pick === 'accepted' ? 'acceptedBits' : pick + 'Bits'}.${f.name.replace(/^VIRTIO_(NET_|BLK_|RING_)?F_/, '')}`) }));
    return [
      leaf('type', d.type),
      leaf('status', `${this.n(d.status)} (${d.statusNames.join('|') || 'reset'})`, { evaluateName: e('status') }),
      this.node('features', `negotiated ${d.negotiated}`, () => [
        this.node('offered', d.offered, featureList('offered'), { evaluateName: e('features.offered') }),
        this.node('accepted', d.driverFeatures, featureList('accepted'), { evaluateName: e('features.accepted') }),
        this.node('negotiated', d.negotiated, featureList('negotiated'), { evaluateName: e('features.negotiated') }),
      ]),
      this.configNode(device, d, e),
      leaf('configGeneration', this.n(d.configGeneration)),
    ];
  }

  private configNode(device: VirtioDevice, d: DeviceSnapshot, e: (k: string) => string): Var {
    const v = this.node('config', `generation ${d.configGeneration}`, () =>
      d.config.map((f) =>
        leaf(f.name, f.present ? f.value : `${f.value} (not offered)`, {
          evaluateName: e(`config.${f.name}`),
          ...(f.writable ? {} : { presentationHint: { attributes: ['readOnly'] } }),
        }),
      ),
    );
    this.configNodes.set(v.variablesReference, device);
    return v;
  }

  transportVars(device: VirtioDevice): Var[] {
    return (device.host?.inspect() ?? []).map((s) => leaf(s.name, s.value, { evaluateName: `${device.id}.transport.${s.name}` }));
  }
}
