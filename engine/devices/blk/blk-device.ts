/**
 * virtio-blk (VIRTIO 1.2 §5.2): request queues requestq1..N served from a BlockBackend, the whole
 * struct virtio_blk_config gated by the offered features, the writeback/writethrough cache toggle
 * (CONFIG_WCE), capacity changes with a configuration change notification, and validation of every
 * request with the blk-* rules (each answered with the status the spec prescribes, never a crash).
 */
import { VirtioDevice } from '../../device-core/device';
import { STATUS } from '../../device-core/bits';
import { type ConfigFieldLike } from '../../device-core/config-space';
import { type QueueRuntime } from '../../device-core/queue-runtime';
import { type GuestMemory } from '../../memory';
import { type Chain } from '../../queue/types';
import { type RuleId } from '../../rules';
import { BLK_CONFIG, BLK_CONFIG_SIZE, BLK_SECTOR_SIZE, featureByBit, hasFeature } from '../../spec-tables';
import { type Trace } from '../../trace';
import { type BlockBackend } from './backend';
import { ByteBudget } from './budget';
import { describeBlkChain } from './describe';
import { type BlkExecContext, type BlkOutcome, executeBlk, executeBlkCached, executeBlkSync } from './execute';
import { type BlkSettings, type ResolvedBlkSettings, initialConfig, offeredFeatures, resolveSettings } from './options';
import { type BlkRequest, type BlkRequestLimits, parseBlkChain } from './request';
import { BlkStats } from './stats';

export const BLK_DEVICE_ID = 2;

export interface BlkDeviceOptions extends BlkSettings {
  /** Session-unique id (default "blk0"). */
  id?: string;
  mem: GuestMemory;
  trace: Trace;
  backend: BlockBackend;
  inProcess?: boolean;
  /**
   * READs and WRITEs of at most this many data bytes are done synchronously on the event loop's thread when
   * guest memory can be lent (vhost-user); 0 turns that off. Default: $VIRTIO_DEBUG_BLK_SYNC_MAX, else
   * BLK_SYNC_IO_MAX.
   */
  syncIoMax?: number;
  /**
   * Larger READs are tried on this thread first when the back end can read without waiting for the disk
   * (page-cache hits, readvCached), and go to the thread pool only when something is not cached. Default:
   * on, unless $VIRTIO_DEBUG_BLK_CACHED_READS is 0; always off with syncIoMax 0 (everything asynchronous).
   */
  cachedReads?: boolean;
}

const WRITEBACK = BLK_CONFIG.find((f) => f.name === 'writeback')!;

/** Data bytes of READs and WRITEs in flight per queue before further ones wait (ByteBudget). */
export const BLK_BYTES_IN_FLIGHT = 32 << 20;

/**
 * Largest READ or WRITE done synchronously (preadv/pwritev on this thread): page-cache hits take microseconds,
 * where a hop to libuv's thread pool and back costs two context switches and an event-loop turn. Larger ones
 * stay asynchronous, so a slow disk stalls the serving thread for one small read at most (no timing-based
 * switching: under load a page-cache hit can look slow too).
 */
export const BLK_SYNC_IO_MAX = 128 << 10;

const isBulk = (r: BlkRequest): boolean => r.kind === 'IN' || r.kind === 'OUT';

function syncIoMaxFromEnv(): number {
  const v = process.env.VIRTIO_DEBUG_BLK_SYNC_MAX;
  if (v === undefined || v === '') return BLK_SYNC_IO_MAX;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`VIRTIO_DEBUG_BLK_SYNC_MAX=${v}: expected a byte count (0 turns synchronous I/O off)`);
  return n;
}

