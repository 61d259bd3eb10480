/**
 * Diagnostics only where the text alone proves a misuse — never guesses. The bit-number / mask checks
 * need evidence that the file uses the Linux uapi names (see uapiEvidence):
 * - `feature-bit-as-mask`: a C feature name is a bit NUMBER (VIRTIO_NET_F_MRG_RXBUF = 15); `features &
 *   VIRTIO_NET_F_MRG_RXBUF` tests bits 0–3. Same for the packed-ring bit numbers (VRING_PACKED_DESC_F_AVAIL).
 * - `mask-as-bit-number`: flags are MASKS (VRING_DESC_F_WRITE = 2); `1 << VRING_DESC_F_WRITE` is INDIRECT.
 * - `shift-overflow`: `1 << VIRTIO_F_VERSION_1` shifts a 32-bit int by 32 (undefined in C).
 * - `wrong-device-feature`: a blk feature tested in a driver whose id table lists only net devices (or the
 *   reverse), or both devices' features in one feature table.
 * - `config-field-gate`: `virtio_cread_feature(vdev, F, struct virtio_X_config, field, ...)` where F is not a
 *   feature that makes `field` exist.
 */
import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver';
import { type ConstantInfo, featureByBit, featureByName } from '../engine/spec-tables';
import { type Analysis } from './analysis';
import { type DocumentDevice, documentDevice } from './document-device';
import { type SymbolIndex } from './symbol-index';
import { type Token } from './tokenizer';
import { callAround, enclosingOpen, isPunct } from './token-walk';

export const DIAGNOSTIC_SOURCE = 'virtio';

/**
 * Operators that bind tighter than `&`, `|`, `^`, `<<`: a name next to one is not a direct operand
 * (`x & VIRTIO_F_VERSION_1 % 32`, `1 << (A + B)`). After the name, `(` and `[` make it a call or an index.
 */
const TIGHTER_BEFORE = ['*', '/', '%', '+', '-', '<<', '>>', '.', '->', '::', '~', '!'];
const TIGHTER_AFTER = ['*', '/', '%', '+', '-', '<<', '>>', '.', '->', '::', '(', '['];
const BIT_OPS = ['&', '|', '^', '&=', '|=', '^='];
const MASK_KINDS = new Set<ConstantInfo['kind']>(['status', 'ring-flag', 'net-hdr-flag', 'net-status', 'pci-isr', 'mmio-interrupt', 'net-hash-type']);
const FEATURE_BIT_CALLS = /^(virtio_has_feature|__virtio_test_bit|__virtio_set_bit|__virtio_clear_bit|virtio_cread_feature|virtio_cread_le_feature)$/;
const BIT_MACROS = /^(BIT|BIT_ULL|_BITUL|_BITULL)$/;

/** True if `t` ends an operand, so the punctuation after it is a binary operator. */
function endsOperand(t: Token | undefined): boolean {
  return t !== undefined && (t.kind === 'ident' || t.kind === 'number' || isPunct(t, ')', ']'));
}

function startsOperand(t: Token | undefined): boolean {
  return t !== undefined && (t.kind === 'ident' || t.kind === 'number' || isPunct(t, '(', '~', '!'));
}

interface Ctx {
  readonly tokens: readonly Token[];
  readonly index: SymbolIndex;
  readonly analysis: Analysis;
  readonly device: DocumentDevice;
  /** The file uses the Linux uapi meaning of the names (feature names are bit numbers). */
  readonly linux: boolean;
  /** Names the file defines itself (`#define VIRTIO_NET_F_CSUM 0x1`, Rust `const`): their value is the file's. */
  readonly redefined: ReadonlySet<string>;
  readonly out: Diagnostic[];
}

/**
 * Whether the names mean what the Linux uapi headers say: FreeBSD and some custom drivers define the same
 * feature names as masks, so bit-number/mask diagnostics need evidence — a `linux/virtio*.h` include
 * (kernel, QEMU standard-headers), a call to a Linux API that takes bit numbers, or Rust `virtio_bindings`.
 */
function uapiEvidence(analysis: Analysis): { linux: boolean; redefined: Set<string> } {
  const { tokens } = analysis;
  let linux = analysis.includes.some((h) => /(^|\/)linux\/virtio\w*\.h$/.test(h));
  const redefined = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'ident') continue;
    if (FEATURE_BIT_CALLS.test(t.text) && isPunct(tokens[i + 1], '(')) linux = true;
    if (t.text === 'virtio_bindings' && analysis.lang === 'rust') linux = true;
    const definer = analysis.lang === 'c' ? t.text === 'define' && isPunct(tokens[i - 1], '#') : t.text === 'const';
    if (definer && tokens[i + 1]?.kind === 'ident') redefined.add(tokens[i + 1]!.text);
  }
  return { linux, redefined };
}

