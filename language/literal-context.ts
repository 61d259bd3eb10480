/**
 * Recognises numeric literals whose meaning is certain from the surrounding text, so that they can be
 * decoded (inlay hint, hover). Conservative on purpose: a context names its target explicitly — a status
 * setter or the status register, a member called `flags` of something called `desc`/`avail`/`used`, a
 * `gso_type`, a blk request header `type`, a bitflags constructor `DescFlags::from_bits(3)` — and the
 * literal is the whole value (`status = 0xf`, not `status = 0xf & mask`).
 */
import { MMIO_REGISTERS, PCI_COMMON_CFG, type FeatureDevice, type RingFlagKind } from '../engine/spec-tables';
import { type SourceLanguage, type Token } from './tokenizer';
import { objectName } from './resolve';
import { callAround, enclosingOpen, isIdent, isPunct, rangeHasIdent } from './token-walk';

export type LiteralContext =
  | { readonly kind: 'status' }
  | { readonly kind: 'ring-flags'; readonly ring: RingFlagKind }
  | { readonly kind: 'net-hdr-flags' }
  | { readonly kind: 'gso-type' }
  | { readonly kind: 'blk-type' }
  | { readonly kind: 'blk-status' }
  | { readonly kind: 'ctrl-class' }
  | { readonly kind: 'ctrl-command'; readonly classValue: number }
  /** A feature bit NUMBER (virtio_has_feature(vdev, 15)); device undefined: not known from the file. */
  | { readonly kind: 'feature-bit'; readonly device: FeatureDevice | undefined }
  /** A feature MASK (Rust `Features::from_bits(0x8000)`). */
  | { readonly kind: 'feature-mask'; readonly device: FeatureDevice };

/** What the recognisers need besides the tokens. */
export interface ContextEnv {
  readonly lang: SourceLanguage;
  /** The device the file drives, if the file says so (id_table, or constants of one device only). */
  readonly device: FeatureDevice | undefined;
  /** Value of a named constant (for `virtnet_send_command(vi, VIRTIO_NET_CTRL_MQ, 0, ...)`). */
  readonly valueOf: (name: string) => number | undefined;
}

/** Names of the device status register: MMIO `Status` and PCI `device_status` from the tables, plus legacy PCI. */
const STATUS_REGISTERS = new Set<string>([
  ...MMIO_REGISTERS.filter((r) => r.name === 'Status').map((r) => r.constant),
  ...PCI_COMMON_CFG.filter((r) => r.name === 'device_status').flatMap((r) => [r.constant, r.name]),
  'VIRTIO_PCI_STATUS', // legacy PCI I/O register (virtio_pci_legacy.h); not in the spec tables
]);
/** The status member of struct virtio_pci_common_cfg. */
const STATUS_MEMBER = 'device_status';

/** Functions whose last argument is a device status value (Linux config ops and transports, Rust Transport). */
const STATUS_SETTERS = /^(set_status|vp_set_status|vp_modern_set_status|vp_legacy_set_status|vm_set_status|virtio_add_status|add_status|write_status|set_device_status)$/;
/** Register write helpers: the value is the first argument (Linux writeX(value, addr), iowriteX(value, addr)). */
const REGISTER_WRITES = /^(write[bwlq]|write[bwlq]_relaxed|iowrite(8|16|32)|vp_iowrite(8|16|32)|out[bwl]|__raw_write[bwlq])$/;
/** Feature-bit functions: the second argument is a feature bit number. */
const FEATURE_BIT_CALLS = /^(virtio_has_feature|__virtio_test_bit|__virtio_set_bit|__virtio_clear_bit|virtio_cread_feature|virtio_cread_le_feature)$/;
/** Endianness conversions a literal is wrapped in: the value passes through unchanged. */
const WRAPPERS = /^(__)?cpu_to_(le|be|virtio|vhost)(16|32|64)$/;
/** C casts a literal is wrapped in. */
const CAST_TYPES = /^((__)?(u|s|le|be|virtio)(8|16|32|64)|uint(8|16|32|64)_t|unsigned|int|u_int(8|16|32)_t)$/;
/** Rust bitflags constructors. */
const FROM_BITS = /^(from_bits|from_bits_truncate|from_bits_retain|from_bits_unchecked)$/;
/** Rust bitflags types of virtio-drivers and what they hold. */
const RUST_FLAG_TYPES: Record<string, LiteralContext> = {
  DeviceStatus: { kind: 'status' },
  DescFlags: { kind: 'ring-flags', ring: 'desc' },
  Features: { kind: 'feature-mask', device: 'net' },
  BlkFeature: { kind: 'feature-mask', device: 'blk' },
  Feature: { kind: 'feature-mask', device: 'transport' },
};

