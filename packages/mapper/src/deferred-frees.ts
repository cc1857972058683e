/**
 * A queue of frame releases that run after a flush (shared by every flusher).
 *
 * @module
 */

/** Frames waiting for a flush before they may be released. Reuses its arrays: no allocation once warm. */
export class DeferredFrees {
  private readonly pfns: number[] = [];
  private readonly releases: ((pfn: number) => void)[] = [];

  /** Number of queued releases. */
  get length(): number {
    return this.pfns.length;
  }

  /** Queues `release(pfn)`. */
  push(pfn: number, release: (pfn: number) => void): void {
    this.pfns.push(pfn);
    this.releases.push(release);
  }

  /**
   * Runs every queued release in order and empties the queue. When a release throws, the others still run and
   * the first error is rethrown afterwards.
   */
  run(): void {
    const { pfns, releases } = this;
    const n = pfns.length;
    if (n === 0) return;
    let failure: unknown;
    let failed = false;
    for (let i = 0; i < n; i++) {
      try {
        (releases[i] as (pfn: number) => void)(pfns[i] as number);
      } catch (e) {
        if (!failed) failure = e;
        failed = true;
      }
    }
    pfns.length = 0;
    releases.length = 0;
    if (failed) throw failure;
  }
}
