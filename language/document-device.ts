/**
 * Which device a source file drives, when the file says so itself:
 * - `declared`: the Linux driver's `struct virtio_device_id` table lists exactly one device type
 *   (`{ VIRTIO_ID_NET, VIRTIO_DEV_ANY_ID }`): the driver binds to nothing else, so a feature of another
 *   device tested in this file is certainly wrong.
 * - `inferred`: the file names constants of exactly one device (VIRTIO_NET_* but no VIRTIO_BLK_*), used only
 *   to decode feature-bit literals, never for diagnostics.
 */
import { type FeatureDevice } from '../engine/spec-tables';
import { type Token } from './tokenizer';
import { isIdent, isPunct, matchingClose } from './token-walk';
import { type SymbolIndex } from './symbol-index';

export interface DocumentDevice {
  readonly declared: 'net' | 'blk' | undefined;
  /** The device-id constant that declared it (`VIRTIO_ID_NET`), for messages. */
  readonly declaredBy: string | undefined;
  readonly inferred: 'net' | 'blk' | undefined;
}

/** The feature table (net / blk) of a device-id constant; the device-id table does not say which it is. */
function featureDeviceOfId(name: string, index: SymbolIndex): 'net' | 'blk' | undefined {
  const info = index.lookup(name).find((h) => h.info.kind === 'device-id')?.info;
  if (info?.name === 'VIRTIO_ID_NET') return 'net';
  if (info?.name === 'VIRTIO_ID_BLOCK') return 'blk';
  return undefined;
}

export function documentDevice(tokens: readonly Token[], index: SymbolIndex): DocumentDevice {
  let declared: 'net' | 'blk' | undefined;
  let declaredBy: string | undefined;
  let ambiguous = false;
  const seen = new Set<FeatureDevice>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'ident') continue;
    if (t.text === 'virtio_device_id' && !ambiguous) {
      const ids = idTable(tokens, i, index);
      if (ids) {
        const kinds = new Set(ids.map((id) => id.device));
        if (kinds.size === 1 && !ids.some((id) => id.device === undefined)) {
          if (declared && declared !== ids[0]!.device) ambiguous = true;
          declared = ids[0]!.device;
          declaredBy = ids[0]!.name;
        } else {
          ambiguous = true;
        }
      }
    }
    for (const h of index.lookup(t.text)) {
      if (h.info.device === 'net' || h.info.device === 'blk') seen.add(h.info.device);
    }
  }
  const inferred = seen.size === 1 ? ([...seen][0] as 'net' | 'blk') : undefined;
  return ambiguous ? { declared: undefined, declaredBy: undefined, inferred } : { declared, declaredBy, inferred };
}

/** The entries of `struct virtio_device_id name[] = { { VIRTIO_ID_X, ... }, { 0 } }` starting at token `i`. */
function idTable(tokens: readonly Token[], i: number, index: SymbolIndex): { name: string; device: 'net' | 'blk' | undefined }[] | undefined {
  let k = i + 1;
  // `virtio_device_id id_table[] = {`: a few tokens until `= {`.
  while (k < tokens.length && k - i < 8 && !isPunct(tokens[k], '=', ';', '{', '(')) k++;
  if (!isPunct(tokens[k], '=') || !isPunct(tokens[k + 1], '{')) return undefined;
  const close = matchingClose(tokens, k + 1);
  if (close < 0) return undefined;
  const out: { name: string; device: 'net' | 'blk' | undefined }[] = [];
  for (let j = k + 2; j < close; j++) {
    // The device id is the first member of an entry (`{ VIRTIO_ID_NET, VIRTIO_DEV_ANY_ID }`) or `.device = X`.
    const first = isPunct(tokens[j - 1], '{');
    const designated = isPunct(tokens[j - 1], '=') && isIdent(tokens[j - 2], 'device') && isPunct(tokens[j - 3], '.');
    if (!(first || designated) || !isIdent(tokens[j])) continue;
    const name = tokens[j]!.text;
    out.push({ name, device: featureDeviceOfId(name, index) });
  }
  return out.length > 0 ? out : undefined;
}
