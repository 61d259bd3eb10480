/**
 * A device's configuration space (§2.5): bytes laid out per the device type's field table, a generation
 * counter bumped on every device-side change, and judging of driver accesses (out of range, gated by an
 * absent feature, write to a read-only field, write before FEATURES_OK).
 */
import { type RuleId } from '../rules';

/** The shape of a config field (engine/spec-tables/config.ts defines the tables). */
export interface ConfigFieldLike {
  name: string;
  offset: number;
  size: number;
  /** Feature short names; the field exists if ANY of them is offered. */
  features?: readonly string[];
  driverWritable?: boolean;
}

export interface ConfigJudge {
  /** Is the feature (by short name) offered by the device? */
  offered(short: string): boolean;
  /** Is it negotiated? */
  negotiated(short: string): boolean;
  featuresOk(): boolean;
  violation(rule: RuleId, message: string, index?: number): void;
}

export class ConfigSpace {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  generation = 0;

  constructor(
    readonly fields: readonly ConfigFieldLike[],
    readonly size: number,
  ) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  field(name: string): ConfigFieldLike {
    let f = this.byName.get(name);
    if (f === undefined) {
      f = this.fields.find((x) => x.name === name);
      if (!f) throw new Error(`no config field ${name}`);
      this.byName.set(name, f);
    }
    return f;
  }

  /** field()'s answers (blk reads capacity per request). */
  private readonly byName = new Map<string, ConfigFieldLike>();

  /** Fields overlapping [offset, offset+size). */
  fieldsAt(offset: number, size: number): ConfigFieldLike[] {
    return this.fields.filter((f) => offset < f.offset + f.size && f.offset < offset + size);
  }

  /** Device-side value of a field (little-endian). */
  get(name: string): bigint {
    const f = this.field(name);
    if (f.size === 8) {
      // Two 32-bit halves: two BigInt conversions instead of eight shifts (capacity, per blk request).
      const lo = this.view.getUint32(f.offset, true);
      const hi = this.view.getUint32(f.offset + 4, true);
      return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
    }
    let v = 0n;
    for (let i = f.size - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.bytes[f.offset + i]!);
    return v;
  }

  /** Device-side update without notification (initial values). */
  set(name: string, value: bigint | number): void {
    const f = this.field(name);
    let v = BigInt(value);
    for (let i = 0; i < f.size; i++) {
      this.bytes[f.offset + i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }

  setBytes(name: string, data: Uint8Array): void {
    const f = this.field(name);
    this.bytes.set(data.subarray(0, f.size), f.offset);
  }

  /** Driver read of `size` bytes at `offset`; returns the little-endian value (0 outside the space). */
  read(offset: number, size: number, judge?: ConfigJudge): number {
    if (offset < 0 || offset + size > this.size) {
      judge?.violation('config-out-of-range', `config read of ${size} bytes at offset ${offset}: the config space has ${this.size} bytes`, offset);
      return 0;
    }
    if (judge) {
      for (const f of this.fieldsAt(offset, size)) {
        if (f.features && !f.features.some((s) => judge.offered(s))) {
          judge.violation(
            'config-field-not-offered',
            `config field ${f.name} read although the device does not offer ${f.features.join(' or ')}`,
            offset,
          );
        }
      }
    }
    if (size === 1) return this.bytes[offset]!;
    if (size === 2) return this.view.getUint16(offset, true);
    if (size === 4) return this.view.getUint32(offset, true);
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + this.bytes[offset + i]!;
    return v;
  }

  /**
   * Driver write. Returns the fields actually changed (the device reacts to them); rejected writes
   * change nothing and report why.
   */
  write(offset: number, data: Uint8Array, judge: ConfigJudge): ConfigFieldLike[] {
    if (offset < 0 || offset + data.length > this.size) {
      judge.violation('config-out-of-range', `config write of ${data.length} bytes at offset ${offset}: the config space has ${this.size} bytes`, offset);
      return [];
    }
    if (!judge.featuresOk()) {
      judge.violation('config-write-before-features-ok', `config write at offset ${offset} before FEATURES_OK`, offset);
      return [];
    }
    const touched = this.fieldsAt(offset, data.length);
    const bad = touched.find(
      (f) => !f.driverWritable || (f.features !== undefined && !f.features.some((s) => judge.negotiated(s))),
    );
    if (bad || touched.length === 0) {
      const name = bad?.name ?? `offset ${offset}`;
      judge.violation(
        'config-write-readonly',
        bad?.driverWritable
          ? `config field ${name} is writable only when ${bad.features!.join(' or ')} is negotiated`
          : `config field ${name} is read-only for the driver`,
        offset,
      );
      return [];
    }
    this.bytes.set(data, offset);
    return touched;
  }
}
