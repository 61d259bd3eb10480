/**
 * readMemory / writeMemory on guest memory. Memory references name the device whose guest memory they
 * point into ("blk0@0x80001000"); reads return the mapped prefix and count the rest as unreadable.
 */
import { type DebugProtocol } from '@vscode/debugprotocol';
import { type SessionRuntime } from '../runtime/session-runtime';
import { parseMemoryRef } from './scopes';

export function readGuestMemory(rt: SessionRuntime | undefined, args: DebugProtocol.ReadMemoryArguments): DebugProtocol.ReadMemoryResponse['body'] {
  const ref = parseMemoryRef(args.memoryReference);
  const device = ref && rt?.device(ref.device);
  if (!ref || !device) throw new Error(`unknown memory reference ${args.memoryReference}`);
  const start = ref.gpa + (args.offset ?? 0);
  const count = Math.min(args.count, 1 << 20);
  let n = count;
  while (n > 0 && !device.mem.isValid(start, n)) n = n > 4096 ? n - 4096 : n - 1;
  const bytes = n > 0 ? device.mem.peek(start, n)! : new Uint8Array(0);
  return {
    address: '0x' + start.toString(16),
    data: Buffer.from(bytes).toString('base64'),
    ...(n < count ? { unreadableBytes: count - n } : {}),
  };
}

export function writeGuestMemory(rt: SessionRuntime | undefined, args: DebugProtocol.WriteMemoryArguments): number {
  const ref = parseMemoryRef(args.memoryReference);
  const device = ref && rt?.device(ref.device);
  if (!ref || !device) throw new Error(`unknown memory reference ${args.memoryReference}`);
  const data = Buffer.from(args.data, 'base64');
  const start = ref.gpa + (args.offset ?? 0);
  if (!device.mem.isValid(start, data.length)) throw new Error(`0x${start.toString(16)}..+${data.length} is not in guest memory`);
  device.mem.write(start, new Uint8Array(data));
  return data.length;
}
