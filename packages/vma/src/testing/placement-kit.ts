/**
 * The contract kit of {@link @pagewright/vma!index.PlacementPolicy}: {@link checkPlacementPolicy} runs every rule of the interface's TSDoc
 * on policies made by your factory, over indexes of the package's default {@link VmaTree}, and reports which hold.
 *
 * ```ts
 * import { assertContract } from '@pagewright/core/testing';
 * import { checkPlacementPolicy } from '@pagewright/vma/testing';
 * assertContract(checkPlacementPolicy((ctx) => new MyPlacement(ctx), { name: 'mine' }));
 * ```
 *
 * @module
 */

import { VM_GROWSDOWN, VM_READ, VM_WRITE } from '@pagewright/core';
import {
  type ContractReport,
  type ContractRule,
  ensure,
  type KitOptions,
  RuleFailure,
  runContract,
} from '@pagewright/core/testing';
import { hintIsFree, type PlacementPolicy, type PlacementRequest } from '../placement.js';
import type { PlacementContext } from '../registry.js';
import { Vma } from '../vma.js';
import { type VmaIndex, vmaStartGap } from '../vma-index.js';
import { VmaTree } from '../vma-tree.js';

/** Makes a policy for the layout `context`. */
export type PlacementKitFactory = (context: PlacementContext) => PlacementPolicy;

const RW = VM_READ | VM_WRITE;
/** A {@link PlacementContext} with every field given. */
export interface KitLayout extends PlacementContext {
  readonly mmapMin: number;
  readonly unmappedBase: number;
}

/** The layout every rule uses: a 4 GiB space (in 4 KiB pages), the top-down base 64 MiB below its top. */
const CTX: KitLayout = {
  taskSize: 0x100000,
  mmapBase: 0x100000 - 0x4000,
  mmapMin: 0x10,
  unmappedBase: Math.ceil(0x100000 / 3),
};
const GUARD = 16;

function lcg(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return Math.floor((x / 2 ** 32) * n);
  };
}

function policy(factory: PlacementKitFactory): PlacementPolicy {
  const p = factory(CTX);
  ensure(
    typeof p === 'object' && p !== null && typeof p.place === 'function',
    `the factory returned ${String(p)}`,
  );
  return p;
}

/**
 * An index whose VMAs fill the space except for a few holes of the given sizes (pages), with a VM_GROWSDOWN VMA
 * above some of them; `holes` empty gives a full space.
 */
function fragmented(seed: number, holes: readonly number[]): VmaIndex {
  const rnd = lcg(seed);
  const idx = new VmaTree({ stackGuardGap: GUARD });
  // Hole positions, spread over the whole space, ascending.
  const starts = holes
    .map(
      (_, i) => CTX.mmapMin + Math.floor(((i + 0.5) / holes.length) * (CTX.taskSize - CTX.mmapMin)) + rnd(64),
    )
    .sort((a, b) => a - b);
  let p = 0;
  starts.forEach((hs, i) => {
    if (hs > p) idx.insert(new Vma({ start: p, end: hs, flags: RW }));
    p = Math.max(p, hs) + (holes[i] as number);
  });
  if (p < CTX.taskSize) {
    const flags = rnd(2) === 0 ? RW | VM_GROWSDOWN : RW;
    idx.insert(new Vma({ start: p, end: CTX.taskSize, flags }));
  }
  return idx;
}

/** A sparse index: a few hundred small VMAs scattered over the space, some VM_GROWSDOWN. */
function sparse(seed: number): VmaIndex {
  const rnd = lcg(seed);
  const idx = new VmaTree({ stackGuardGap: GUARD });
  for (let i = 0; i < 300; i++) {
    const s = CTX.mmapMin + rnd(CTX.taskSize - CTX.mmapMin - 64);
    const e = s + 1 + rnd(32);
    if (idx.conflicts(s, e)) continue;
    idx.insert(new Vma({ start: s, end: e, flags: rnd(8) === 0 ? RW | VM_GROWSDOWN : RW }));
  }
  return idx;
}