export function diagnose(analysis: Analysis, index: SymbolIndex): Diagnostic[] {
  if (!analysis.mentionsVirtio) return [];
  const { tokens } = analysis;
  const ctx: Ctx = { tokens, index, analysis, device: documentDevice(tokens, index), ...uapiEvidence(analysis), out: [] };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'ident' || isPunct(tokens[i - 1], '::') || isPunct(tokens[i + 1], '::')) continue;
    if (t.text.startsWith('virtio_cread') && isPunct(tokens[i + 1], '(')) configGate(ctx, i);
    const hit = index.lookup(t.text).find((h) => h.style === 'c');
    if (!hit || ctx.redefined.has(t.text)) continue;
    const info = hit.info;
    if (info.kind === 'feature') wrongDevice(ctx, i, info);
    if (!ctx.linux) continue;
    if (info.kind === 'feature' || info.kind === 'ring-bit-number') {
      bitNumberAsMask(ctx, i, info);
      if (info.kind === 'feature') shiftOverflow(ctx, i, info);
    } else if (MASK_KINDS.has(info.kind) && !(info.kind === 'ring-flag' && info.group === 'event')) {
      maskAsBitNumber(ctx, i, info);
    }
  }
  featureTablesMixingDevices(ctx);
  return ctx.out;
}

function report(ctx: Ctx, t: Token, code: string, message: string, severity: DiagnosticSeverity = DiagnosticSeverity.Error): void {
  const doc = ctx.analysis.doc;
  if (ctx.out.some((d) => d.code === code && doc.offsetAt(d.range.start) === t.start)) return;
  ctx.out.push({ range: { start: doc.positionAt(t.start), end: doc.positionAt(t.end) }, severity, source: DIAGNOSTIC_SOURCE, code, message });
}

function bitNumberAsMask(ctx: Ctx, i: number, info: ConstantInfo): void {
  const { tokens } = ctx;
  const before = tokens[i - 1];
  const after = tokens[i + 1];
  // `x & CONST`, `x |= CONST`: the right operand of a binary bitwise operator.
  const right = isPunct(before, ...BIT_OPS) && endsOperand(tokens[i - 2]) && !isPunct(after, ...TIGHTER_AFTER);
  // `CONST | x`: the left operand.
  const left = isPunct(after, '&', '|', '^') && !isPunct(before, ...TIGHTER_BEFORE) && startsOperand(tokens[i + 2]);
  // `~CONST`: an inverted mask.
  const inverted = isPunct(before, '~');
  if (!right && !left && !inverted) return;
  const what = info.kind === 'feature' ? 'a feature bit number' : 'a bit number';
  const fix = info.kind === 'feature' ? `virtio_has_feature(vdev, ${info.name}) or (1ULL << ${info.name})` : `(1 << ${info.name})`;
  report(
    ctx, tokens[i]!, 'feature-bit-as-mask',
    `${info.name} is ${what} (${info.value}), not a mask: used with a bitwise operator it tests or sets the bits of the value ${info.value}. Use ${fix}. (§${info.section})`,
  );
}

function maskAsBitNumber(ctx: Ctx, i: number, info: ConstantInfo): void {
  const { tokens } = ctx;
  const shifted = isPunct(tokens[i - 1], '<<') && endsOperand(tokens[i - 2]) && !isPunct(tokens[i + 1], ...TIGHTER_AFTER);
  const call = isPunct(tokens[i - 1], '(') && isPunct(tokens[i + 1], ')') ? tokens[i - 2] : undefined;
  const bitMacro = call?.kind === 'ident' && BIT_MACROS.test(call.text);
  if (!shifted && !bitMacro) return;
  const shiftedValue = info.value < 31 ? `0x${(2 ** info.value).toString(16)}` : `bit ${info.value}`;
  report(
    ctx, tokens[i]!, 'mask-as-bit-number',
    `${info.name} is already a mask (0x${info.value.toString(16)}), not a bit number: shifting by it gives ${shiftedValue}. Use ${info.name} directly. (§${info.section})`,
  );
}

function shiftOverflow(ctx: Ctx, i: number, info: ConstantInfo): void {
  const { tokens, analysis } = ctx;
  if (info.value < 32 || !isPunct(tokens[i - 1], '<<') || isPunct(tokens[i + 1], ...TIGHTER_AFTER)) return;
  const one = tokens[i - 2];
  if (one?.kind !== 'number' || isPunct(tokens[i - 3], ...TIGHTER_BEFORE)) return;
  // A 32-bit left operand: C int / unsigned (no L suffix), Rust with an explicit 32-bit (or smaller) suffix.
  const narrow = analysis.lang === 'c' ? /^[0-9]+[uU]?$|^0[xX][0-9a-fA-F]+[uU]?$/.test(one.text) : /(u8|u16|u32|i8|i16|i32)$/.test(one.text);
  if (!narrow) return;
  report(
    ctx, tokens[i]!, 'shift-overflow',
    `${info.name} is bit ${info.value}: \`${one.text} << ${info.name}\` shifts a 32-bit value by ${info.value} (undefined behaviour). Use 1ULL << ${info.name} or virtio_has_feature(). (§${info.section})`,
  );
}