export class BlkDevice extends VirtioDevice {
  readonly deviceType = 'blk' as const;
  readonly backend: BlockBackend;
  readonly settings: ResolvedBlkSettings;
  /** The cache mode the driver last chose (restored when a write to writeback is rejected). */
  private writebackValue: number;
  private readonly exec: Omit<BlkExecContext, 'alive'>;
  /** `exec` for requests that complete before processChain returns (alive throughout). */
  private readonly syncExec: BlkExecContext;
  /** Per queue: data bytes in flight (bounded). */
  private readonly budgets: ByteBudget[];
  /** What request validation reads, built once (it runs per chain): capacity is read live (resize). */
  private readonly limits: BlkRequestLimits;
  private readonly syncIoMax: number;
  private readonly cachedReads: boolean;
  /** blkNegotiated's answers for `negotiatedMemoBits` (cleared when the negotiated set changes). */
  private readonly negotiatedMemo = new Map<string, boolean>();
  private negotiatedMemoBits = -1n;
  /** blkOffered's answers (the offered set is fixed at construction). */
  private readonly offeredMemo = new Map<string, boolean>();
  /** VIRTIO_DEBUG_BLK_STATS=1: per-request timing, printed at exit. */
  private readonly stats = BlkStats.enabled ? new BlkStats() : undefined;

  constructor(o: BlkDeviceOptions) {
    const id = o.id ?? 'blk0';
    const capacity = BigInt(Math.floor(o.backend.size / BLK_SECTOR_SIZE));
    const settings = resolveSettings(o, { capacity, backendReadOnly: o.backend.readOnly, id });
    super({
      id,
      deviceId: BLK_DEVICE_ID,
      featureTable: 'blk',
      offered: offeredFeatures(settings),
      queues: Array.from({ length: settings.queues }, (_, i) => ({ name: `requestq${i + 1}`, maxSize: settings.queueSize, mode: 'on-notify' as const })),
      configFields: BLK_CONFIG,
      configSize: BLK_CONFIG_SIZE,
      mem: o.mem,
      trace: o.trace,
      inProcess: o.inProcess ?? true,
      featureShortName: (b) => featureByBit('blk', b)?.short,
    });
    this.backend = o.backend;
    this.settings = settings;
    for (const [name, value] of initialConfig(settings, capacity)) this.config.set(name, value);
    this.writebackValue = settings.writeback ? 1 : 0;
    this.exec = {
      mem: this.mem,
      backend: this.backend,
      serial: settings.serial,
      lifetime: settings.lifetime,
      mayUnmap: settings.writeZeroes.mayUnmap,
      writethrough: () => this.writethrough,
      maxDataBytes: settings.segMax * settings.sizeMax,
    };
    this.syncExec = { ...this.exec, alive: () => true };
    this.budgets = this.queues.map(() => new ByteBudget(BLK_BYTES_IN_FLIGHT));
    this.limits = this.buildLimits();
    this.syncIoMax = o.syncIoMax ?? syncIoMaxFromEnv();
    this.cachedReads = this.syncIoMax > 0 && (o.cachedReads ?? process.env.VIRTIO_DEBUG_BLK_CACHED_READS !== '0');
  }

  /** Capacity in 512-byte sectors, as the driver sees it in config space. */
  get capacity(): bigint {
    return this.config.get('capacity');
  }

  /**
   * Per-chain questions (request validation, writethrough) answered from a table built once per negotiated
   * set, not by looking the name up each time (issue 13: `featureByName` was ~2 % of figure 5's blk run).
   */
  private blkNegotiated(short: string): boolean {
    if (this.negotiatedMemoBits !== this.negotiated) {
      this.negotiatedMemo.clear();
      this.negotiatedMemoBits = this.negotiated;
    }
    let v = this.negotiatedMemo.get(short);
    if (v === undefined) {
      v = hasFeature('blk', this.negotiated, short);
      this.negotiatedMemo.set(short, v);
    }
    return v;
  }

  private blkOffered(short: string): boolean {
    let v = this.offeredMemo.get(short);
    if (v === undefined) {
      v = hasFeature('blk', this.offered, short);
      this.offeredMemo.set(short, v);
    }
    return v;
  }

  /**
   * Whether completed writes must be stable before they are reported (§5.2.6.2): writeback = 0 with
   * CONFIG_WCE, or FLUSH offered but neither FLUSH nor CONFIG_WCE negotiated.
   */
  get writethrough(): boolean {
    if (this.blkNegotiated('CONFIG_WCE')) return this.config.get('writeback') === 0n;
    if (this.blkNegotiated('FLUSH')) return false;
    return this.blkOffered('FLUSH');
  }

