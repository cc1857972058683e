/**
 * Test-only helpers (not exported from the package): a tiny page-table builder writing raw PTEs into memory.
 *
 * @module
 */

import type { PhysicalMemory, U64Pair } from '@pagewright/core';
import { PTE_V } from './pte.js';
import type { RiscvPagingArch } from './riscv-arch.js';

/** Builds page tables in `memory` from frame `firstFrame` upwards (one frame per table, in order). */
export class TableBuilder {
  readonly root: number;
  private next: number;
  private readonly word: U64Pair = { lo: 0, hi: 0 };

  constructor(
    readonly memory: PhysicalMemory,
    readonly arch: RiscvPagingArch,
    firstFrame: number,
  ) {
    this.next = firstFrame;
    this.root = this.allocTable();
  }

  /** A fresh zeroed table frame. */
  allocTable(): number {
    const f = this.next++;
    this.memory.zeroFrame(f);
    return f;
  }

  /** Low vaBits bits of a signed-number VA. */
  private unsigned(va: number): number {
    return va < 0 ? va + this.arch.vaSpan : va;
  }

  /** Address of the PTE for `va` at `level`, creating V-only table entries on the way down. */
  pteAddr(va: number, level: number): number {
    const v = this.unsigned(va);
    let table = this.root;
    for (let i = this.arch.levels - 1; i > level; i--) {
      const addr = table * 4096 + (Math.floor(v / 2 ** (12 + 9 * i)) % 512) * 8;
      this.memory.read64(addr, this.word);
      if ((this.word.lo & PTE_V) === 0 || (this.word.lo & 0xe) !== 0) {
        const t = this.allocTable();
        this.memory.write64(addr, ((t % 0x400000) * 1024 + PTE_V) >>> 0, Math.floor(t / 0x400000));
        table = t;
      } else {
        table = (this.word.lo >>> 10) + (this.word.hi & 0x3fffff) * 0x400000;
      }
    }
    return table * 4096 + (Math.floor(v / 2 ** (12 + 9 * level)) % 512) * 8;
  }

  /** Writes a raw PTE for `va` at `level`. Returns its address. */
  set(va: number, level: number, lo: number, hi = 0): number {
    const addr = this.pteAddr(va, level);
    this.memory.write64(addr, lo >>> 0, hi >>> 0);
    return addr;
  }

  /** Writes a leaf for `va` at `level` mapping frame `ppn` with the low PTE byte `bits` (V added). */
  leaf(va: number, level: number, ppn: number, bits: number): number {
    return this.set(va, level, ((ppn % 0x400000) * 1024 + (bits | PTE_V)) >>> 0, Math.floor(ppn / 0x400000));
  }

  /** Reads the PTE at `addr`. */
  read(addr: number): U64Pair {
    const out = { lo: 0, hi: 0 };
    this.memory.read64(addr, out);
    return out;
  }
}
