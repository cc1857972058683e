/**
 * {@link BareMemory}: a {@link GuestMemory} without a kernel — pages mapped by hand onto frames of a
 * `PhysicalMemory` with read/write/execute rights, no page faults served. For unit tests and small experiments;
 * a real process uses {@link processMemory}.
 *
 * @module
 */

import { Access, type PhysicalMemory, PROT_EXEC, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { FAULT_SEGV_ACCERR, FAULT_SEGV_MAPERR, type GuestMemory } from './guest-memory.js';
import { Rv64Error } from './hart.js';

const PAGE = 4096;

/** Hand-mapped guest memory: `map` pages, then every access checks the page's rights (MAPERR / ACCERR). */
export class BareMemory implements GuestMemory {
  private readonly pages = new Map<number, { frame: number; prot: number }>();
  private nextFrame: number;

  /** @param physical - the memory whose frames are handed out, lowest first */
  constructor(readonly physical: PhysicalMemory) {
    this.nextFrame = physical.baseFrame;
  }

  /**
   * Maps the pages covering `[va, va + length)` with `prot` (`PROT_READ | PROT_WRITE | PROT_EXEC`) onto fresh zeroed
   * frames (pages already mapped keep their frames and get the new rights). Throws {@link Rv64Error} for a bad
   * range or when frames run out, changing nothing.
   */
  map(va: number, length: number, prot: number): void {
    if (!Number.isSafeInteger(va) || va < 0 || !Number.isSafeInteger(length) || length <= 0)
      throw new Rv64Error(`BareMemory.map: bad range ${va}+${length}`);
    if (!Number.isInteger(prot) || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) !== 0)
      throw new Rv64Error(`BareMemory.map: bad prot ${prot}`);
    const first = Math.floor(va / PAGE);
    const last = Math.floor((va + length - 1) / PAGE);
    let needed = 0;
    for (let p = first; p <= last; p++) if (!this.pages.has(p)) needed++;
    if (this.nextFrame + needed > this.physical.baseFrame + this.physical.frameCount)
      throw new Rv64Error('BareMemory.map: out of frames');
    for (let p = first; p <= last; p++) {
      const e = this.pages.get(p);
      if (e !== undefined) e.prot = prot;
      else {
        this.physical.zeroFrame(this.nextFrame);
        this.pages.set(p, { frame: this.nextFrame++, prot });
      }
    }
  }

  /** Removes the pages covering `[va, va + length)` (their frames are not reused). */
  unmap(va: number, length: number): void {
    const first = Math.floor(va / PAGE);
    const last = Math.floor((va + length - 1) / PAGE);
    for (let p = first; p <= last; p++) this.pages.delete(p);
  }

  /** Copies `bytes` to `va` (rights are not checked: this is the loader). Throws when a page is not mapped. */
  write(va: number, bytes: Uint8Array): void {
    for (let k = 0; k < bytes.length; k++) {
      const pa = this.physicalAddress(va + k);
      if (pa < 0) throw new Rv64Error(`BareMemory.write: ${(va + k).toString(16)} is not mapped`);
      this.physical.write8(pa, bytes[k] as number);
    }
  }

  /** Reads `length` bytes at `va` (rights are not checked). Throws when a page is not mapped. */
  read(va: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let k = 0; k < length; k++) {
      const pa = this.physicalAddress(va + k);
      if (pa < 0) throw new Rv64Error(`BareMemory.read: ${(va + k).toString(16)} is not mapped`);
      out[k] = this.physical.read8(pa);
    }
    return out;
  }

  /** {@link GuestMemory.translate}: MAPERR for an unmapped page, ACCERR without the right (R, W or X). */
  translate(va: number, access: Access): number {
    if (!(va >= 0)) return FAULT_SEGV_MAPERR;
    const e = this.pages.get(Math.floor(va / PAGE));
    if (e === undefined) return FAULT_SEGV_MAPERR;
    const need = access === Access.Store ? PROT_WRITE : access === Access.Fetch ? PROT_EXEC : PROT_READ;
    if ((e.prot & need) === 0) return FAULT_SEGV_ACCERR;
    return e.frame * PAGE + (va % PAGE);
  }

  private physicalAddress(va: number): number {
    const e = this.pages.get(Math.floor(va / PAGE));
    return e === undefined ? -1 : e.frame * PAGE + (va % PAGE);
  }
}
