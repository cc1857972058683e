import {
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  mmapVmFlags,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  VM_GROWSDOWN,
  VM_LOCKED,
} from '@pagewright/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anonShared, SharedObject } from './backing.js';
import { ReverseMap } from './reverse-map.js';
import { Vma } from './vma.js';
import { VmaBTree } from './vma-btree.js';
import { VmaList } from './vma-list.js';
import { isDataMapping, isExecMapping, isStackMapping, VmaSet } from './vma-set.js';
import { VmaTreap } from './vma-treap.js';

const PAGES = 48;
const FLAGS = [
  mmapVmFlags(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS),
  mmapVmFlags(PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS),
  mmapVmFlags(PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS),
  mmapVmFlags(PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS),
  mmapVmFlags(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS) | VM_LOCKED,
  mmapVmFlags(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS) | VM_GROWSDOWN,
];
/** Flag words a `protect` step may set on a private VMA (not the shared one). */
const PRIVATE_FLAGS = [0, 1, 3, 4, 5];

type Op =
  | { k: 'mmap'; s: number; n: number; f: number }
  | { k: 'protect'; s: number; n: number; f: number }
  | { k: 'name'; s: number; n: number; name: string | null }
  | { k: 'munmap'; s: number; n: number }
  | { k: 'fault'; p: number }
  | { k: 'split'; p: number }
  | { k: 'move'; p: number; d: number }
  | { k: 'grow'; p: number; n: number }
  | { k: 'growdown'; p: number; n: number };

const page = fc.integer({ min: 0, max: PAGES - 1 });
const len = fc.integer({ min: 1, max: 8 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('mmap' as const), s: page, n: len, f: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ k: fc.constant('protect' as const), s: page, n: len, f: fc.constantFrom(...PRIVATE_FLAGS) }),
  fc.record({ k: fc.constant('name' as const), s: page, n: len, name: fc.constantFrom('a', 'b', null) }),
  fc.record({ k: fc.constant('munmap' as const), s: page, n: len }),
  fc.record({ k: fc.constant('fault' as const), p: page }),
  fc.record({ k: fc.constant('split' as const), p: page }),
  fc.record({ k: fc.constant('move' as const), p: page, d: page }),
  fc.record({ k: fc.constant('grow' as const), p: page, n: len }),
  fc.record({ k: fc.constant('growdown' as const), p: page, n: len }),
);

/** What a page should look like, tracked page by page (the brute-force model). */
interface PageModel {
  flags: number;
  name: string | null;
  obj: number;
  pgoff: number;
}

