import { describe, expect, it } from 'vitest';
import { run } from './cli.js';
import type { DemoStepRecord } from './demo.js';
import { memoryIo } from './memory-io.js';
import {
  AD_POLICIES,
  ALLOCATORS,
  ARCHES,
  FLUSH_NAMES,
  PLACEMENT_NAMES,
  TLB_POLICIES,
  VMA_INDEX_NAMES,
} from './options.js';

/** A seeded xorshift, so the sample of combinations is the same on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/** A shuffled copy. */
function shuffled<T>(values: readonly T[], next: () => number): T[] {
  const a = [...values];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

const TLBS = ['off', ...TLB_POLICIES.map((p, k) => `${[16, 8, 4, 32][k % 4]}x${[4, 2, 4, 1][k % 4]}:${p}`)];
const DIMENSIONS: Record<string, readonly string[]> = {
  allocator: ALLOCATORS,
  arch: ARCHES,
  tlb: TLBS,
  vma: VMA_INDEX_NAMES,
  placement: PLACEMENT_NAMES,
  flush: FLUSH_NAMES,
  harts: ['1', '2', '4'],
  ad: AD_POLICIES,
};

/**
 * A seeded sample: first a covering part (every dimension shuffled and walked round-robin, so every value of every
 * option appears), then random combinations, so values are not always paired the same way. x86-64 sets A/D in
 * hardware only, so `--ad svade` is dropped to `hardware` there (the machine refuses that combination).
 */
function sample(count: number): string[][] {
  const next = rng(0xdec0de);
  const orders = Object.fromEntries(Object.entries(DIMENSIONS).map(([k, v]) => [k, shuffled(v, next)]));
  const cover = Math.max(...Object.values(DIMENSIONS).map((v) => v.length));
  return Array.from({ length: Math.max(count, cover) }, (_, k) => {
    const pick = Object.fromEntries(
      Object.entries(orders).map(([name, values]) => [
        name,
        k < cover ? values[k % values.length]! : values[Math.floor(next() * values.length)]!,
      ]),
    );
    if (pick.arch!.startsWith('x86-64')) pick.ad = 'hardware';
    return Object.entries(pick).flatMap(([name, v]) => [`--${name}`, v]);
  });
}

interface StepText {
  title: string;
  explain: string;
  calls: string[];
  events: string;
  tlb: string;
  frames: number;
}

/** Splits the demo's plain text into its steps. */
function parseSteps(text: string): StepText[] {
  const steps: StepText[] = [];
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const m = /^── (\d+)\. (.*?) ─+$/.exec(lines[k]!);
    if (!m) continue;
    const step: StepText = {
      title: m[2]!,
      explain: lines[k + 1]!,
      calls: [],
      events: '',
      tlb: '',
      frames: -1,
    };
    for (let j = k + 2; j < lines.length && lines[j] !== ''; j++) {
      const l = lines[j]!;
      if (l.startsWith('  $ ')) step.calls.push(l.slice(4));
      else if (l.startsWith('  events  ')) step.events = l.slice(10);
      else if (l.startsWith('  TLB     ')) step.tlb = l.slice(10);
      else if (l.startsWith('  frames  ')) step.frames = Number(/^(\d+)/.exec(l.slice(10))![1]);
    }
    steps.push(step);
  }
  return steps;
}

/** `N word(s)` in a summary, 0 when absent. */
function count(text: string, word: string): number {
  const m = new RegExp(`(\\d+) ${word}`).exec(text);
  return m ? Number(m[1]) : 0;
}

/** The TLB counter change `name +N` of hart `h` in a step's TLB line, 0 when absent. */
function tlbDelta(tlb: string, h: number, name: string): number {
  const part = tlb.split('; ').find((p) => p.startsWith(`hart ${h}: `));
  const m = part ? new RegExp(`${name} \\+(\\d+)`).exec(part) : null;
  return m ? Number(m[1]) : 0;
}

/** Checks every narrated fact of one step against the counters and events printed with it. */
function checkFlushSentence(s: StepText): void {
  const flushed = /The TLB of harts? ([\d, and]+) was flushed/.exec(s.explain);
  const none = /No TLB was flushed/.test(s.explain) || /There is no TLB/.test(s.explain);
  expect(flushed !== null || none, `${s.title}: a flush sentence`).toBe(true);
  const harts = flushed ? flushed[1]!.split(/, | and /).map(Number) : [];
  for (const h of harts)
    expect(tlbDelta(s.tlb, h, 'flushes'), `${s.title}: hart ${h} flushed`).toBeGreaterThan(0);
  if (/No TLB was flushed/.test(s.explain)) expect(s.tlb).not.toMatch(/flushes \+/);
  const ipis = /\((\d+) IPIs? to other harts\)/.exec(s.explain);
  if (ipis) expect(harts.length).toBeGreaterThan(1);
}

