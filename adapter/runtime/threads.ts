/** Threads = queues: one per virtqueue of every device, named "<device>.<queue>" (docs/architecture.md, "Debug adapter"). */
import type { QueueRuntime, VirtioDevice } from '../../engine';

export interface QueueThread {
  id: number;
  name: string;
  device: VirtioDevice;
  queue: QueueRuntime;
}

export class ThreadTable {
  private readonly threads: QueueThread[] = [];
  private readonly byQueue = new Map<QueueRuntime, QueueThread>();

  add(device: VirtioDevice): void {
    for (const q of device.queues) {
      const t = { id: this.threads.length + 1, name: q.thread, device, queue: q };
      this.threads.push(t);
      this.byQueue.set(q, t);
    }
  }

  all(): readonly QueueThread[] {
    return this.threads;
  }

  byId(id: number): QueueThread | undefined {
    return this.threads[id - 1];
  }

  of(q: QueueRuntime): QueueThread | undefined {
    return this.byQueue.get(q);
  }

  byName(name: string): QueueThread | undefined {
    return this.threads.find((t) => t.name === name);
  }

  /** The first thread of a device (for stops that concern the device, not one queue). */
  firstOf(device: VirtioDevice): QueueThread | undefined {
    return this.threads.find((t) => t.device === device);
  }
}
