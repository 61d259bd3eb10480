export { ArrayBufferBacking, type MemoryBacking } from './backing';
export { MemoryFault, isMemoryFault } from './fault';
export { GuestMemory, type MemoryRegion, type WriteObserver } from './guest-memory';
