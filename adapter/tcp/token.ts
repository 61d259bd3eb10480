/**
 * The secret a TCP client of `virtio-debug dap --port N` must present (docs/security.md): generated at start,
 * or read from a file / the VIRTIO_DEBUG_TOKEN environment variable, and compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Environment variable that may hold the token (a file or a generated token take precedence / apply otherwise). */
export const TOKEN_ENV = 'VIRTIO_DEBUG_TOKEN';
/** Shorter secrets are refused: guessing must stay out of reach. */
export const MIN_TOKEN_LENGTH = 16;

export class TokenError extends Error {}

export interface AdapterToken {
  value: string;
  /** Where it came from, for the start-up line: a generated token is printed, a supplied one is not. */
  source: 'generated' | 'file' | 'env';
}

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

function checked(value: string, where: string): string {
  const v = value.trim();
  if (v.length < MIN_TOKEN_LENGTH) throw new TokenError(`the token in ${where} is ${v.length ? 'too short' : 'empty'}: use at least ${MIN_TOKEN_LENGTH} characters`);
  if (/\s/.test(v)) throw new TokenError(`the token in ${where} contains white space: use one word`);
  return v;
}

/** The token of this adapter: from `tokenFile` if given, else from the environment, else a new random one. */
export function loadToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv = process.env): AdapterToken {
  if (tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(tokenFile, 'utf8');
    } catch (e) {
      throw new TokenError(`cannot read the token file ${tokenFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return { value: checked(text, `the token file ${tokenFile}`), source: 'file' };
  }
  const fromEnv = env[TOKEN_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { value: checked(fromEnv, TOKEN_ENV), source: 'env' };
  return { value: generateToken(), source: 'generated' };
}

/**
 * Constant-time comparison: both sides are hashed first, so neither the length nor the position of the
 * first differing character shows in the time taken.
 */
export function tokenMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
