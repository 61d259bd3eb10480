// Node test-runner reporter: one line per test file, full detail for failures, and a final
// "N passed, N failed" summary line (skipped and todo tests are reported separately and never count as passed).
import { relative } from 'node:path';

function fmtError(err) {
  const e = err?.cause ?? err;
  if (!e) return '';
  const text = e.stack ?? e.message ?? String(e);
  return text.split('\n').slice(0, 25).join('\n');
}

export default async function* reporter(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures = [];
  const perFile = new Map();
  // Fuzz tests (test/fuzz/support/fuzz.ts) report "fuzz-cases N" as a diagnostic: summed per run.
  let fuzzCases = 0;
  for await (const event of source) {
    const d = event.data ?? {};
    if (event.type === 'test:diagnostic') {
      const m = /^fuzz-cases (\d+)$/.exec(d.message ?? '');
      if (m) fuzzCases += Number(m[1]);
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') {
      if (event.type === 'test:stderr' || event.type === 'test:stdout') {
        if (process.env.TEST_VERBOSE) yield d.message;
      }
      continue;
    }
    const isSuite = d.details?.type === 'suite';
    const file = d.file ? relative(process.cwd(), d.file) : '?';
    const stats = perFile.get(file) ?? { passed: 0, failed: 0, ms: 0 };
    perFile.set(file, stats);
    if (d.nesting === 0) stats.ms += d.details?.duration_ms ?? 0;
    if (isSuite) continue;
    if (d.skip || d.todo) {
      skipped++;
      failures.push(`SKIPPED (not allowed): ${file} › ${d.name}`);
      continue;
    }
    if (event.type === 'test:pass') {
      passed++;
      stats.passed++;
    } else {
      // A failing file-level wrapper (e.g. a crash while loading) has no leaf tests: count it once.
      failed++;
      stats.failed++;
      failures.push(`FAIL ${file} › ${d.name}\n${fmtError(d.details?.error)}`);
    }
  }
  for (const [file, s] of perFile) {
    yield `${s.failed ? '✗' : '✓'} ${file}  ${s.passed} passed${s.failed ? `, ${s.failed} failed` : ''}  (${(s.ms / 1000).toFixed(1)} s)\n`;
  }
  for (const f of failures) yield `\n${f}\n`;
  if (skipped) yield `\n${skipped} skipped (a skipped test is a failure here)\n`;
  if (fuzzCases) yield `\nfuzz: ${fuzzCases} cases\n`;
  yield `\n${passed} passed, ${failed + skipped} failed\n`;
}
