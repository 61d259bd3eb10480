/**
 * Raised inside the engine when a guest address does not map to guest memory. It never escapes the
 * engine: queue and device code catch it and turn it into a violation with a rule id.
 */
export class MemoryFault extends Error {
  constructor(
    readonly gpa: number,
    readonly length: number,
    readonly reason: 'unmapped' | 'overflow' | 'backing',
  ) {
    super(
      reason === 'overflow'
        ? `guest address 0x${gpa.toString(16)} + ${length} overflows`
        : reason === 'backing'
          ? `guest memory at 0x${gpa.toString(16)} (${length} bytes) could not be accessed`
          : `guest address range 0x${gpa.toString(16)}..+${length} is not in guest memory`,
    );
    this.name = 'MemoryFault';
  }
}

export function isMemoryFault(e: unknown): e is MemoryFault {
  return e instanceof MemoryFault;
}
