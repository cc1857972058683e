/**
 * Fault and memory counters: `pgfault`/`pgmajfault` and the task's minor/major faults (`mm_account_fault`),
 * `/proc/meminfo` and `/proc/vmstat` with Linux's names and formats.
 */
import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { Machine } from './machine.js';
import { formatMeminfo, formatVmstat } from './proc-meminfo.js';
import type { Process } from './process.js';
import type { MachineReclaim } from './reclaim-hooks.js';
import { BUS_ADRERR, SEGV_MAPERR } from './signals.js';

const P = 4096;
const RW = PROT_READ | PROT_WRITE;
const PRIV = MAP_PRIVATE | MAP_ANONYMOUS;

/** `/proc/meminfo` as name → kB. */
function meminfo(m: Machine): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of formatMeminfo(m).trimEnd().split('\n')) {
    expect(line).toMatch(/^[A-Za-z()]+: +\d+ kB$/);
    expect(line.indexOf(' kB')).toBe(24); // the name in 16 columns, the value right-aligned in 8
    const [name, value] = line.split(/:\s+/) as [string, string];
    out.set(name, Number.parseInt(value, 10));
  }
  return out;
}

function vmstat(m: Machine): Map<string, number> {
  return new Map(
    formatVmstat(m)
      .trimEnd()
      .split('\n')
      .map((l) => {
        expect(l).toMatch(/^[a-z_]+ \d+$/);
        const [n, v] = l.split(' ') as [string, string];
        return [n, Number(v)] as const;
      }),
  );
}

describe('fault accounting (mm_account_fault)', () => {
  it('every handled fault is a pgfault and a minor fault of its task; a fault without a VMA is neither', () => {
    const m = new Machine({ memoryBytes: 8 << 20 });
    const p = m.spawn();
    const before = m.vmstat.get('pgfault');
    const minor = p.vm.faults.minor;
    const a = p.mmap(0, 10 * P, RW, PRIV);
    for (let i = 0; i < 10; i++) expect(p.store8(a + i * P, 1)).toBe(0);
    expect(m.vmstat.get('pgfault')).toBe(before + 10);
    expect(p.vm.faults.minor).toBe(minor + 10);
    expect(p.load8(0x1000)).toBe(SEGV_MAPERR); // no VMA: refused before handle_mm_fault
    expect(m.vmstat.get('pgfault')).toBe(before + 10);
    expect(p.vm.faults.major).toBe(0);
    expect(m.vmstat.get('pgmajfault')).toBe(0);
  });

  it('a failed fault (SIGBUS) is a pgfault but no task fault', () => {
    const m = new Machine({ memoryBytes: 8 << 20 });
    const p = m.spawn();
    const fd = p.open('/f', 0o100 | 2); // O_CREAT | O_RDWR
    const f = p.mmap(0, P, RW, MAP_SHARED, fd, 0); // an empty file: its first page is past the end
    const before = m.vmstat.get('pgfault');
    const minor = p.vm.faults.minor;
    expect(p.load8(f)).toBe(BUS_ADRERR);
    expect(m.vmstat.get('pgfault')).toBe(before + 1);
    expect(p.vm.faults.minor).toBe(minor);
  });

  it('a swap-in is a major fault (pgmajfault, maj_flt); a fork child starts at zero; exec keeps the counts', () => {
    const m = new Machine({ memoryBytes: 4 << 20, swap: { bytes: 4 << 20, kswapd: 'manual' } });
    const p = m.spawn();
    const a = p.mmap(0, 4 * P, RW, PRIV);
    for (let i = 0; i < 4; i++) p.store8(a + i * P, i);
    (m.reclaim as MachineReclaim).reclaimAll();
    for (let i = 0; i < 4; i++) expect(p.load8(a + i * P)).toBe(i);
    expect(p.vm.faults.major).toBe(4);
    expect(m.vmstat.get('pgmajfault')).toBe(4);
    const c = p.fork() as Process;
    expect(c.vm.faults).toEqual({ minor: 0, major: 0 });
    const minor = p.vm.faults.minor;
    expect(p.exec()).toBe(0);
    expect(p.vm.faults.major).toBe(4);
    expect(p.vm.faults.minor).toBeGreaterThanOrEqual(minor);
  });
});

describe('/proc/meminfo and /proc/vmstat', () => {
  it('RAM, free memory, anonymous pages and page tables follow the machine', () => {
    const m = new Machine({ memoryBytes: 8 << 20 });
    const p = m.spawn();
    let info = meminfo(m);
    expect(info.get('MemTotal')).toBe(2048 * 4);
    expect(info.get('MemFree')).toBe(m.allocator.freeFrames * 4);
    expect(info.has('SwapTotal')).toBe(false); // no swap device: no swap lines
    const anon = info.get('AnonPages') as number;
    const a = p.mmap(0, 100 * P, RW, PRIV);
    for (let i = 0; i < 100; i++) p.store8(a + i * P, 1);
    info = meminfo(m);
    expect(info.get('AnonPages')).toBe(anon + 400);
    expect(info.get('PageTables')).toBe(p.vm.pageTable.tableFrames * 4);
    expect(info.get('MemFree')).toBe(m.allocator.freeFrames * 4);
    const stat = vmstat(m);
    expect(stat.get('nr_free_pages')).toBe(m.allocator.freeFrames);
    expect(stat.get('nr_anon_pages')).toBe((anon + 400) / 4);
    expect(stat.get('pgfault')).toBe(m.vmstat.get('pgfault'));
    expect([...stat.keys()].indexOf('pswpin')).toBeLessThan([...stat.keys()].indexOf('pgfault')); // Linux's order
  });

  it('with swap: SwapTotal/SwapFree, the LRU lists and the reclaim counters', () => {
    const m = new Machine({ memoryBytes: 4 << 20, swap: { bytes: 4 << 20, kswapd: 'manual' } });
    const p = m.spawn();
    const a = p.mmap(0, 64 * P, RW, PRIV);
    for (let i = 0; i < 64; i++) p.store8(a + i * P, 1);
    let info = meminfo(m);
    expect(info.get('SwapTotal')).toBe(4096);
    expect(info.get('SwapFree')).toBe(4096);
    expect(
      (info.get('Active(anon)') as number) + (info.get('Inactive(anon)') as number),
    ).toBeGreaterThanOrEqual(64 * 4);
    const out = (m.reclaim as MachineReclaim).reclaimAll();
    info = meminfo(m);
    expect(info.get('SwapFree')).toBe(4096 - out * 4);
    const stat = vmstat(m);
    expect(stat.get('pswpout')).toBe(out);
    expect(stat.get('pgsteal_kswapd')).toBe(out);
    expect(stat.get('pgscan_kswapd')).toBeGreaterThanOrEqual(out);
    p.load8(a);
    expect(vmstat(m).get('pswpin')).toBe(1);
  });
});
