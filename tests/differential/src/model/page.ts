/**
 * The reference model's vocabulary: one record per mapped virtual page, the VMA-level flags Linux keeps in
 * `vm_flags` (only the ones that change behaviour or VMA merging for anonymous memory), and the shared anonymous
 * object (`/dev/zero` shmem file) that `MAP_SHARED|MAP_ANONYMOUS` creates.
 *
 * The model keeps no VMA tree: every mapped page carries all of its VMA's attributes plus a VMA identity `vma`;
 * a VMA (a `/proc/PID/maps` line) is a maximal run of consecutive pages with the same identity. Splitting a VMA
 * gives one side a fresh identity; merging relabels one side with the other's identity. Linux's merge rules need
 * the VMA-level `anon_vma` and whether it was inherited through fork, so those are per-page tags too.
 *
 * @module
 */

import type { ModelDescription } from './files.js';

/** The page size the model works in. */
export const PAGE = 4096;

/**
 * Model VM flag bits. These mirror Linux `vm_flags` bits that matter for anonymous memory; two VMAs can merge only
 * when these are equal (Linux `is_mergeable_vma` compares all of `vm_flags` except VM_SOFTDIRTY).
 */
export const VmFlag = {
  /** VM_SHARED | VM_MAYSHARE: a shared mapping (maps shows `s`). */
  Shared: 1 << 0,
  /** VM_LOCKED: mlock()ed. */
  Locked: 1 << 1,
  /**
   * VM_ACCOUNT: the mapping is charged to the commit limit. Set on private writable mappings without
   * MAP_NORESERVE (mm/mmap.c `accountable_mapping`), added by mprotect(+W), and dropped by mprotect(-W) only while
   * the VMA has no anon_vma (mm/mprotect.c `mprotect_fixup`).
   */
  Account: 1 << 2,
  /** VM_NORESERVE: MAP_NORESERVE. */
  NoReserve: 1 << 3,
  /** VM_GROWSDOWN: MAP_GROWSDOWN. */
  GrowsDown: 1 << 4,
  /** VM_DONTCOPY: MADV_DONTFORK — the child of a fork does not get this VMA. */
  DontCopy: 1 << 5,
  /** VM_WIPEONFORK: MADV_WIPEONFORK — the child gets the VMA empty. */
  WipeOnFork: 1 << 6,
  /** VM_DONTDUMP: MADV_DONTDUMP. */
  DontDump: 1 << 7,
  /** VM_RAND_READ: MADV_RANDOM. */
  RandRead: 1 << 8,
  /** VM_SEQ_READ: MADV_SEQUENTIAL. */
  SeqRead: 1 << 9,
  /**
   * Not a Linux flag: marks a VMA the model did not create itself (the initial program image and stack of the
   * implementation under test, copied from its maps). Such VMAs are file-backed in Linux, so they never merge.
   */
  Foreign: 1 << 10,
  /**
   * A shared file mapping of a descriptor not open for writing: `VM_MAYSHARE` without `VM_SHARED` and `VM_MAYWRITE`
   * (mprotect to writable answers EACCES).
   */
  NoMayWrite: 1 << 11,
  /** VM_SEALED (mseal): every later change of the VMA answers EPERM; merges only with sealed neighbours. */
  Sealed: 1 << 12,
} as const;

/**
 * The object behind a shared anonymous mapping: a shmem file of fixed size created by mmap (`shmem_zero_setup`).
 * Every mapping of it (after fork, after mremap) sees the same pages. Access past `sizePages` raises SIGBUS.
 */
export interface SharedObject {
  /** Identity (VMAs of different objects never merge). */
  readonly id: number;
  /** Size in pages, fixed at creation (mremap growth does not change it). */
  readonly sizePages: number;
  /** Pages that exist in the object's page cache; an absent index reads zero. */
  readonly pages: Map<number, Uint8Array>;
}

/** Everything the model knows about one mapped virtual page. */
export interface Page {
  /** VMA identity: consecutive pages with the same value are one VMA. */
  vma: number;
  /** PROT_READ | PROT_WRITE | PROT_EXEC (PROT_SEM is dropped like Linux does). */
  prot: number;
  /** {@link VmFlag} bits. */
  flags: number;
  /**
   * The VMA's anon_vma identity (0 = none yet). Private anonymous VMAs get one on their first write fault; a VMA
   * created by fork gets a fresh one if its parent had one.
   */
  anon: number;
  /** True when the anon_vma came from fork (Linux: the VMA's anon_vma_chain is not singular). */
  forked: boolean;
  /**
   * This page's offset in its object, in pages: for private anonymous memory the virtual page number at creation
   * (Linux sets vm_pgoff = addr >> PAGE_SHIFT and keeps it through mremap moves); for shared anonymous memory the
   * page index in the {@link SharedObject}. Two VMAs merge only if the pgoffs continue across the boundary.
   */
  pgoff: number;
  /** The shared object for a shared mapping, else null. */
  shm: SharedObject | null;
  /** Private mappings: this process's own copy of the page (null = reads as zero). */
  data: Uint8Array | null;
  /** Private mappings: a page-table entry exists (the shared zero page after a read, or `data`). */
  present: boolean;
  /**
   * Private mappings: the PTE's accessed bit (smaps `Referenced`): set by any access or populate that maps the page,
   * cleared in a fork child (`copy_present_pte` makes the child's PTEs old). Meaningless for the zero page.
   */
  young: boolean;
  /**
   * The VMA's name when the model did not create it ({@link VmFlag.Foreign}: the system under test's initial
   * program image and stack, as its maps showed them), else null. Part of the VMA's attributes: Linux merges only
   * VMAs with equal names (`anon_vma_name_eq`).
   */
  name: string | null;
  /**
   * The open file description a file mapping maps (its `vm_file`), or absent/null for anonymous memory. `pgoff` is
   * then the page index in the file; a shared mapping's page is the file's page, a private one reads it until its
   * first store makes `data`, the process's own copy.
   */
  desc?: ModelDescription | null;
  /** A guard marker (MADV_GUARD_INSTALL) in the page's page-table entry: any access is SIGSEGV. */
  guard?: boolean;
}

/** The attributes of a page that describe its VMA (everything but contents and identity). */
export type VmaAttrs = Pick<Page, 'prot' | 'flags' | 'anon' | 'forked' | 'shm' | 'name' | 'desc'>;