function apply(
  set: VmaSet,
  op: Op,
  objects: Map<number, SharedObject>,
  model: (PageModel | null)[] | null,
  pages = PAGES,
): void {
  const end = (s: number, n: number) => Math.min(pages, s + n);
  switch (op.k) {
    case 'mmap': {
      const e = end(op.s, op.n);
      set.removeRange(op.s, e);
      const flags = FLAGS[op.f] as number;
      let obj = 0;
      let v: Vma;
      if (op.f === 2) {
        obj = objects.size + 1;
        const so = new SharedObject(obj, e - op.s);
        objects.set(obj, so);
        v = new Vma({ start: op.s, end: e, flags, backing: anonShared(so) });
      } else v = new Vma({ start: op.s, end: e, flags });
      set.insertAndMerge(v);
      if (model) for (let p = op.s; p < e; p++) model[p] = { flags, name: null, obj, pgoff: v.pgoffAt(p) };
      return;
    }
    case 'protect': {
      const e = end(op.s, op.n);
      set.modifyRange(op.s, e, (v) =>
        v.backing.kind === 'anon-shared' ? null : { flags: FLAGS[op.f] as number },
      );
      if (model)
        for (let p = op.s; p < e; p++) {
          const m = model[p];
          if (!m) break; // mprotect stops at the first hole
          if (m.obj === 0) m.flags = FLAGS[op.f] as number;
        }
      return;
    }
    case 'name': {
      const e = end(op.s, op.n);
      set.modifyRange(op.s, e, () => ({ name: op.name }), false);
      if (model)
        for (let p = op.s; p < e; p++) {
          const m = model[p];
          if (m) m.name = op.name;
        }
      return;
    }
    case 'munmap': {
      const e = end(op.s, op.n);
      set.removeRange(op.s, e);
      if (model) for (let p = op.s; p < e; p++) model[p] = null;
      return;
    }
    case 'fault': {
      const v = set.find(op.p);
      if (v && v.backing.kind === 'anon-private') set.prepareAnonVma(v);
      return;
    }
    case 'split':
      set.splitAt(op.p);
      return;
    case 'move': {
      const v = set.find(op.p);
      if (!v) return;
      const n = v.pages;
      if (op.d + n > pages || set.index.conflicts(op.d, op.d + n)) return;
      const srcStart = v.start;
      const moved: (PageModel | null)[] = [];
      const unfaultedPrivate = v.backing.kind === 'anon-private' && v.anonVma === null;
      if (model) for (let i = 0; i < n; i++) moved.push(model[srcStart + i] ?? null);
      set.copyVma(v, v.start, v.end, op.d);
      set.removeRange(srcStart, srcStart + n);
      if (model) {
        for (let i = 0; i < n; i++) model[srcStart + i] = null;
        for (let i = 0; i < n; i++) {
          const m = moved[i] as PageModel;
          model[op.d + i] = { ...m, pgoff: unfaultedPrivate ? op.d + i : m.pgoff };
        }
      }
      return;
    }
    case 'grow': {
      // mremap/brk growth in place (extendAndMerge); the new pages take the VMA's attributes.
      const v = set.find(op.p);
      if (!v || v.end + op.n > pages || set.index.conflicts(v.end, v.end + op.n)) return;
      const from = v.end;
      const base = model ? ({ ...(model[v.start] as PageModel) } as PageModel) : null;
      const pgoffFrom = v.pgoffAt(from);
      set.extendAndMerge(v, from + op.n);
      if (model && base) for (let i = 0; i < op.n; i++) model[from + i] = { ...base, pgoff: pgoffFrom + i };
      return;
    }
    case 'growdown': {
      // Stack growth (growDown); pgoff moves down with the start.
      const v = set.find(op.p);
      if (!v) return;
      const to = v.start - op.n;
      if (to < 0 || v.pgoff < op.n || set.index.conflicts(to, v.start)) return;
      const base = model ? ({ ...(model[v.start] as PageModel) } as PageModel) : null;
      const pgoffTo = v.pgoff - op.n;
      set.growDown(v, to);
      if (model && base) for (let i = 0; i < op.n; i++) model[to + i] = { ...base, pgoff: pgoffTo + i };
      return;
    }
  }
}

/** The page totals recomputed from the page model: [total, locked, data, exec, stack]. */
function modelTotals(model: (PageModel | null)[]): number[] {
  let total = 0;
  let locked = 0;
  let data = 0;
  let exec = 0;
  let stack = 0;
  for (const m of model) {
    if (m === null) continue;
    total++;
    if (m.flags & VM_LOCKED) locked++;
    if (isDataMapping(m.flags)) data++;
    if (isExecMapping(m.flags)) exec++;
    if (isStackMapping(m.flags)) stack++;
  }
  return [total, locked, data, exec, stack];
}

/** Checks every shared object's `vmaCount` against the VMAs of `sets` that map it. */
function expectVmaCounts(objects: Map<number, SharedObject>, ...sets: VmaSet[]): void {
  for (const o of objects.values()) {
    let n = 0;
    for (const set of sets)
      for (const v of set) if (v.backing.kind === 'anon-shared' && v.backing.object === o) n++;
    expect(o.vmaCount).toBe(n);
  }
}

function totals(set: VmaSet): number[] {
  return [set.totalPages, set.lockedPages, set.dataPages, set.execPages, set.stackPages];
}

function shape(set: VmaSet) {
  return [...set].map((v) => ({
    start: v.start,
    end: v.end,
    flags: v.flags,
    pgoff: v.pgoff,
    name: v.name,
    anon: v.anonVma?.id ?? 0,
    obj: v.backing.kind === 'anon-shared' ? v.backing.object.id : 0,
  }));
}

