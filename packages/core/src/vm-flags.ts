/**
 * `VmFlags`: the per-VMA flag word, with Linux's bit values (include/linux/mm.h) and the two-letter mnemonics
 * `/proc/PID/smaps` prints in its `VmFlags:` line (fs/proc/task_mmu.c `show_smap_vma_flags`, in bit order).
 *
 * The word uses bit 31 (`VM_MERGEABLE`), so JS bit operators may return a negative int32; normalise with
 * {@link vmFlags} (`>>> 0`) before comparing words with `===`.
 *
 * @module
 */

import { MAP_GROWSDOWN, MAP_LOCKED, MAP_NORESERVE, MAP_SHARED, MAP_SYNC, MAP_TYPE } from './mmap-flags.js';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from './prot.js';

/** A VMA flag word (unsigned 32-bit). */
export type VmFlags = number;

export const VM_NONE = 0;
/** Readable. */
export const VM_READ = 0x1;
/** Writable. */
export const VM_WRITE = 0x2;
/** Executable. */
export const VM_EXEC = 0x4;
/** Shared: writes reach the object (MAP_SHARED with write access possible). */
export const VM_SHARED = 0x8;
/** mprotect may add PROT_READ. */
export const VM_MAYREAD = 0x10;
/** mprotect may add PROT_WRITE. */
export const VM_MAYWRITE = 0x20;
/** mprotect may add PROT_EXEC. */
export const VM_MAYEXEC = 0x40;
/** The mapping was created MAP_SHARED (printed as `s` in maps). */
export const VM_MAYSHARE = 0x80;
/** A stack that grows down on faults below it. */
export const VM_GROWSDOWN = 0x100;
/** userfaultfd missing-page tracking. */
export const VM_UFFD_MISSING = 0x200;
/** Page-frame-number mapping (no struct page). */
export const VM_PFNMAP = 0x400;
/** userfaultfd write-protect tracking. */
export const VM_UFFD_WP = 0x1000;
/** Pages are mlocked. */
export const VM_LOCKED = 0x2000;
/** Memory-mapped I/O. */
export const VM_IO = 0x4000;
/** madvise(MADV_SEQUENTIAL). */
export const VM_SEQ_READ = 0x8000;
/** madvise(MADV_RANDOM). */
export const VM_RAND_READ = 0x10000;
/** madvise(MADV_DONTFORK): not copied to a fork child. */
export const VM_DONTCOPY = 0x20000;
/** Cannot be expanded by mremap. */
export const VM_DONTEXPAND = 0x40000;
/** mlock2(MLOCK_ONFAULT): lock pages as they are faulted. */
export const VM_LOCKONFAULT = 0x80000;
/** Charged to the commit accounting. */
export const VM_ACCOUNT = 0x100000;
/** MAP_NORESERVE: not charged. */
export const VM_NORESERVE = 0x200000;
/** A hugetlbfs mapping. */
export const VM_HUGETLB = 0x400000;
/** MAP_SYNC. */
export const VM_SYNC = 0x800000;
/** Architecture-specific flag 1. */
export const VM_ARCH_1 = 0x1000000;
/** madvise(MADV_WIPEONFORK): the child sees zeros. */
export const VM_WIPEONFORK = 0x2000000;
/** madvise(MADV_DONTDUMP). */
export const VM_DONTDUMP = 0x4000000;
/** Soft-dirty tracking. */
export const VM_SOFTDIRTY = 0x8000000;
/** Mixed page / PFN mapping. */
export const VM_MIXEDMAP = 0x10000000;
/** madvise(MADV_HUGEPAGE). */
export const VM_HUGEPAGE = 0x20000000;
/** madvise(MADV_NOHUGEPAGE) (and MAP_STACK on new kernels). */
export const VM_NOHUGEPAGE = 0x40000000;
/** madvise(MADV_MERGEABLE) (KSM). Bit 31. */
export const VM_MERGEABLE = 0x80000000;

/** The access bits. */
export const VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;
/** The "may" bits. */
export const VM_MAY_FLAGS = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_MAYSHARE;
/** Both lock bits (mlock and mlock2 ONFAULT). */
export const VM_LOCKED_MASK = VM_LOCKED | VM_LOCKONFAULT;

/** Normalises a flag word to an unsigned 32-bit number. */
export function vmFlags(x: number): VmFlags {
  return x >>> 0;
}

/** True when every bit of `bits` is set in `flags`. */
export function hasVmFlags(flags: VmFlags, bits: VmFlags): boolean {
  return (flags & bits) >>> 0 === bits >>> 0;
}

/**
 * The smaps mnemonic of each flag bit, indexed by bit number (fs/proc/task_mmu.c). Bits without a mnemonic are
 * `undefined` and never printed.
 */
