import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArchName } from '@pagewright/process-vm';
import { describe, expect, it } from 'vitest';
import type { Row } from '../csv.js';
import { labExitCode, labProgram } from '../lab-cli.js';
import { silentProgress } from '../progress.js';
import { recordDemoTrace } from '../record-trace.js';
import { flushExperiment } from './flush.js';
import { LIVE_PATTERN, tlbExperiment } from './tlb.js';

const ARCHES: readonly ArchName[] = ['sv39', 'sv48', 'x86-64', 'x86-64-la57'];
const COUNTS = ['ipis_per_unmap', 'invalidations_per_unmap', 'refill_walks_per_unmap'] as const;

describe('flush: RISC-V ASIDs against x86-64 PCIDs', async () => {
  const { rows } = await flushExperiment.run({
    seed: 3,
    size: 'tiny',
    progress: silentProgress,
    arches: ARCHES,
  });
  const of = (arch: ArchName) => rows.filter((r) => r.arch === arch);

  it('has one row per configuration on every architecture', () => {
    const n = of('sv39').length;
    expect(n).toBeGreaterThan(0);
    for (const arch of ARCHES) expect(of(arch)).toHaveLength(n);
  });

  it('sends the same IPIs and invalidates and refills the same entries on every architecture', () => {
    const key = (r: Row) => `${r.harts}/${r.pages_per_unmap}/${r.strategy}`;
    const ref = new Map(of('sv39').map((r) => [key(r), r]));
    for (const arch of ARCHES) {
      for (const r of of(arch))
        for (const m of COUNTS) expect(r[m], `${arch} ${key(r)} ${m}`).toBe(ref.get(key(r))?.[m]);
    }
  });

  it("keeps the other ASID's entries with sfence.vma va, asid and drops them with x86 INVLPG", () => {
    for (const arch of ARCHES) {
      for (const r of of(arch)) {
        const x86 = arch.startsWith('x86');
        expect(r.page_flush).toBe(x86 ? 'invlpg' : 'sfence.vma va, asid');
        // Page-by-page invalidations (not collapsed into an ASID-wide flush) drop, on x86, that page of the other
        // process on every hart; an ASID-wide flush (the "full" strategy) never touches the other tag.
        const invalidated = (r.pages_per_unmap as number) * (r.harts as number);
        const pageByPage = r.strategy !== 'full' && r.invalidations_per_unmap === invalidated;
        const expected = x86 && pageByPage ? invalidated : 0;
        expect(
          r.other_asid_refill_walks_per_unmap,
          `${arch} ${r.harts} ${r.pages_per_unmap} ${r.strategy}`,
        ).toBe(expected);
      }
    }
  });
});

describe('tlb: the demo workload live on each CPU', async () => {
  const { rows, summary } = await tlbExperiment.run({
    seed: 3,
    size: 'tiny',
    progress: silentProgress,
    arches: ARCHES,
  });
  const live = (arch: ArchName) => rows.filter((r) => r.pattern === LIVE_PATTERN && r.arch === arch);

  it('measures every architecture at every size, with the replays labelled as the TLB alone', () => {
    for (const arch of ARCHES) expect(live(arch).length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.pattern !== LIVE_PATTERN).every((r) => r.arch === 'any (TLB alone)')).toBe(
      true,
    );
    for (const arch of ARCHES)
      expect(summary.some((s) => s.pattern === `${LIVE_PATTERN}, ${arch}`)).toBe(true);
  });

  it('has the same lookups on every CPU, and x86 adds its own #PF invalidations', () => {
    const sv39 = live('sv39');
    for (const arch of ARCHES) {
      for (const [i, r] of live(arch).entries()) {
        const ref = sv39[i] as Row;
        expect(r.entries).toBe(ref.entries);
        expect(r.accesses).toBe(ref.accesses);
        expect(r.miss_rate).toBe((r.misses as number) / (r.accesses as number));
        // Every #PF invalidates the faulting page in the current PCID (SDM §4.10.4.1); RISC-V does not.
        if (arch.startsWith('x86'))
          expect(r.page_flushes as number).toBeGreaterThan(ref.page_flushes as number);
        else expect(r).toEqual({ ...ref, arch });
      }
    }
  });
});

describe('--arch', () => {
  const run = (args: string[]) =>
    labProgram(() => {})
      .exitOverride()
      .configureOutput({ writeErr: () => {} })
      .parseAsync(args, { from: 'user' })
      .then(
        () => null,
        (e: unknown) => e as Error,
      );

  it('restricts the compared architectures', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lab-arch-'));
    expect(await run(['flush', '--tiny', '--arch', 'x86-64', '--out', out])).toBeNull();
    const csv = readFileSync(join(out, 'flush.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]?.startsWith('arch,page_flush,')).toBe(true);
    expect(csv.slice(1).every((l) => l.startsWith('x86-64,invlpg,'))).toBe(true);
  });

  it('refuses an unknown architecture and an experiment that runs on no CPU', async () => {
    expect((await run(['flush', '--tiny', '--arch', 'arm64']))?.message).toMatch(
      /unknown architecture "arm64"/,
    );
    const error = await run(['allocators', '--tiny', '--arch', 'x86-64']);
    expect(error?.message).toMatch(/takes no --arch/);
    expect(labExitCode(error)).toBe(2);
    expect((await run(['record-trace', '--arch', 'sv39,x86-64']))?.message).toMatch(/one architecture/);
  });

  it('records the demo trace on an x86-64 machine: as many lookups of as many pages as on Sv39', () => {
    const x86 = recordDemoTrace(3, 0.1, 'x86-64');
    const sv39 = recordDemoTrace(3, 0.1, 'sv39');
    expect(x86.vpns.length).toBeGreaterThan(0);
    expect(new Set(x86.asids).size).toBe(2);
    // The layouts differ (x86-64's stack sits below 2^47, Sv39's below 2^38), the lookups do not.
    expect(x86.vpns.length).toBe(sv39.vpns.length);
    expect(new Set(x86.vpns).size).toBe(new Set(sv39.vpns).size);
  });
});
