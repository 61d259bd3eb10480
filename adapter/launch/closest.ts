/** "Did you mean": the candidates nearest to a misspelt name (edit distance, ties in catalogue order). */

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

export function closest(name: string, candidates: readonly string[], n: number): string[] {
  const lower = name.toLowerCase();
  return candidates
    .map((c, i) => ({ c, i, d: distance(lower, c) }))
    .sort((x, y) => x.d - y.d || x.i - y.i)
    .slice(0, n)
    .map((x) => x.c);
}
