// The fuzzers' runner: fast-check with a seed printed on failure (replay it with FUZZ_SEED=<seed>
// FUZZ_PATH=<path>), and a case count every fuzz test reports to the test reporter, which prints the total.
// FUZZ_SCALE multiplies every run count (0.01 for a quick look, 10 for a long night).
import { type TestContext } from 'node:test';
import fc from 'fast-check';

const SCALE = Number(process.env.FUZZ_SCALE ?? 1);

/** The diagnostic line the reporter (test/support/reporter.mjs) sums into "fuzz: N cases". */
export const FUZZ_DIAGNOSTIC = 'fuzz-cases';

/** Runs `property` `runs` times (scaled) and reports how many cases ran; a failure names seed and path. */
export function fuzz<T>(t: TestContext, runs: number, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void {
  const numRuns = Math.max(1, Math.round(runs * SCALE));
  const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : undefined;
  const path = process.env.FUZZ_PATH;
  const details = fc.check(
    fc.property(arb, (v) => {
      predicate(v);
    }),
    { numRuns, ...(seed !== undefined ? { seed } : {}), ...(path ? { path, endOnFailure: true } : {}) },
  );
  t.diagnostic(`${FUZZ_DIAGNOSTIC} ${details.numRuns}`);
  if (details.failed) {
    const replay = `FUZZ_SEED=${details.seed} FUZZ_PATH=${JSON.stringify(details.counterexamplePath ?? '')}`;
    throw new Error(`fuzz "${t.name}" failed after ${details.numRuns} cases; replay with ${replay} node test/run.mjs <file>\n${fc.defaultReportMessage(details) ?? ''}`);
  }
}

/** fuzz() for an asynchronous property. */
export async function fuzzAsync<T>(t: TestContext, runs: number, arb: fc.Arbitrary<T>, predicate: (v: T) => Promise<void>): Promise<void> {
  const numRuns = Math.max(1, Math.round(runs * SCALE));
  const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : undefined;
  const path = process.env.FUZZ_PATH;
  const details = await fc.check(fc.asyncProperty(arb, predicate), { numRuns, ...(seed !== undefined ? { seed } : {}), ...(path ? { path, endOnFailure: true } : {}) });
  t.diagnostic(`${FUZZ_DIAGNOSTIC} ${details.numRuns}`);
  if (details.failed) {
    const replay = `FUZZ_SEED=${details.seed} FUZZ_PATH=${JSON.stringify(details.counterexamplePath ?? '')}`;
    throw new Error(`fuzz "${t.name}" failed after ${details.numRuns} cases; replay with ${replay} node test/run.mjs <file>\n${fc.defaultReportMessage(details) ?? ''}`);
  }
}
