/** A demo scenario: one device type driven by the reference driver over the in-process transport. */
import { type RingLayout } from '../../protocol/trace';
import type { FaultPlan, Trace } from '../../engine';

export interface DemoContext {
  layout: RingLayout;
  count: number;
  trace: Trace;
  /** A deliberate violation to commit during this run. */
  fault?: FaultPlan;
  /** Prints a line of the scenario's own output (results, checks). */
  print: (line: string) => void;
}

export interface DemoResult {
  /** True when the run did what it should (without a fault: every request verified). */
  ok: boolean;
  summary: string;
}

export interface DemoScenario {
  name: string;
  title: string;
  run(ctx: DemoContext): Promise<DemoResult>;
  /** The violation the demo commits to show the debugger's report (defaults to a zero-length descriptor). */
  demoFault(layout: RingLayout): FaultPlan;
}