describe('every narrated fact of the demo holds under every plug-in combination', () => {
  const combos = sample(48);

  it('samples every value of every CLI plug-in option', () => {
    for (const [name, values] of Object.entries(DIMENSIONS))
      for (const v of values)
        expect(
          combos.some((c) => c[c.indexOf(`--${name}`) + 1] === v),
          `${name} ${v}`,
        ).toBe(true);
  });

  for (const combo of combos) {
    it(combo.join(' '), async () => {
      const io = memoryIo();
      expect(await run([...combo, 'demo', '--no-color'], io)).toBe(0);
      expect(io.err()).toBe('');
      const text = io.out();
      const json = memoryIo();
      expect(await run([...combo, 'demo', '--json'], json)).toBe(0);
      const records = json
        .out()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { kind: string })
        .filter((r): r is DemoStepRecord => r.kind === 'demo.step');

      const harts = Number(combo[combo.indexOf('--harts') + 1]);
      const tlb = combo[combo.indexOf('--tlb') + 1]!;
      const header = text.split('\n')[1]!;
      expect(header).toContain(harts === 1 ? ', 1 hart,' : `, ${harts} harts,`);
      expect(header.includes('no TLB')).toBe(tlb === 'off');

      const steps = parseSteps(text);
      expect(steps).toHaveLength(records.length);
      // Frames: each step's count is the machine's, as the JSON record has it.
      for (const [k, s] of steps.entries()) expect(s.frames, s.title).toBe(records[k]!.framesInUse);
      const by = (re: RegExp) => steps.find((s) => re.test(s.title))!;
      const framesDelta = (re: RegExp) => {
        const k = steps.findIndex((s) => re.test(s.title));
        return steps[k]!.frames - steps[k - 1]!.frames;
      };

      // Demand faults: the counts, and the last load's hit or miss against that hart's counters.
      const demand = by(/demand faults/);
      expect(count(demand.explain, 'page faults? in all')).toBe(count(demand.events, 'page faults?'));
      expect(count(demand.explain, 'new frames?')).toBe(framesDelta(/demand faults/));
      const load = demand.calls.at(-1)!;
      const hit = /a TLB hit on hart (\d+)/.exec(load);
      const miss = /a TLB miss on hart (\d+)/.exec(load);
      if (tlb === 'off') expect(load).toMatch(/no TLB on hart 0: a page walk/);
      else expect(hit ?? miss, load).not.toBeNull();
      if (hit) expect(tlbDelta(demand.tlb, Number(hit[1]), 'hits')).toBeGreaterThan(0);
      if (miss) expect(tlbDelta(demand.tlb, Number(miss[1]), 'misses')).toBeGreaterThan(0);

      const mmap = by(/anonymous mmap/);
      expect(count(mmap.explain, 'page faults?')).toBe(count(mmap.events, 'page faults?'));
      expect(count(mmap.explain, 'frames?')).toBe(framesDelta(/anonymous mmap/));

      const fixed = by(/MAP_FIXED/);
      expect(count(fixed.explain, 'frames? freed')).toBe(-framesDelta(/MAP_FIXED/));
      expect(count(fixed.explain, 'splits?')).toBe(count(fixed.events, 'VMA splits?'));

      const split = by(/mprotect splits/);
      expect(count(split.explain, 'splits?')).toBe(count(split.events, 'VMA splits?'));
      checkFlushSentence(split);

      const merge = by(/re-merges/);
      const merges = count(merge.events, 'VMA merges?');
      expect(count(merge.explain, 'merges?')).toBe(merges);
      expect(/not merged/.test(merge.explain)).toBe(merges === 0);

      // fork: which hart the child runs on, and that the child's accesses then count on that hart.
      const fork = by(/fork/);
      checkFlushSentence(fork);
      const childHart = Number(/The child runs on hart (\d+)/.exec(fork.explain)![1]);
      expect(childHart).toBeLessThan(harts);
      expect(childHart).toBe(harts > 1 ? 1 : 0);
      const cow = by(/COW break/);
      expect(cow.tlb).toMatch(new RegExp(`hart ${childHart}: `));
      const m = /(\d+) COW breaks?: (\d+) frames? copied, (\d+) reused/.exec(cow.explain)!;
      expect(`${m[1]} COW break${m[1] === '1' ? '' : 's'} (${m[2]} copied, ${m[3]} reused)`).toBe(
        /\d+ COW breaks? \(\d+ copied, \d+ reused\)/.exec(cow.events)![0],
      );

      const unmap = by(/^munmap/);
      expect(count(unmap.explain, 'frames? returned')).toBe(-framesDelta(/^munmap/));
      checkFlushSentence(unmap);

      const exit = by(/exit/);
      expect(Number(/leaving (\d+) in use/.exec(exit.explain)![1])).toBe(exit.frames);
      checkFlushSentence(exit);
    });
  }
});
