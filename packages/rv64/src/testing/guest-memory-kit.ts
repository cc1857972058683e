/**
 * The contract kit of {@link @pagewright/rv64!index.GuestMemory}: {@link checkGuestMemory} runs every rule of the interface's TSDoc on
 * memories made by your factory and reports which rules hold.
 *
 * ```ts
 * import { assertContract } from '@pagewright/core/testing';
 * import { checkGuestMemory } from '@pagewright/rv64/testing';
 * assertContract(checkGuestMemory(() => makeMyMemory(), { name: 'my-memory' }));
 * ```
 *
 * @module
 */

import { Access } from '@pagewright/core';
import {
  type ContractReport,
  type ContractRule,
  ensure,
  type KitOptions,
  runContract,
} from '@pagewright/core/testing';
import type { GuestMemory } from '../guest-memory.js';

/**
 * A fresh memory and what the rules may assume of it: `readWrite` is the start of a page mapped readable and
 * writable, `readOnly` of a page mapped readable but not writable, and `unmapped` of a page with no mapping.
 */
export interface GuestMemorySubject {
  readonly memory: GuestMemory;
  readonly readWrite: number;
  readonly readOnly: number;
  readonly unmapped: number;
}

/** Makes a fresh subject (every call a new, independent memory). */
export type GuestMemoryFactory = () => GuestMemorySubject;

const ACCESSES = [Access.Load, Access.Store, Access.Fetch];
const ODD_ADDRESSES = [-1, -4096, Number.NaN, 2 ** 53, 2 ** 64, 0.5, Number.POSITIVE_INFINITY, -(2 ** 63)];

function make(factory: GuestMemoryFactory): GuestMemorySubject {
  const s = factory();
  ensure(typeof s === 'object' && s !== null, `the factory returned ${String(s)}`);
  ensure(typeof s.memory?.translate === 'function', 'memory.translate is not a function');
  ensure(typeof s.memory.physical === 'object' && s.memory.physical !== null, 'memory.physical is missing');
  return s;
}

function translate(m: GuestMemory, va: number, access: Access): number {
  let r: number;
  try {
    r = m.translate(va, access);
  } catch (e) {
    throw new Error(`translate(${va}, ${access}) threw ${e instanceof Error ? e.message : String(e)}`);
  }
  ensure(
    typeof r === 'number' && Number.isInteger(r),
    `translate(${va}, ${access}) returned ${String(r)}, not an integer`,
  );
  return r;
}

/** The rules of {@link @pagewright/rv64!index.GuestMemory}'s contract. */
export const GUEST_MEMORY_RULES: readonly ContractRule<GuestMemoryFactory>[] = [
  {
    id: 'translate-total',
    text: 'translate never throws and returns an integer for any number va (negative, huge, fractional, NaN) and any access',
    check(factory) {
      const s = make(factory);
      for (const va of [...ODD_ADDRESSES, s.unmapped, s.readOnly, s.readWrite])
        for (const access of ACCESSES) translate(s.memory, va, access);
    },
  },
  {
    id: 'translate-in-physical',
    text: 'a non-negative result is a physical address inside `physical`, with the page offset of va',
    check(factory) {
      const s = make(factory);
      for (const [va, access] of [
        [s.readWrite, Access.Load],
        [s.readWrite + 4095, Access.Store],
        [s.readOnly + 123, Access.Load],
      ] as const) {
        const pa = translate(s.memory, va, access);
        ensure(pa >= 0, `translate(${va}, ${access}) faulted (${pa}) on a page the factory says is mapped`);
        ensure(
          s.memory.physical.contains(pa, 1),
          `translate(${va}, ${access}) = ${pa}: not in physical memory`,
        );
        ensure(pa % 4096 === va % 4096, `translate(${va}) = ${pa}: the page offset changed`);
      }
    },
  },
  {
    id: 'translate-stable',
    text: 'bytes of one page translate into one frame, and a store is seen by a later load of the same address',
    check(factory) {
      const s = make(factory);
      const a = translate(s.memory, s.readWrite, Access.Store);
      const b = translate(s.memory, s.readWrite + 100, Access.Load);
      ensure(a >= 0 && b === a + 100, `offsets 0 and 100 of one page translate to ${a} and ${b}`);
      s.memory.physical.write8(a, 0x5a);
      const c = translate(s.memory, s.readWrite, Access.Load);
      ensure(s.memory.physical.read8(c) === 0x5a, 'a load after a store reads another byte');
    },
  },
  {
    id: 'faults-negative',
    text: 'an unmapped page faults (negative) for every access, and a store to a read-only page faults',
    check(factory) {
      const s = make(factory);
      for (const access of ACCESSES) {
        const r = translate(s.memory, s.unmapped, access);
        ensure(r < 0, `translate(unmapped, ${access}) = ${r}, not a fault`);
      }
      const w = translate(s.memory, s.readOnly, Access.Store);
      ensure(w < 0, `a store to the read-only page translated (${w})`);
    },
  },
];

/** Runs every rule of {@link GUEST_MEMORY_RULES} on memories made by `factory`. */
export function checkGuestMemory(factory: GuestMemoryFactory, options: KitOptions = {}): ContractReport {
  return runContract('GuestMemory', GUEST_MEMORY_RULES, factory, options);
}