/** Is the feature constant at `i` used as a feature (tested, set, in a mask or a feature table)? */
function featureUse(ctx: Ctx, i: number): boolean {
  const { tokens } = ctx;
  const call = callAround(tokens, i);
  if (call && FEATURE_BIT_CALLS.test(call.name) && call.argIndex === 1 && call.args[1]![0] === i && call.args[1]![1] === i) return true;
  if (isPunct(tokens[i - 1], '<<') && !isPunct(tokens[i + 1], ...TIGHTER_AFTER)) return true;
  if (call && BIT_MACROS.test(call.name) && call.args.length === 1) return true;
  return inInitializerList(tokens, i);
}

/** `= { A, B, C }`: the token at `i` is an element of a brace initializer list. */
function inInitializerList(tokens: readonly Token[], i: number): boolean {
  if (!isPunct(tokens[i - 1], '{', ',') || !isPunct(tokens[i + 1], '}', ',')) return false;
  const brace = enclosingOpen(tokens, i, ['{']);
  return brace > 0 && isPunct(tokens[brace - 1], '=');
}

function wrongDevice(ctx: Ctx, i: number, info: ConstantInfo): void {
  const declared = ctx.device.declared;
  if (!declared || (info.device !== 'net' && info.device !== 'blk') || info.device === declared || !featureUse(ctx, i)) return;
  const clash = featureByBit(declared, info.value);
  const means = clash ? `; on a ${declared} device bit ${info.value} is ${clash.name}` : '';
  report(
    ctx, ctx.tokens[i]!, 'wrong-device-feature',
    `${info.name} is a virtio-${info.device} feature (bit ${info.value}), but this driver's id table binds only ${declared} devices (${ctx.device.declaredBy})${means}. (§${info.section})`,
  );
}

/** Feature initializer lists (`static unsigned int features[] = { ... }`) naming both net and blk features. */
function featureTablesMixingDevices(ctx: Ctx): void {
  if (ctx.device.declared) return; // wrongDevice already judged every entry against the declared device
  const { tokens, index } = ctx;
  const lists = new Map<number, { i: number; device: 'net' | 'blk' }[]>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'ident') continue;
    const info = index.lookup(t.text).find((h) => h.style === 'c' && h.info.kind === 'feature')?.info;
    if (!info || (info.device !== 'net' && info.device !== 'blk') || !inInitializerList(tokens, i)) continue;
    const brace = enclosingOpen(tokens, i, ['{']);
    lists.set(brace, [...(lists.get(brace) ?? []), { i, device: info.device }]);
  }
  for (const entries of lists.values()) {
    const net = entries.filter((e) => e.device === 'net');
    const blk = entries.filter((e) => e.device === 'blk');
    if (net.length === 0 || blk.length === 0) continue;
    const [majority, minority] = net.length >= blk.length ? ['net', blk] : ['blk', net];
    for (const e of minority) {
      const name = tokens[e.i]!.text;
      report(ctx, tokens[e.i]!, 'wrong-device-feature', `${name} is a virtio-${e.device} feature, in a feature table of virtio-${majority} features: no device has both.`);
    }
  }
}

/** `virtio_cread_feature(vdev, FEATURE, struct virtio_X_config, field, &v)`: FEATURE must gate `field`. */
function configGate(ctx: Ctx, i: number): void {
  const { tokens, index } = ctx;
  if (!/^virtio_cread(_le)?_feature$/.test(tokens[i]!.text)) return;
  const call = callAround(tokens, i + 2);
  if (!call || call.args.length < 4) return;
  const [fa, fb] = call.args[1]!;
  const [sa, sb] = call.args[2]!;
  const [ma, mb] = call.args[3]!;
  if (fa !== fb || sb !== sa + 1 || tokens[sa]?.text !== 'struct') return;
  const feature = featureByName(tokens[fa]!.text);
  const member = tokens
    .slice(ma, mb + 1)
    .map((t) => t.text)
    .join('');
  const field = index.lookup(`${tokens[sb]!.text}.${member}`)[0]?.info;
  if (!feature || !field?.features?.length || field.features.includes(feature.short)) return;
  report(
    ctx, tokens[fa]!, 'config-field-gate',
    `${field.name} exists only if ${field.features.join(' or ')} is offered; ${feature.name} does not make it present. (§${field.section})`,
  );
}
