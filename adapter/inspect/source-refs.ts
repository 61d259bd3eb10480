/**
 * sourceReferences of the queue listings. A new reference per queue and session state, so VS Code, which
 * caches a source's content by its reference, fetches the listing again after every stop.
 */
import { type DebugProtocol } from '@vscode/debugprotocol';

export class SourceRefs {
  private readonly refs = new Map<string, number>();
  private readonly threads = new Map<number, number>();

  source(name: string, threadId: number, version: number): DebugProtocol.Source {
    const key = `${threadId}@${version}`;
    let ref = this.refs.get(key);
    if (ref === undefined) {
      ref = this.threads.size + 1;
      this.refs.set(key, ref);
      this.threads.set(ref, threadId);
    }
    return { name: `${name} (descriptors)`, sourceReference: ref, presentationHint: 'normal', origin: 'queue listing' };
  }

  threadOf(ref: number): number | undefined {
    return this.threads.get(ref);
  }
}
