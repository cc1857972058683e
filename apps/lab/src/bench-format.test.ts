import { describe, expect, it } from 'vitest';
import { BENCHMARK_NAMES, makeRecord, meetsTarget, NATIVE_BENCHMARKS, toJsonLine } from './bench-format.js';

describe('bench JSON lines', () => {
  it('lists exactly the names of issue #9, then the x86-64 MMU benchmarks after the RISC-V ones', () => {
    expect(BENCHMARK_NAMES).toEqual([
      'sys/mmap-munmap',
      'sys/mmap-touch-munmap',
      'fault/first-touch',
      'fork/256MiB',
      'cow/break',
      'sys/mprotect-split-merge',
      'sys/mmap-munmap@1k',
      'sys/mmap-munmap@64k',
      'sys/mremap-grow',
      'sys/brk-grow-shrink',
      'sys/mmap-munmap@1M',
      'mmu/tlb-hit',
      'mmu/walk',
      'mmu/x86-tlb-hit',
      'mmu/x86-walk',
      'frames/stack-alloc-free',
      'frames/buddy-alloc-free',
      'mapper/map-unmap',
      'vma/insert-remove@100k',
      'swap/out-in-cycle',
      'reclaim/scan',
      'rv64/compute',
      'rv64/memory',
      'rv64/startup',
    ]);
  });

  it('computes ratio and limit fraction only when both sides are known', () => {
    expect(makeRecord('sys/mmap-munmap', 600, 200, null)).toEqual({
      name: 'sys/mmap-munmap',
      ops_per_s: 600,
      native_ops_per_s: 200,
      ratio: 3,
      limit_fraction: null,
    });
    expect(makeRecord('sys/mmap-munmap', null, 200, null).ratio).toBeNull();
    expect(makeRecord('mmu/walk', 50, null, 200).limit_fraction).toBe(0.25);
    expect(makeRecord('mmu/walk', Number.NaN, null, 200)).toMatchObject({
      ops_per_s: null,
      limit_fraction: null,
    });
  });

  it('prints the five fields in order, null where not applicable', () => {
    const line = toJsonLine(makeRecord('cow/break', 1234567.891, 1000, null));
    expect(Object.keys(JSON.parse(line))).toEqual([
      'name',
      'ops_per_s',
      'native_ops_per_s',
      'ratio',
      'limit_fraction',
    ]);
    expect(JSON.parse(line)).toEqual({
      name: 'cow/break',
      ops_per_s: 1234570,
      native_ops_per_s: 1000,
      ratio: 1235,
      limit_fraction: null,
    });
  });

  it('judges the targets', () => {
    const k1 = makeRecord('sys/mmap-munmap@1k', 1000, 100, null);
    const m1 = makeRecord('sys/mmap-munmap@1M', 400, null, null);
    expect(meetsTarget(m1, [k1, m1])).toBe(false);
    expect(meetsTarget(makeRecord('sys/mmap-munmap@1M', 600, null, null), [k1])).toBe(true);
    expect(meetsTarget(k1, [k1])).toBe(true);
    expect(meetsTarget(makeRecord('mmu/tlb-hit', 100e6, null, 1), [])).toBe(false);
    expect(meetsTarget(makeRecord('mapper/map-unmap', 1, null, null), [])).toBeNull();
    expect(NATIVE_BENCHMARKS.every((n) => meetsTarget(makeRecord(n, 1, null, null), []) === null)).toBe(true);
  });
});
