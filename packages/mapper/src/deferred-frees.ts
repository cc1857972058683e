/**
 * A queue of frame releases that run after a flush (shared by every flusher).
 *
 * @module
 */

type Release = (pfn: number) => void;

/**
 * Frames waiting for a flush before they may be released. Reuses its arrays: no allocation once warm (the arrays
 * keep their capacity; a used slot's release is cleared when the queue runs, so no closure is kept alive).
 */
export class DeferredFrees {
  private readonly pfns: number[] = [];
  private readonly releases: (Release | null)[] = [];
  private count = 0;

  /** Number of queued releases. */
  get length(): number {
    return this.count;
  }

  /** Queues `release(pfn)`. */
  push(pfn: number, release: (pfn: number) => void): void {
    const n = this.count;
    if (n < this.pfns.length) {
      this.pfns[n] = pfn;
      this.releases[n] = release;
    } else {
      this.pfns.push(pfn);
      this.releases.push(release);
    }
    this.count = n + 1;
  }

  /**
   * Runs every queued release in order and empties the queue. When a release throws, the others still run and
   * the first error is rethrown afterwards. Releases queued while it runs are dropped.
   */
  run(): void {
    const { pfns, releases } = this;
    const n = this.count;
    if (n === 0) return;
    let failure: unknown;
    let failed = false;
    for (let i = 0; i < n; i++) {
      const release = releases[i] as Release;
      releases[i] = null;
      try {
        release(pfns[i] as number);
      } catch (e) {
        if (!failed) failure = e;
        failed = true;
      }
    }
    for (let i = n; i < this.count; i++) releases[i] = null;
    this.count = 0;
    if (failed) throw failure;
  }
}
