import { Access, MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { assertContract } from '@pagewright/core/testing';
import { SparsePhysicalMemory } from '@pagewright/frames';
import { Machine } from '@pagewright/process-vm';
import { describe, expect, it } from 'vitest';
import { BareMemory } from '../bare-memory.js';
import { type GuestMemory, processMemory } from '../guest-memory.js';
import { checkGuestMemory, GUEST_MEMORY_RULES, type GuestMemorySubject } from './guest-memory-kit.js';

function bare(): GuestMemorySubject {
  const memory = new BareMemory(new SparsePhysicalMemory({ size: 16 * 4096 }));
  memory.map(0x10000, 4096, PROT_READ | PROT_WRITE);
  memory.map(0x20000, 4096, PROT_READ);
  return { memory, readWrite: 0x10000, readOnly: 0x20000, unmapped: 0x30000 };
}

function onProcess(): GuestMemorySubject {
  const p = new Machine({ arch: 'sv39' }).spawn();
  const rw = p.mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  const ro = p.mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
  return { memory: processMemory(p), readWrite: rw, readOnly: ro, unmapped: 0x10000 };
}

/** `bare()` with one behaviour changed. */
function broken(change: (m: GuestMemory) => GuestMemory['translate']): () => GuestMemorySubject {
  return () => {
    const s = bare();
    const memory: GuestMemory = { physical: s.memory.physical, translate: change(s.memory) };
    return { ...s, memory };
  };
}

describe('GuestMemory kit', () => {
  it('BareMemory keeps every rule', () => assertContract(checkGuestMemory(bare, { name: 'BareMemory' })));
  it('processMemory(Process) keeps every rule', () =>
    assertContract(checkGuestMemory(onProcess, { name: 'processMemory' })));

  const cases: [string, () => GuestMemorySubject][] = [
    [
      'translate-total',
      broken((m) => (va, a) => {
        if (Number.isNaN(va)) throw new Error('NaN');
        return m.translate(va, a);
      }),
    ],
    [
      'translate-in-physical',
      broken((m) => (va, a) => {
        const r = m.translate(va, a);
        return r >= 0 ? r + 2 : r;
      }),
    ],
    [
      'translate-stable',
      broken((m) => (va, a) => {
        const r = m.translate(va, a);
        return r >= 0 && a === Access.Load ? r + 4096 : r;
      }),
    ],
    ['faults-negative', broken((m) => (va, a) => m.translate(va, a === Access.Store ? Access.Load : a))],
  ];
  for (const [rule, factory] of cases) {
    it(`a memory that breaks ${rule} is reported for exactly that rule`, () => {
      const report = checkGuestMemory(factory);
      expect(report.failed.map((f) => f.rule)).toEqual([rule]);
    });
  }
  it('every rule has a broken implementation above', () => {
    expect(GUEST_MEMORY_RULES.map((r) => r.id).sort()).toEqual(cases.map((c) => c[0]).sort());
  });
});
