// End of a hostile run: the serve process is still alive after every scenario and exits 0 on SIGTERM.
import assert from 'node:assert/strict';
import { type ServeProcess } from './serve-process';

export async function checkedStop(p: ServeProcess | undefined): Promise<void> {
  if (!p) return;
  const alive = p.alive();
  const code = await p.stop();
  assert.equal(alive, true, `serve ${p.kind} survived the suite`);
  assert.equal(code, 0, `serve ${p.kind} exits 0 on SIGTERM`);
}
