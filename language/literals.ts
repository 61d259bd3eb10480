/**
 * Numeric literals of a document that can be decoded: the recogniser (literal-context.ts) plus the decoder
 * (decode.ts), with the per-document facts they need computed once per document version.
 */
import { type Analysis } from './analysis';
import { decodeLiteral, type Decoded } from './decode';
import { documentDevice } from './document-device';
import { type ContextEnv, literalContext } from './literal-context';
import { type SymbolIndex } from './symbol-index';

const envs = new WeakMap<Analysis, ContextEnv>();

/** The recognisers' environment for a document: its language, its device, constant values by name. */
export function literalEnv(analysis: Analysis, index: SymbolIndex): ContextEnv {
  let env = envs.get(analysis);
  if (!env) {
    // A partial analysis takes the device from the last whole-document one: one window cannot tell.
    const base = analysis.partial?.base;
    if (base) {
      env = { ...literalEnv(base, index), lang: analysis.lang };
      envs.set(analysis, env);
      return env;
    }
    const device = documentDevice(analysis.tokens, index);
    env = {
      lang: analysis.lang,
      device: device.declared ?? device.inferred,
      valueOf: (name) => index.lookup(name).find((h) => h.style === 'c')?.info.value,
    };
    envs.set(analysis, env);
  }
  return env;
}

/** The decoding of the number token at `i`, if its context is certain; never in files that do not mention virtio. */
export function decodeAt(analysis: Analysis, i: number, index: SymbolIndex): Decoded | undefined {
  const tok = analysis.tokens[i];
  if (!analysis.mentionsVirtio || tok?.kind !== 'number' || tok.value === undefined) return undefined;
  const ctx = literalContext(analysis.tokens, i, literalEnv(analysis, index));
  return ctx ? decodeLiteral(ctx, tok.value) : undefined;
}
