/**
 * Test-only helpers (not exported from the package): a tiny page-table builder writing raw x86-64 entries.
 *
 * @module
 */

import type { PhysicalMemory, U64Pair } from '@pagewright/core';
import { X86_P, X86_RW, X86_US } from './pte.js';
import type { X86PagingArch } from './x86-arch.js';

/** Builds page tables in `memory` from frame `firstFrame` upwards (one frame per table, in order). */
export class X86TableBuilder {
  readonly root: number;
  private next: number;
  private readonly word: U64Pair = { lo: 0, hi: 0 };

  constructor(
    readonly memory: PhysicalMemory,
    readonly arch: X86PagingArch,
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

  /** The unsigned page number of a signed-number VA. */
  vpnOf(va: number): number {
    const vpn = Math.floor(va / 4096);
    return vpn < 0 ? vpn + this.arch.pageSpan : vpn;
  }

  /** Address of the entry for `va` at `level`, creating P|RW|US table entries (A = 0) on the way down. */
  entryAddr(va: number, level: number): number {
    const vpn = this.vpnOf(va);
    let table = this.root;
    for (let l = this.arch.levels - 1; l > level; l--) {
      const addr = table * 4096 + (Math.floor(vpn / 512 ** l) % 512) * 8;
      this.memory.read64(addr, this.word);
      if ((this.word.lo & X86_P) === 0) {
        const t = this.allocTable();
        this.memory.write64(
          addr,
          ((t % 0x100000) * 4096 + (X86_P | X86_RW | X86_US)) >>> 0,
          Math.floor(t / 0x100000),
        );
        table = t;
      } else {
        table = (this.word.lo >>> 12) + (this.word.hi & 0xfffff) * 0x100000;
      }
    }
    return table * 4096 + (Math.floor(vpn / 512 ** level) % 512) * 8;
  }

  /** Writes a raw entry for `va` at `level`; returns its address. */
  set(va: number, level: number, lo: number, hi = 0): number {
    const addr = this.entryAddr(va, level);
    this.memory.write64(addr, lo >>> 0, hi >>> 0);
    return addr;
  }

  /** Maps `va` to frame `pfn` at `level` with the low flag bits `bits` (PS added above level 0) and `hi` bits. */
  map(va: number, level: number, pfn: number, bits: number, hi = 0): number {
    const lo = (pfn % 0x100000) * 4096 + (bits | X86_P | (level > 0 ? 0x80 : 0));
    return this.set(va, level, lo, (Math.floor(pfn / 0x100000) | hi) >>> 0);
  }

  /** The entry at `addr` as [lo, hi]. */
  read(addr: number): [number, number] {
    this.memory.read64(addr, this.word);
    return [this.word.lo, this.word.hi];
  }
}