/** Tokens that may follow a complete value (`= 3;`, `flags: 3,`, `f(x, 3)`). */
const VALUE_END = [';', ',', ')', '}'];
/** ... and, after a bit test (`flags & 1`), the end of a condition. */
const TEST_END = [...VALUE_END, '&&', '||', '?'];

/** The context of the number token at `i`, or undefined when its meaning is not certain. */
export function literalContext(tokens: readonly Token[], i: number, env: ContextEnv): LiteralContext | undefined {
  const lit = tokens[i];
  if (lit?.kind !== 'number' || lit.value === undefined) return undefined;
  const [a, b] = valueUnit(tokens, i);
  const before = tokens[a - 1];
  const after = tokens[b + 1];

  // `target = L`, `target |= L`, `target == L`, `target & L`
  if (isPunct(before, '=', '|=', '==', '!=', '&', '&=') && tokens[a - 2]?.kind === 'ident') {
    const bitTest = isPunct(before, '&', '&=');
    if (!isPunct(after, ...(bitTest ? TEST_END : VALUE_END))) return undefined;
    const ctx = memberTarget(tokens, a - 2);
    if (ctx && (!bitTest || isBitSet(ctx))) return ctx;
    return undefined;
  }
  // Rust struct literal `Descriptor { addr, len: 16, flags: 3, next: 0 }` (in C, `flags : 3` is a bit-field width)
  if (env.lang === 'rust' && isPunct(before, ':') && tokens[a - 2]?.kind === 'ident' && isPunct(after, ',', '}')) {
    return fieldInBraces(tokens, a - 2);
  }
  if (isPunct(before, '(', ',') && isPunct(after, ',', ')')) return callArgument(tokens, i, a, b, env);
  return undefined;
}

function isBitSet(ctx: LiteralContext): boolean {
  return ctx.kind === 'status' || ctx.kind === 'net-hdr-flags' || (ctx.kind === 'ring-flags' && ctx.ring !== 'event');
}

/**
 * The tokens [a, b] of the value around the literal at `i`: the literal itself, or a wrapper around it —
 * `cpu_to_virtio16(vdev, 3)`, `cpu_to_le16(3)`, `(u16)3`, Rust `3 as u16`.
 */
function valueUnit(tokens: readonly Token[], i: number): [number, number] {
  let a = i;
  let b = i;
  if (isIdent(tokens[b + 1], 'as') && tokens[b + 2]?.kind === 'ident') b += 2;
  if (isPunct(tokens[a - 1], ')') && isIdent(tokens[a - 2]) && CAST_TYPES.test(tokens[a - 2]!.text) && isPunct(tokens[a - 3], '(')) a -= 3;
  if (isPunct(tokens[b + 1], ')')) {
    const call = callAround(tokens, a);
    if (call && WRAPPERS.test(call.name) && call.argIndex === call.args.length - 1 && call.args[call.argIndex]![0] === a) {
      return [call.open - 1, call.args[call.argIndex]![1] + 1];
    }
  }
  return [a, b];
}

/** The context given by an assignment / comparison target ending at token `f` (the member name). */
function memberTarget(tokens: readonly Token[], f: number): LiteralContext | undefined {
  const field = tokens[f]!.text;
  const op = tokens[f - 1];
  if (isPunct(op, '->', '.')) {
    if (isPunct(op, '.') && isPunct(tokens[f - 2], '{', ',')) return fieldInBraces(tokens, f); // designated initializer
    return fieldOf(field, objectName(tokens, f - 2));
  }
  return undefined;
}

