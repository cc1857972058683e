import { describe, expect, it } from 'vitest';
import type { Tlb } from '../tlb.js';
import type { TlbFlusher } from '../tlb-flusher.js';
import { assertContract } from './kit.js';
import { checkTlbFlusher, TLB_FLUSHER_RULES, type TlbFlusherTarget } from './tlb-flusher-kit.js';

/** What a variant changes in the reference flusher. */
interface Bugs {
  eager?: boolean;
  shortVpn?: boolean;
  capped?: boolean;
  ignoreAll?: boolean;
  releaseFirst?: boolean;
  keepReleases?: boolean;
  noPending?: boolean;
  idleFlush?: boolean;
  wideFlush?: boolean;
}

/** A correct flusher (per-page flushes on every TLB at dispatch, then the releases), with optional bugs. */
class ReferenceFlusher implements TlbFlusher {
  private pages: number[] = [];
  private all = false;
  private releases: [number, (pfn: number) => void][] = [];
  constructor(
    private readonly target: TlbFlusherTarget,
    private readonly bugs: Bugs = {},
  ) {}
  get pending(): number {
    if (this.bugs.noPending) return 0;
    return this.all ? 1 : this.pages.length;
  }
  private flushOne(t: Tlb, vpn: number): void {
    if (this.bugs.wideFlush) t.flushAll();
    else t.flushVaAsid(this.bugs.shortVpn ? vpn | 0 : vpn, this.target.asid);
  }
  flushPage(vpn: number): void {
    if (this.bugs.eager) for (const t of this.target.tlbs) this.flushOne(t, vpn);
    if (this.bugs.capped && this.pages.length >= 128) return;
    this.pages.push(vpn);
  }
  flushAll(): void {
    this.all = true;
  }
  deferFree(pfn: number, release: (pfn: number) => void): void {
    this.releases.push([pfn, release]);
  }
  dispatch(): void {
    const run = () => {
      for (const [pfn, release] of this.releases) release(pfn);
      if (!this.bugs.keepReleases) this.releases = [];
    };
    if (this.bugs.releaseFirst) run();
    const idle = !this.all && this.pages.length === 0;
    for (const t of this.target.tlbs) {
      if (idle && this.bugs.idleFlush) t.flushAsid(this.target.asid);
      if (this.all && !this.bugs.ignoreAll) t.flushAsid(this.target.asid);
      else for (const vpn of this.pages) this.flushOne(t, vpn);
    }
    this.pages = [];
    this.all = false;
    if (!this.bugs.releaseFirst) run();
  }
}

const BROKEN: [string, Bugs][] = [
  ['queue-only', { eager: true }],
  ['page-invalidated', { shortVpn: true }],
  ['many-pages', { capped: true }],
  ['all-invalidated', { ignoreAll: true }],
  ['release-after-invalidation', { releaseFirst: true }],
  ['release-once', { keepReleases: true }],
  ['pending', { noPending: true }],
  ['idle-dispatch', { idleFlush: true }],
  ['other-spaces-kept', { wideFlush: true }],
];

describe('the TlbFlusher kit', () => {
  it('passes a correct flusher, on one CPU and on several', () => {
    assertContract(checkTlbFlusher((t) => new ReferenceFlusher(t), { name: 'reference' }));
    assertContract(checkTlbFlusher((t) => new ReferenceFlusher(t), { name: 'reference', cpus: 1 }));
  });
  it('has one broken flusher per rule below', () => {
    expect(BROKEN.map(([rule]) => rule).sort()).toEqual(TLB_FLUSHER_RULES.map((r) => r.id).sort());
  });
  for (const [rule, bugs] of BROKEN) {
    it(`names exactly "${rule}" for a flusher that breaks it`, () => {
      const report = checkTlbFlusher((t) => new ReferenceFlusher(t, bugs), { name: rule });
      expect(report.failed.map((f) => f.rule)).toEqual([rule]);
    });
  }
  it('checks only queuing, releases and pending for a flusher that invalidates nothing (inactive space)', () => {
    const r = checkTlbFlusher((t) => new ReferenceFlusher({ tlbs: [], asid: t.asid }), {
      invalidates: false,
    });
    expect(r.failed).toEqual([]);
  });
});
