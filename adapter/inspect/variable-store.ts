/**
 * Variable references for the Variables view: each expandable node is a lazily built list of children.
 * References are valid while the session stays stopped (DAP semantics) and dropped on continue.
 */
import { type DebugProtocol } from '@vscode/debugprotocol';

export type Children = () => DebugProtocol.Variable[];

export class VariableStore {
  private nodes = new Map<number, Children>();
  private next = 1;

  add(children: Children): number {
    const ref = this.next++;
    this.nodes.set(ref, children);
    return ref;
  }

  get(ref: number): DebugProtocol.Variable[] {
    const c = this.nodes.get(ref);
    return c ? c() : [];
  }

  reset(): void {
    this.nodes.clear();
  }
}

/** Number formatting for the hex/decimal toggle of the Variables view. */
export interface NumberFormat {
  hex: boolean;
}

export function fmtNum(v: number, f: NumberFormat): string {
  return f.hex ? '0x' + v.toString(16) : String(v);
}