function requests(seed: number, count: number): PlacementRequest[] {
  const rnd = lcg(seed);
  const out: PlacementRequest[] = [];
  for (let i = 0; i < count; i++) {
    const align = rnd(3) === 0 ? 2 ** rnd(10) : 1;
    out.push({
      length: 1 + rnd(rnd(4) === 0 ? 4096 : 16),
      alignPages: align,
      alignOffset: align > 1 ? rnd(align) : 0,
    });
  }
  return out;
}

/** Is `[a, a + length)` a free area for `idx` inside `[mmapMin, taskSize)`, with the guard gap respected? */
function isFreeArea(idx: VmaIndex, a: number, length: number): string | null {
  if (!Number.isInteger(a) || a < CTX.mmapMin || a + length > CTX.taskSize)
    return `${a} is outside [mmapMin ${CTX.mmapMin}, taskSize ${CTX.taskSize})`;
  const above = idx.findFrom(a);
  if (above !== undefined && vmaStartGap(above, idx.stackGuardGap) < a + length)
    return `[${a}, ${a + length}) is not free below the VMA [${above.start}, ${above.end})`;
  return null;
}

/** Is there a free area for `req` (alignment and guard included) in `[low, taskSize)`? */
function anyFit(idx: VmaIndex, req: PlacementRequest, low: number): boolean {
  const alignMask = (req.alignPages ?? 1) - 1;
  const q = { length: req.length, low, high: CTX.taskSize, alignMask, alignOffset: req.alignOffset ?? 0 };
  return idx.findGapBottomUp(q) >= 0;
}

const snapshot = (idx: VmaIndex): string =>
  `${idx.size}:${[...idx].map((v) => `${v.start}-${v.end}`).join(',')}`;

function placeChecked(p: PlacementPolicy, idx: VmaIndex, req: PlacementRequest): number {
  const before = snapshot(idx);
  const a = p.place(idx, req);
  ensure(snapshot(idx) === before, `place(${JSON.stringify(req)}) changed the index`);
  return a;
}

function layouts(seed: number): VmaIndex[] {
  return [
    new VmaTree({ stackGuardGap: GUARD }),
    sparse(seed),
    fragmented(seed, [3, 40, 700, 5000]),
    fragmented(seed + 1, [1, 2]),
  ];
}

