/**
 * Linux's OOM killer (`oom_badness`, `select_bad_process`, `proc_oom_score`) as the machine's `oomKiller`: the
 * process using the most RSS + swap + page tables (adjusted by `oom_score_adj`) dies, its memory comes back, and the
 * faulting access is retried.
 */
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { Machine } from './machine.js';
import {
  linuxOomKiller,
  OOM_UNKILLABLE,
  oomBadness,
  oomScore,
  oomTotalPages,
  setOomScoreAdj,
} from './oom.js';
import type { Process } from './process.js';
import type { MachineReclaim } from './reclaim-hooks.js';
import { OOM_KILL } from './signals.js';

const P = 4096;
const RW = PROT_READ | PROT_WRITE;
const PRIV = MAP_PRIVATE | MAP_ANONYMOUS;

function touch(p: Process, pages: number): number {
  const a = p.mmap(0, pages * P, RW, PRIV);
  for (let i = 0; i < pages; i++) expect(p.store8(a + i * P, 1)).toBe(0);
  return a;
}

describe('oom_badness', () => {
  it('grows by one per resident page and page-table page; swapping out moves RSS to swap, the sum stays', () => {
    const m = new Machine({
      memoryBytes: 4 << 20,
      swap: { bytes: 4 << 20, kswapd: 'manual' },
      checkTlb: true,
    });
    const p = m.spawn();
    const total = oomTotalPages(m);
    expect(total).toBe(1024 + 1024);
    const before = oomBadness(p, total);
    const tables = p.vm.pageTable.tableBytes;
    touch(p, 100);
    const tablePages = (p.vm.pageTable.tableBytes - tables) / P;
    expect(oomBadness(p, total)).toBe(before + 100 + tablePages);
    const rss = p.vm.residentPages();
    const withRss = oomBadness(p, total);
    expect((m.reclaim as MachineReclaim).reclaimAll()).toBeGreaterThan(0);
    expect(p.vm.residentPages()).toBeLessThan(rss);
    expect(oomBadness(p, total)).toBe(withRss);
  });

  it('oom_score_adj adds adj · (totalpages / 1000); −1000 is unkillable; bad values are EINVAL', () => {
    const m = new Machine({ memoryBytes: 4 << 20 });
    const p = m.spawn();
    const total = oomTotalPages(m); // 1024: totalpages / 1000 = 1
    const base = oomBadness(p, total);
    expect(setOomScoreAdj(p, 500)).toBe(0);
    expect(oomBadness(p, total)).toBe(base + 500);
    expect(setOomScoreAdj(p, -1000)).toBe(0);
    expect(oomBadness(p, total)).toBe(OOM_UNKILLABLE);
    expect(oomScore(m, p)).toBe(0);
    for (const bad of [-1001, 1001, 0.5, Number.NaN]) expect(setOomScoreAdj(p, bad)).toBe(-22);
    expect(p.oomScoreAdj).toBe(-1000);
    const child = p.fork() as Process;
    expect(child.oomScoreAdj).toBe(-1000); // inherited
  });

  it('/proc/PID/oom_score is (1000 + badness · 1000 / totalpages) · 2 / 3', () => {
    const m = new Machine({ memoryBytes: 4 << 20 });
    const p = m.spawn();
    const total = oomTotalPages(m);
    touch(p, 200);
    const b = oomBadness(p, total);
    expect(oomScore(m, p)).toBe(Math.floor(((1000 + Math.trunc((b * 1000) / total)) * 2) / 3));
    expect(oomScore(m, p)).toBeGreaterThan(666);
    setOomScoreAdj(p, 1000);
    expect(oomScore(m, p)).toBeGreaterThan(1333);
  });
});

describe('the Linux OOM killer', () => {
  it('kills the process with the highest badness; its memory comes back; the faulting access is retried', () => {
    const m = new Machine({ memoryBytes: 2 << 20, checkTlb: true });
    m.oomKiller = linuxOomKiller;
    const small = m.spawn();
    const hog = small.fork() as Process;
    touch(hog, 300);
    const inUse = m.framesInUse();
    const a = small.mmap(0, 300 * P, RW, PRIV); // 300 + 300 pages do not fit in 512 frames
    let r = 0;
    for (let i = 0; i < 300 && r === 0; i++) r = small.store8(a + i * P, 2);
    expect(r).toBe(0); // the hog died instead, every store of the small process succeeded
    expect(hog.killedBy).toBe('SIGKILL');
    expect(small.killedBy).toBeNull();
    expect(m.processes.has(hog.pid)).toBe(false);
    expect(m.framesInUse()).toBeLessThan(inUse); // the hog's 300 pages came back; the small process holds 300
    checkInvariants(m);
  });

  it('a tie goes to the later process; oom_score_adj −1000 protects; nobody killable kills the faulting one', () => {
    const m = new Machine({ memoryBytes: 2 << 20 });
    m.oomKiller = linuxOomKiller;
    const a = m.spawn();
    const b = a.fork() as Process;
    expect(oomBadness(a, oomTotalPages(m))).toBe(oomBadness(b, oomTotalPages(m)));
    expect(linuxOomKiller.selectVictim(m, a)).toBe(b);
    setOomScoreAdj(b, -1000);
    expect(linuxOomKiller.selectVictim(m, b)).toBe(a);
    setOomScoreAdj(a, -1000);
    expect(linuxOomKiller.selectVictim(m, b)).toBe(b);
    const x = b.mmap(0, 1024 * P, RW, PRIV);
    let r = 0;
    for (let i = 0; i < 1024 && r === 0; i++) r = b.store8(x + i * P, 1);
    expect(r).toBe(OOM_KILL);
    expect(b.killedBy).toBe('SIGKILL');
    expect(a.killedBy).toBeNull();
  });

  it('with swap, the kill comes only when swap is full too, and is counted as oom_kill', () => {
    const m = new Machine({ memoryBytes: 2 << 20, swap: { bytes: 256 * P } });
    m.oomKiller = linuxOomKiller;
    const quiet = m.spawn();
    const hog = quiet.fork() as Process;
    const reclaim = m.reclaim as MachineReclaim;
    const a = hog.mmap(0, 1024 * P, RW, PRIV);
    let r = 0;
    let i = 0;
    for (; i < 1024 && r === 0; i++) r = hog.store8(a + i * P, 1);
    expect(r).toBe(OOM_KILL);
    expect(i).toBeGreaterThan(512); // beyond RAM: swap was used first
    expect(reclaim.events.get('oom_kill')).toBe(1);
    expect(hog.killedBy).toBe('SIGKILL');
    expect(quiet.killedBy).toBeNull();
    expect(reclaim.swap.used).toBeLessThan(256);
    checkInvariants(m);
  });
});
