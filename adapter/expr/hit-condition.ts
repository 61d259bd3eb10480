/**
 * Hit conditions of breakpoints (DAP `hitCondition`): "5" or "== 5" stop on the 5th hit, ">= 5" from the
 * 5th on, "> 5", "< 5", "<= 5", "% 3" every third hit.
 */
export type HitCondition = (hits: number) => boolean;

export function parseHitCondition(text: string): HitCondition | string {
  const m = /^\s*(==|>=|>|<=|<|%)?\s*(\d+)\s*$/.exec(text);
  if (!m) return `hit condition "${text}" is not understood: use N, == N, >= N, > N, <= N, < N or % N`;
  const n = Number(m[2]);
  switch (m[1]) {
    case '>=':
      return (h) => h >= n;
    case '>':
      return (h) => h > n;
    case '<=':
      return (h) => h <= n;
    case '<':
      return (h) => h < n;
    case '%':
      return n === 0 ? 'hit condition "% 0" would never stop' : (h) => h % n === 0;
    default:
      return (h) => h === n;
  }
}

/** Thread-name globs of function breakpoints: `*` any run of characters, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}
