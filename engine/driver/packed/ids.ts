/**
 * Buffer ids of a packed ring (§2.8.6: the driver picks them; the device returns them in used descriptors).
 * Without IN_ORDER the free list is a stack, like Linux's desc_extra[].next chain, so ids are reused
 * most-recently-freed first. With IN_ORDER it is a FIFO: ids are handed out 0, 1, 2, ... modulo the queue
 * size, the order the device checks (packed-in-order-violation).
 */
export class BufferIds {
  private readonly ids: Int32Array;
  private head = 0;
  private n: number;

  constructor(
    private readonly size: number,
    private readonly fifo: boolean,
  ) {
    this.ids = new Int32Array(size);
    // Stack: top of stack is the end of the array, so store size-1 .. 0 to hand out 0 first.
    for (let i = 0; i < size; i++) this.ids[i] = fifo ? i : size - 1 - i;
    this.n = size;
  }

  get free(): number {
    return this.n;
  }

  /** The id take() would return, or -1 when none is free. */
  peek(): number {
    if (this.n === 0) return -1;
    return this.fifo ? this.ids[this.head]! : this.ids[this.n - 1]!;
  }

  take(): number {
    if (this.n === 0) return -1;
    if (!this.fifo) return this.ids[--this.n]!;
    const id = this.ids[this.head]!;
    this.head = (this.head + 1) % this.size;
    this.n--;
    return id;
  }

  /** Takes a specific free id (fault injection); returns false when it is not free. */
  takeSpecific(id: number): boolean {
    for (let k = 0; k < this.n; k++) {
      const i = this.fifo ? (this.head + k) % this.size : k;
      if (this.ids[i] !== id) continue;
      if (!this.fifo) {
        this.ids.copyWithin(k, k + 1, this.n);
        this.n--;
        return true;
      }
      // Shift the entries before it one place towards the tail, then drop the head.
      for (let j = k; j > 0; j--) this.ids[(this.head + j) % this.size] = this.ids[(this.head + j - 1) % this.size]!;
      this.head = (this.head + 1) % this.size;
      this.n--;
      return true;
    }
    return false;
  }

  /** Free ids in the order take() would hand them out (at most `max`). */
  list(max: number): number[] {
    const out: number[] = [];
    for (let k = 0; k < Math.min(max, this.n); k++) {
      out.push(this.fifo ? this.ids[(this.head + k) % this.size]! : this.ids[this.n - 1 - k]!);
    }
    return out;
  }

  release(id: number): void {
    if (this.fifo) this.ids[(this.head + this.n) % this.size] = id;
    else this.ids[this.n] = id;
    this.n++;
  }
}
