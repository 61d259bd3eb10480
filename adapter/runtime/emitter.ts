/** A minimal typed event emitter: the runtime knows nothing of DAP and reports through these events. */
export class Emitter<Events extends Record<string, (...args: never[]) => void>> {
  private readonly handlers = new Map<keyof Events, Set<(...args: never[]) => void>>();

  on<K extends keyof Events>(event: K, handler: Events[K]): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler);
    return () => set!.delete(handler);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    for (const h of this.handlers.get(event) ?? []) (h as (...a: Parameters<Events[K]>) => void)(...args);
  }
}