describe('VmaSet properties', () => {
  it('treap, btree (the default tree) and list agree exactly; VMAs never overlap; holes + VMAs partition the range as the page model says', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const tree = new VmaSet({ index: new VmaTreap({ seed: 5 }) });
        const list = new VmaSet({ index: new VmaList() });
        const btree = new VmaSet({ index: new VmaBTree() });
        const objT = new Map<number, SharedObject>();
        const objL = new Map<number, SharedObject>();
        const objB = new Map<number, SharedObject>();
        const model: (PageModel | null)[] = new Array(PAGES).fill(null);
        for (const op of ops) {
          apply(tree, op, objT, model);
          apply(list, op, objL, null);
          apply(btree, op, objB, null);
          (tree.index as VmaTreap).checkInvariants();
          (btree.index as VmaBTree).checkInvariants();
          expect(shape(btree)).toEqual(shape(list));
          tree.checkInvariants();
          list.checkInvariants();
          btree.checkInvariants(); // includes the running page totals against a sum over the VMAs
          expect(shape(tree)).toEqual(shape(list));
          const want = modelTotals(model);
          expect(totals(tree)).toEqual(want);
          expect(totals(list)).toEqual(want);
          expect(totals(btree)).toEqual(want);
          expectVmaCounts(objB, btree);
          expectVmaCounts(objT, tree);
        }
        // Fork: the child's totals are its own (VM_LOCKED is dropped, nothing here is VM_DONTCOPY).
        const child = new VmaSet({ index: new VmaBTree() });
        btree.forkInto(child);
        child.checkInvariants();
        expect(child.totalPages).toBe(btree.totalPages);
        expect(child.lockedPages).toBe(0);
        expect(child.stackPages).toBe(btree.stackPages);
        expectVmaCounts(objB, btree, child);
        child.removeRange(0, PAGES);
        expectVmaCounts(objB, btree);
        // Partition: every page is either in exactly one VMA that agrees with the model, or a hole in both.
        for (let p = 0; p < PAGES; p++) {
          const v = tree.find(p);
          const m = model[p] ?? null;
          if (m === null) expect(v).toBeUndefined();
          else {
            expect(v).toBeDefined();
            const vv = v as Vma;
            expect(vv.flags).toBe(m.flags);
            expect(vv.name).toBe(m.name);
            expect(vv.pgoffAt(p)).toBe(m.pgoff);
            expect(vv.backing.kind === 'anon-shared' ? vv.backing.object.id : 0).toBe(m.obj);
          }
        }
        const covered = shape(tree).reduce((a, v) => a + v.end - v.start, 0);
        expect(covered).toBe(model.filter((m) => m !== null).length);
      }),
      { numRuns: 150, seed: 42 },
    );
  });

  it('at scale (hundreds of VMAs, many B+tree leaves) the btree and treap sets agree with the list', () => {
    const BIG = 1500;
    const bigPage = fc.integer({ min: 0, max: BIG - 1 });
    const bigOp: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ k: fc.constant('mmap' as const), s: bigPage, n: len, f: fc.integer({ min: 0, max: 2 }) }),
      fc.record({
        k: fc.constant('protect' as const),
        s: bigPage,
        n: len,
        f: fc.integer({ min: 0, max: 1 }),
      }),
      fc.record({ k: fc.constant('munmap' as const), s: bigPage, n: len }),
      fc.record({ k: fc.constant('fault' as const), p: bigPage }),
      fc.record({ k: fc.constant('split' as const), p: bigPage }),
      fc.record({ k: fc.constant('move' as const), p: bigPage, d: bigPage }),
    );
    fc.assert(
      fc.property(fc.array(bigOp, { minLength: 300, maxLength: 600 }), (ops) => {
        const treeIdx = new VmaTreap({ seed: 9 });
        const btreeIdx = new VmaBTree();
        const tree = new VmaSet({ index: treeIdx });
        const btree = new VmaSet({ index: btreeIdx });
        const list = new VmaSet({ index: new VmaList() });
        const objs = [
          new Map<number, SharedObject>(),
          new Map<number, SharedObject>(),
          new Map<number, SharedObject>(),
        ];
        for (const op of ops) {
          apply(tree, op, objs[0] as Map<number, SharedObject>, null, BIG);
          apply(btree, op, objs[1] as Map<number, SharedObject>, null, BIG);
          apply(list, op, objs[2] as Map<number, SharedObject>, null, BIG);
        }
        treeIdx.checkInvariants();
        btreeIdx.checkInvariants();
        tree.checkInvariants();
        btree.checkInvariants();
        list.checkInvariants();
        expect(totals(btree)).toEqual(totals(list));
        const ref = shape(list);
        expect(shape(tree)).toEqual(ref);
        expect(shape(btree)).toEqual(ref);
        for (let p = 0; p < BIG; p += 7) expect(btree.find(p)?.start).toBe(list.find(p)?.start);
      }),
      { numRuns: 8, seed: 3 },
    );
  });

  it('the reverse map matches a brute-force recomputation under add/remove/move/fork/exit', () => {
    type RmOp =
      | { k: 'add'; pfn: number; mm: number; vpn: number }
      | { k: 'remove'; pfn: number; mm: number; vpn: number }
      | { k: 'move'; pfn: number; mm: number; vpn: number; to: number }
      | { k: 'fork'; from: number; to: number; below: number }
      | { k: 'exit'; mm: number };
    const small = (n: number) => fc.integer({ min: 0, max: n });
    const rmOp: fc.Arbitrary<RmOp> = fc.oneof(
      fc.record({ k: fc.constant('add' as const), pfn: small(6), mm: small(3), vpn: small(8) }),
      fc.record({ k: fc.constant('remove' as const), pfn: small(6), mm: small(3), vpn: small(8) }),
      fc.record({
        k: fc.constant('move' as const),
        pfn: small(6),
        mm: small(3),
        vpn: small(8),
        to: small(8),
      }),
      fc.record({ k: fc.constant('fork' as const), from: small(3), to: small(3), below: small(8) }),
      fc.record({ k: fc.constant('exit' as const), mm: small(3) }),
    );
    fc.assert(
      fc.property(fc.array(rmOp, { maxLength: 60 }), (ops) => {
        const rm = new ReverseMap();
        const truth = new Set<string>();
        const key = (pfn: number, mm: number, vpn: number) => `${pfn}:${mm}:${vpn}`;
        for (const op of ops) {
          switch (op.k) {
            case 'add':
              if (truth.has(key(op.pfn, op.mm, op.vpn)))
                expect(() => rm.add(op.pfn, op.mm, op.vpn)).toThrow();
              else {
                rm.add(op.pfn, op.mm, op.vpn);
                truth.add(key(op.pfn, op.mm, op.vpn));
              }
              break;
            case 'remove':
              expect(rm.remove(op.pfn, op.mm, op.vpn)).toBe(truth.delete(key(op.pfn, op.mm, op.vpn)));
              break;
            case 'move':
              if (truth.has(key(op.pfn, op.mm, op.vpn)) && !truth.has(key(op.pfn, op.mm, op.to))) {
                rm.move(op.pfn, op.mm, op.vpn, op.to);
                truth.delete(key(op.pfn, op.mm, op.vpn));
                truth.add(key(op.pfn, op.mm, op.to));
              } else if (op.vpn !== op.to) expect(() => rm.move(op.pfn, op.mm, op.vpn, op.to)).toThrow();
              break;
            case 'fork': {
              if (op.from === op.to) break;
              rm.cloneSpace(op.from, op.to, (vpn) => vpn < op.below);
              for (const t of [...truth]) {
                const [pfn, mm, vpn] = t.split(':').map(Number) as [number, number, number];
                if (mm === op.from && vpn < op.below) truth.add(key(pfn, op.to, vpn));
              }
              break;
            }
            case 'exit':
              rm.removeSpace(op.mm);
              for (const t of [...truth]) if (Number(t.split(':')[1]) === op.mm) truth.delete(t);
              break;
          }
          const got = [...rm.triples()].map(([p, m, v]) => key(p, m, v)).sort();
          expect(got).toEqual([...truth].sort());
          expect(rm.size).toBe(truth.size);
          for (let pfn = 0; pfn <= 6; pfn++)
            expect(rm.mapcount(pfn)).toBe([...truth].filter((t) => t.startsWith(`${pfn}:`)).length);
        }
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});