  private buildLimits(): BlkRequestLimits {
    const s = this.settings;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getter below reads the device, not the object literal
    const dev = this;
    return {
      get capacity() {
        return dev.capacity;
      },
      negotiated: (short) => this.blkNegotiated(short),
      readOnly: s.readonly,
      segMax: s.segMax,
      sizeMax: s.sizeMax,
      ranges: {
        DISCARD: s.discard,
        WRITE_ZEROES: s.writeZeroes,
        SECURE_ERASE: s.secureErase,
      },
    };
  }

  processChain(q: QueueRuntime, chain: Chain): number | Promise<number> {
    const epoch = this.epoch;
    const start = this.stats ? process.hrtime.bigint() : 0n;
    let parsed;
    try {
      parsed = parseBlkChain(this.mem, chain, this.limits);
    } catch (e) {
      this.note(`${q.name}: request at descriptor ${chain.head} could not be read: ${(e as Error).message}`);
      return 0;
    }
    for (const v of parsed.violations) this.violation(v.rule, v.message, { queue: q, index: chain.head });
    const statusAddr = parsed.statusAddr;
    if (statusAddr === undefined) return 0;
    if (!parsed.request) return this.answer(statusAddr, parsed.reject!, 0);
    const request = parsed.request;
    // Only READ and WRITE move data in bulk; bytes beyond the request limit are refused before any I/O.
    const bytes = isBulk(request) && request.dataLen <= this.exec.maxDataBytes ? request.dataLen : 0;
    // Small ones are done here and now (their completion goes out with this batch's notification), and so
    // are larger READs the page cache holds whole (nothing waits for the disk on this thread). Both finish
    // before this returns, so the device cannot have been reset meanwhile: one context for every chain.
    if (bytes) {
      const sync = bytes <= this.syncIoMax;
      const now = this.syncExec;
      const out = sync ? executeBlkSync(request, now, this.syncIoMax) : this.cachedReads ? executeBlkCached(request, now) : undefined;
      if (out) {
        this.noteFailure(q, request, out);
        const used = this.answer(statusAddr, out.status, out.written);
        this.stats?.record(request.kind, sync ? 'sync' : 'cached', bytes, request.data.length, start);
        return used;
      }
    }
    const ctx: BlkExecContext = { ...this.exec, alive: () => this.epoch === epoch };
    const budget = this.budgets[q.index]!;
    const run = (): Promise<number> =>
      executeBlk(request, ctx)
        .finally(() => {
          if (bytes) budget.release(bytes);
        })
        .then((out) => {
          this.noteFailure(q, request, out);
          const used = this.epoch === epoch ? this.answer(statusAddr, out.status, out.written) : 0;
          this.stats?.record(request.kind, 'async', bytes, request.data.length, start);
          return used;
        });
    const wait = bytes ? budget.acquire(bytes) : undefined;
    return wait ? wait.then(run) : run();
  }

  private noteFailure(q: QueueRuntime, request: BlkRequest, out: BlkOutcome): void {
    if (!out.error) return;
    const tooLarge = isBulk(request) && request.dataLen > this.exec.maxDataBytes;
    this.note(`${q.name}: ${request.kind} ${tooLarge ? 'refused with IOERR' : `failed in the back end (${this.backend.description})`}: ${out.error}`);
  }

  /** Writes the status byte; returns the used length (data written + the status byte). */
  private answer(statusAddr: number, status: number, written: number): number {
    try {
      this.mem.writeU8(statusAddr, status);
    } catch (e) {
      this.note(`status byte at 0x${statusAddr.toString(16)} could not be written: ${(e as Error).message}`);
      return written;
    }
    return written + 1;
  }

  private note(message: string): void {
    this.trace.emit({ type: 'note', device: this.id, message });
  }