export const VM_FLAG_MNEMONICS: readonly (string | undefined)[] = (() => {
  const m: (string | undefined)[] = new Array(32).fill(undefined);
  const set = (bit: number, name: string) => {
    m[Math.log2(bit)] = name;
  };
  set(VM_READ, 'rd');
  set(VM_WRITE, 'wr');
  set(VM_EXEC, 'ex');
  set(VM_SHARED, 'sh');
  set(VM_MAYREAD, 'mr');
  set(VM_MAYWRITE, 'mw');
  set(VM_MAYEXEC, 'me');
  set(VM_MAYSHARE, 'ms');
  set(VM_GROWSDOWN, 'gd');
  set(VM_UFFD_MISSING, 'um');
  set(VM_PFNMAP, 'pf');
  set(VM_UFFD_WP, 'uw');
  set(VM_LOCKED, 'lo');
  set(VM_IO, 'io');
  set(VM_SEQ_READ, 'sr');
  set(VM_RAND_READ, 'rr');
  set(VM_DONTCOPY, 'dc');
  set(VM_DONTEXPAND, 'de');
  set(VM_LOCKONFAULT, 'lf');
  set(VM_ACCOUNT, 'ac');
  set(VM_NORESERVE, 'nr');
  set(VM_HUGETLB, 'ht');
  set(VM_SYNC, 'sf');
  set(VM_ARCH_1, 'ar');
  set(VM_WIPEONFORK, 'wf');
  set(VM_DONTDUMP, 'dd');
  set(VM_SOFTDIRTY, 'sd');
  set(VM_MIXEDMAP, 'mm');
  set(VM_HUGEPAGE, 'hg');
  set(VM_NOHUGEPAGE, 'nh');
  set(VM_MERGEABLE, 'mg');
  return m;
})();

/** The smaps `VmFlags:` mnemonics of a flag word, in bit order (`["rd","wr","mr","mw","me","ac"]`). */
export function vmFlagMnemonics(flags: VmFlags): string[] {
  const out: string[] = [];
  const f = flags >>> 0;
  for (let bit = 0; bit < 32; bit++) {
    const name = VM_FLAG_MNEMONICS[bit];
    if (name !== undefined && Math.floor(f / 2 ** bit) % 2 === 1) out.push(name);
  }
  return out;
}

/** The value of smaps' `VmFlags:` line after the colon: each mnemonic followed by a space (`"rd wr mr mw me ac "`). */
export function formatVmFlags(flags: VmFlags): string {
  return vmFlagMnemonics(flags)
    .map((m) => `${m} `)
    .join('');
}

/** Linux's `calc_vm_prot_bits`: PROT_READ/WRITE/EXEC → VM_READ/WRITE/EXEC. */
export function protToVmFlags(prot: number): VmFlags {
  return (
    (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0)
  );
}

/** The inverse of {@link protToVmFlags}: the PROT_* bits of a flag word's access rights. */
export function vmFlagsToProt(flags: VmFlags): number {
  return (
    (flags & VM_READ ? PROT_READ : 0) |
    (flags & VM_WRITE ? PROT_WRITE : 0) |
    (flags & VM_EXEC ? PROT_EXEC : 0)
  );
}

/**
 * The VmFlags of a new anonymous mapping, as `do_mmap` computes them: `calc_vm_prot_bits | calc_vm_flag_bits |
 * VM_MAY{READ,WRITE,EXEC}`, plus `VM_SHARED | VM_MAYSHARE` for MAP_SHARED, `VM_NORESERVE` for MAP_NORESERVE, and
 * `VM_ACCOUNT` for a private writable mapping without MAP_NORESERVE (mm/mmap.c `accountable_mapping`, overcommit
 * heuristic mode). `VM_SOFTDIRTY` and the MAP_STACK → VM_NOHUGEPAGE rule are left to the caller's options.
 */
export function mmapVmFlags(prot: number, mapFlags: number): VmFlags {
  let f = protToVmFlags(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  if (mapFlags & MAP_GROWSDOWN) f |= VM_GROWSDOWN;
  if (mapFlags & MAP_LOCKED) f |= VM_LOCKED;
  const type = mapFlags & MAP_TYPE;
  const shared = type === MAP_SHARED || type === (MAP_SHARED | 0x2);
  if (shared) {
    f |= VM_SHARED | VM_MAYSHARE;
    if (mapFlags & MAP_SYNC) f |= VM_SYNC;
  }
  if (mapFlags & MAP_NORESERVE) f |= VM_NORESERVE;
  else if (!shared && prot & PROT_WRITE) f |= VM_ACCOUNT;
  return f >>> 0;
}

/** The four `/proc/PID/maps` permission letters of a flag word (`rw-p`, `r--s`). */
export function vmFlagsToMapsPerms(flags: VmFlags): string {
  return `${flags & VM_READ ? 'r' : '-'}${flags & VM_WRITE ? 'w' : '-'}${flags & VM_EXEC ? 'x' : '-'}${
    flags & VM_MAYSHARE ? 's' : 'p'
  }`;
}