/** The context of member `field` of an object called `object`. */
function fieldOf(field: string, object: string | undefined): LiteralContext | undefined {
  if (field === STATUS_MEMBER) return { kind: 'status' };
  if (object === undefined) return undefined;
  if (field === 'flags') {
    if (/desc/i.test(object)) return { kind: 'ring-flags', ring: /packed/i.test(object) ? 'packed-desc' : 'desc' };
    if (/avail$/i.test(object)) return { kind: 'ring-flags', ring: 'avail' };
    if (/used$/i.test(object)) return { kind: 'ring-flags', ring: 'used' };
    if (/event$/i.test(object)) return { kind: 'ring-flags', ring: 'event' };
    if (/hdr$/i.test(object) && !/blk|out_?hdr|in_?hdr/i.test(object)) return { kind: 'net-hdr-flags' };
  }
  if (field === 'gso_type' && /hdr/i.test(object)) return { kind: 'gso-type' };
  if ((field === 'type' || field === 'type_') && /(^|_)(out_?hdr|blk_?req|blk_?outhdr)$/i.test(object)) return { kind: 'blk-type' };
  if (field === 'status' && /(^|_)(in_?hdr|blk_?resp)$/i.test(object)) return { kind: 'blk-status' };
  if (field === 'class' && /ctrl/i.test(object)) return { kind: 'ctrl-class' };
  return undefined;
}

/**
 * `{ .flags = 3 }` (C) or `Name { flags: 3 }` (Rust): the structure is named by the identifiers just before
 * the enclosing brace (`struct vring_desc d = {`, `Descriptor {`), or before the outer brace of an array of
 * initializers.
 */
function fieldInBraces(tokens: readonly Token[], f: number): LiteralContext | undefined {
  let brace = enclosingOpen(tokens, f, ['{']);
  for (let level = 0; level < 2 && brace > 0 && isPunct(tokens[brace - 1], '{', ','); level++) {
    brace = enclosingOpen(tokens, brace, ['{'], true);
  }
  if (brace < 1) return undefined;
  // The type or variable name: the identifiers among the few tokens before the brace.
  for (let k = brace - 1; k >= Math.max(0, brace - 5); k--) {
    const t = tokens[k]!;
    if (isPunct(t, ';', '{', '}', ')')) break;
    if (t.kind !== 'ident' || t.text === 'struct' || t.text === 'static' || t.text === 'const') continue;
    const ctx = fieldOf(tokens[f]!.text, t.text);
    if (ctx) return ctx;
  }
  return undefined;
}

function callArgument(tokens: readonly Token[], i: number, a: number, b: number, env: ContextEnv): LiteralContext | undefined {
  const call = callAround(tokens, i);
  if (!call) return undefined;
  const [argStart, argEnd] = call.args[call.argIndex]!;
  if (argStart !== a || argEnd !== b) return undefined; // the literal must be the whole argument
  const last = call.argIndex === call.args.length - 1;
  if (call.qualifier && FROM_BITS.test(call.name) && call.args.length === 1) return RUST_FLAG_TYPES[call.qualifier];
  if (!call.qualifier && call.args.length === 1 && RUST_FLAG_TYPES[call.name]?.kind === 'status') return { kind: 'status' }; // DeviceStatus(0xf)
  if (STATUS_SETTERS.test(call.name) && last) return { kind: 'status' };
  if (FEATURE_BIT_CALLS.test(call.name) && call.argIndex === 1) return { kind: 'feature-bit', device: env.device };
  if (REGISTER_WRITES.test(call.name) && call.argIndex === 0) {
    const register = call.args.some((r, k) => k !== 0 && rangeHasIdent(tokens, r, (n) => STATUS_REGISTERS.has(n)));
    return register ? { kind: 'status' } : undefined;
  }
  if (/^virtnet_send_command(_reply)?$/.test(call.name)) {
    if (call.argIndex === 1) return { kind: 'ctrl-class' };
    if (call.argIndex === 2) {
      const classValue = constantValue(tokens, call.args[1]!, env);
      return classValue === undefined ? undefined : { kind: 'ctrl-command', classValue };
    }
  }
  return undefined;
}

/** The value of a one-token argument: a literal or a known constant name. */
function constantValue(tokens: readonly Token[], [a, b]: readonly [number, number], env: ContextEnv): number | undefined {
  if (a !== b) return undefined;
  const t = tokens[a]!;
  if (t.kind === 'number' && t.value !== undefined) return Number(t.value);
  return t.kind === 'ident' ? env.valueOf(t.text) : undefined;
}
