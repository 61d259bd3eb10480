// Names the process behind a front-end connection, so notes about a silent or misbehaving front end say who
// it was ("pid 4242 (qemu-system-x86), uid 1000") rather than only "connection 3".
import { readFileSync } from 'node:fs';
import type { NativeFd } from './native';

export function describePeer(native: NativeFd, fd: number): string | undefined {
  let peer;
  try {
    peer = native.socketPeer(fd);
  } catch {
    return undefined;
  }
  if (!peer) return undefined;
  return `pid ${peer.pid}${commandName(peer.pid)}, uid ${peer.uid}`;
}

// /proc/PID/comm: the program's name (15 bytes at most); gone when the peer has already exited.
function commandName(pid: number): string {
  try {
    const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    return name ? ` (${name})` : '';
  } catch {
    return '';
  }
}