  /**
   * A device-readable descriptor after the device-writable data is, when it is the chain's last and 1 byte
   * long, the status byte without VIRTQ_DESC_F_WRITE: named as the blk rule before the ring's (the queue still
   * stops). Only descriptors of the ring itself are judged (an indirect entry's index is not a ring slot).
   */
  protected override nameRingBreach(q: QueueRuntime, rule: RuleId, index: number): void {
    if (rule !== 'split-write-before-read' && rule !== 'packed-write-before-read') return;
    if (index >= q.size) return;
    let len: number;
    let flags: number;
    try {
      const at = q.desc + 16 * index;
      len = this.mem.readU32(at + 8);
      flags = this.mem.readU16(at + (rule === 'split-write-before-read' ? 12 : 14));
    } catch {
      return;
    }
    const NEXT = 1;
    const WRITE = 2;
    if (len !== 1 || (flags & (NEXT | WRITE)) !== 0) return;
    this.violation('blk-status-not-writable', `descriptor ${index}, the chain's last (1 byte), is device-readable after the device-writable data: the status byte must be device-writable`, { queue: q, index });
  }

  override describeChain(_q: QueueRuntime, chain: Chain): string | undefined {
    return describeBlkChain(this.mem, chain);
  }

  // ---------------------------------------------------------------- config space

  /** §5.2.5.1: the driver must not read writeback before FEATURES_OK. */
  override readConfig(offset: number, size: number): number {
    if (this.mode === 'driver') this.judgeWritebackRead(offset, size, (this.status & STATUS.FEATURES_OK) !== 0);
    return super.readConfig(offset, size);
  }

  /** A mirroring vhost-user front end's GET_CONFIG, FEATURES_OK from the status it reported. */
  override judgeConfigRead(offset: number, size: number, featuresOk: boolean): void {
    this.judgeWritebackRead(offset, size, featuresOk);
    super.judgeConfigRead(offset, size, featuresOk);
  }

  private judgeWritebackRead(offset: number, size: number, featuresOk: boolean): void {
    const overlaps = offset < WRITEBACK.offset + WRITEBACK.size && WRITEBACK.offset < offset + size;
    if (overlaps && !featuresOk && this.blkOffered('CONFIG_WCE')) {
      this.violation('blk-writeback-read-before-features-ok', `writeback read (offset ${offset}, ${size} bytes) before FEATURES_OK`, { index: offset });
    }
  }

  protected override validateFeatures(features: bigint): string | undefined {
    // §5.2.5.2: CONFIG_WCE without FLUSH means writethrough.
    if (hasFeature('blk', features, 'CONFIG_WCE') && !hasFeature('blk', features, 'FLUSH')) this.setWriteback(0);
    return undefined;
  }

  protected override onDriverOk(): void {
    if (this.mode === 'backend') this.validateFeatures(this.negotiated);
  }

  protected override onConfigWrite(fields: ConfigFieldLike[]): void {
    if (!fields.some((f) => f.name === 'writeback')) return;
    const v = Number(this.config.get('writeback'));
    if (v > 1) {
      this.violation('blk-writeback-invalid-value', `writeback set to ${v}; only 0 (writethrough) and 1 (writeback) are defined`, { index: WRITEBACK.offset });
      this.config.set('writeback', this.writebackValue);
      return;
    }
    if (v !== this.writebackValue) this.note(`cache mode: ${v ? 'writeback' : 'writethrough'}`);
    this.writebackValue = v;
  }

  protected override onReset(): void {
    if (this.blkOffered('CONFIG_WCE')) this.setWriteback(this.settings.writeback ? 1 : 0);
  }

  private setWriteback(v: number): void {
    this.writebackValue = v;
    if (this.blkOffered('CONFIG_WCE')) this.config.set('writeback', v);
  }

  // ---------------------------------------------------------------- capacity, lifecycle

  /**
   * Changes the disk size (the back end grows or shrinks) and tells the driver with a configuration
   * change notification (§5.2.6.2: the device SHOULD notify when capacity changes).
   */
  async resize(sectors: bigint | number): Promise<void> {
    const s = BigInt(sectors);
    if (s <= 0n || s > BigInt(Number.MAX_SAFE_INTEGER) / BigInt(BLK_SECTOR_SIZE)) throw new RangeError(`capacity ${s} sectors is out of range`);
    await this.backend.resize(Number(s) * BLK_SECTOR_SIZE);
    this.changeConfig('capacity', s);
  }

  /** Flushes and closes the back end. */
  async close(): Promise<void> {
    try {
      if (!this.backend.readOnly) await this.backend.flush();
    } finally {
      await this.backend.close();
    }
  }
}