/** The rules {@link checkPlacementPolicy} checks, in the words of the {@link @pagewright/vma!index.PlacementPolicy} TSDoc. */
export const PLACEMENT_RULES: readonly ContractRule<PlacementKitFactory>[] = [
  {
    id: 'name',
    text: 'name is a non-empty string',
    check: (f) => {
      const p = policy(f);
      ensure(typeof p.name === 'string' && p.name.length > 0, `name is ${JSON.stringify(p.name)}`);
    },
  },
  {
    id: 'free-area',
    text: 'a result other than -1 is the start of a free area of length pages inside [mmapMin, taskSize), ending at or below vm_start_gap of the VMA above (the stack guard gap below VM_GROWSDOWN)',
    check: (f) => {
      const p = policy(f);
      for (const [i, idx] of layouts(1).entries())
        for (const req of requests(10 + i, 60)) {
          const a = p.place(idx, req);
          if (a === -1) continue;
          const bad = isFreeArea(idx, a, req.length);
          ensure(bad === null, `place(${JSON.stringify(req)}) gave ${a}: ${bad}`);
        }
    },
  },
  {
    id: 'aligned',
    text: 'a result other than -1 satisfies (start - alignOffset) % alignPages == 0',
    check: (f) => {
      const p = policy(f);
      for (const [i, idx] of layouts(2).entries())
        for (const req of requests(20 + i, 60)) {
          const a = p.place(idx, req);
          const align = req.alignPages ?? 1;
          if (a !== -1)
            ensure(
              (a - (req.alignOffset ?? 0)) % align === 0,
              `place(${JSON.stringify(req)}) gave unaligned ${a}`,
            );
        }
    },
  },
  {
    id: 'finds-space',
    text: 'the result is -1 (ENOMEM) when no free area for the request exists in [max(1, mmapMin), taskSize), and never when one exists in [unmappedBase, taskSize) (TASK_UNMAPPED_BASE: where both Linux layouts search, the top-down one as its fallback)',
    check: (f) => {
      const p = policy(f);
      for (const [i, idx] of [...layouts(3), fragmented(9, [])].entries())
        for (const req of requests(30 + i, 60)) {
          const a = p.place(idx, req);
          if (!anyFit(idx, req, Math.max(1, CTX.mmapMin)))
            ensure(a === -1, `place(${JSON.stringify(req)}) gave ${a} though no free area exists`);
          if (anyFit(idx, req, CTX.unmappedBase))
            ensure(
              a !== -1,
              `place(${JSON.stringify(req)}) gave -1 though a free area exists above unmappedBase`,
            );
        }
    },
  },
  {
    id: 'hint',
    text: 'a hint whose whole range is free (hintIsFree: inside [mmapMin, taskSize), clear of every VMA and of the guard gap below a VM_GROWSDOWN VMA) is returned as is',
    check: (f) => {
      const p = policy(f);
      const rnd = lcg(4);
      for (const idx of layouts(4))
        for (let k = 0; k < 80; k++) {
          const length = 1 + rnd(8);
          const hint = CTX.mmapMin + rnd(CTX.taskSize - CTX.mmapMin);
          const free = hintIsFree(idx, hint, length, CTX.mmapMin, CTX.taskSize);
          const a = p.place(idx, { length, hint });
          if (free) ensure(a === hint, `the free hint ${hint} (length ${length}) gave ${a}`);
        }
    },
  },
  {
    id: 'bad-request',
    text: 'a malformed request (length not an integer >= 1, alignPages not a power of two, a negative or non-integer hint or offset) throws a RangeError',
    check: (f) => {
      const p = policy(f);
      const idx = sparse(5);
      const bad: PlacementRequest[] = [
        { length: 0 },
        { length: -3 },
        { length: 1.5 },
        { length: Number.NaN },
        { length: 4, alignPages: 3 },
        { length: 4, alignPages: 0 },
        { length: 4, hint: -1 },
        { length: 4, hint: 2.5 },
        { length: 4, alignOffset: -1 },
      ];
      for (const req of bad) {
        let threw: unknown = null;
        try {
          p.place(idx, req);
        } catch (e) {
          threw = e;
        }
        if (threw === null) throw new RuleFailure(`place(${JSON.stringify(req)}) returned normally`);
        ensure(
          threw instanceof RangeError,
          `place(${JSON.stringify(req)}) threw ${String(threw)}, not a RangeError`,
        );
      }
    },
  },
  {
    id: 'no-mutation',
    text: 'place() never changes the index',
    check: (f) => {
      const p = policy(f);
      for (const [i, idx] of layouts(6).entries())
        for (const req of requests(60 + i, 30)) placeChecked(p, idx, req);
    },
  },
  {
    id: 'deterministic',
    text: 'the same request on the same index gives the same answer',
    check: (f) => {
      const p = policy(f);
      for (const [i, idx] of layouts(7).entries())
        for (const req of requests(70 + i, 30)) {
          const a = p.place(idx, req);
          const b = p.place(idx, req);
          ensure(a === b, `place(${JSON.stringify(req)}) gave ${a}, then ${b}`);
        }
    },
  },
];

/** The layout {@link checkPlacementPolicy} passes to the factory. */
export const PLACEMENT_KIT_CONTEXT: KitLayout = CTX;

/** Runs every {@link PLACEMENT_RULES} rule on policies made by `factory`. */
export function checkPlacementPolicy(factory: PlacementKitFactory, options: KitOptions = {}): ContractReport {
  return runContract('PlacementPolicy', PLACEMENT_RULES, factory, options);
}
