/**
 * The table shape for fixed layouts (device config space, virtio_net_hdr, transport registers): one row per
 * field with its offset, size and a converter, like vscode-hexeditor's data inspector (label, size, convert).
 * The device config space, the Variables view and the webviews all read these rows.
 */
export interface ConfigField {
  /** Field name as in the spec struct, nested members dotted: `geometry.cylinders`. */
  readonly name: string;
  /** Byte offset inside the structure. */
  readonly offset: number;
  /** Size in bytes (1, 2, 4, 8, or e.g. 6 for a MAC address). */
  readonly size: number;
  /** Feature short names; the field exists if ANY of them is offered. Absent: always exists. */
  readonly features?: readonly string[];
  /** The driver may write this field (e.g. blk `writeback` with CONFIG_WCE). */
  readonly driverWritable?: boolean;
  readonly description: string;
  /** VIRTIO 1.2 section. */
  readonly section: string;
  /** Renders the little-endian value of the field (`size` bytes) for display. */
  readonly decode?: (v: bigint) => string;
}

/** Reads the little-endian value of `field` from a structure image; undefined if the image is too short. */
export function readFieldValue(image: Uint8Array, field: ConfigField): bigint | undefined {
  if (field.offset + field.size > image.length) return undefined;
  let v = 0n;
  for (let i = field.size - 1; i >= 0; i--) v = (v << 8n) | BigInt(image[field.offset + i]!);
  return v;
}

/** The field covering byte `offset`, if any. */
export function fieldAt(fields: readonly ConfigField[], offset: number): ConfigField | undefined {
  return fields.find((f) => offset >= f.offset && offset < f.offset + f.size);
}

/** The field named `name`, if any. */
export function fieldByName(fields: readonly ConfigField[], name: string): ConfigField | undefined {
  return fields.find((f) => f.name === name);
}

/** Total size of a layout: end of its last field. */
export function layoutSize(fields: readonly ConfigField[]): number {
  return fields.reduce((end, f) => Math.max(end, f.offset + f.size), 0);
}

/** Formats a 6-byte MAC held as a little-endian value (byte 0 = lowest byte) as `52:54:00:12:34:56`. */
export function formatMacValue(v: bigint): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push(Number((v >> BigInt(8 * i)) & 0xffn).toString(16).padStart(2, '0'));
  return parts.join(':');
}

export { hex } from '../wire/hex';
