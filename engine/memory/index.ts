export { ArrayBufferBacking, type MemoryBacking } from './backing';
export { MemoryFault, isMemoryFault } from './fault';
export { GuestMemory, type BorrowedMemory, type MemoryRegion, type WriteObserver } from './guest-memory';
export { MappedBacking, type MappingOps } from './mapped-backing';
