/**
 * Loading a program into a fresh address space (Linux `load_elf_binary` + `setup_arg_pages`): the image's
 * segments as private mappings, the heap right after the last one (`elf_brk`), the stack below the top of the user
 * half with the initial stack (argv, envp, auxv), and the top-down mmap area below the stack — each optionally
 * randomised (ASLR) from the machine's seeded {@link Rng}.
 *
 * @module
 */

import {
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_PRIVATE,
  PAGE_SIZE,
  type Rng,
  toNegErrno,
  VM_ACCOUNT,
  VM_GROWSDOWN,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYWRITE,
  VM_READ,
  VM_SOFTDIRTY,
  VM_WRITE,
} from '@pagewright/core';
import { Vma } from '@pagewright/vma';
import type { AddressSpace } from './address-space.js';
import { buildInitStack } from './init-stack.js';
import { sysMmap } from './mmap.js';
import { sysMprotect } from './mprotect.js';
import type { ImageSegment, ProgramImage } from './program-image.js';
import { OOM_KILL } from './signals.js';

/** Initial stack VMA size below the argument pages (Linux `stack_expand`, 128 KiB). */
export const STACK_EXPAND = 0x20000;
/** Smallest gap between the stack top and `mmap_base` (Linux `MIN_GAP`, 128 MiB). */
export const MIN_GAP = 128 * 1024 * 1024;

/** Randomisation (in pages) when ASLR is on; zero when `rng` is null. */
function randomPages(rng: Rng | null, maxPages: number): number {
  return rng === null ? 0 : rng.nextInt(maxPages);
}

/** Linux `MAX_ARG_STRLEN` (32 pages): the longest single argument or environment string. */
const MAX_ARG_STRLEN = 32 * PAGE_SIZE;
/** Linux `ARG_MAX` floor of the argument space (32 pages) and `_STK_LIM / 4 * 3` ceiling (6 MiB). */
const ARG_MIN_LIMIT = 32 * PAGE_SIZE;
const ARG_MAX_LIMIT = 6 * 1024 * 1024;

function isStringArray(x: unknown): x is readonly string[] {
  return Array.isArray(x) && x.every((a) => typeof a === 'string');
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * Checks `image` before anything is built, as `execve` checks the ELF file and the arguments before the point of
 * no return. Returns 0 or `-errno`:
 * - `ENOEXEC`: not an image (no `segments` array, a segment that is not `{ vaddr, memsz, prot, data? }` with
 *   non-negative integers, `prot` outside `PROT_READ | PROT_WRITE | PROT_EXEC`, `data` not a `Uint8Array`, an entry
 *   that is not a non-negative integer) — what `load_elf_binary` answers for a malformed header;
 * - `EINVAL`: a segment with more file bytes than memory (`p_filesz > p_memsz`), one that does not fit below
 *   `TASK_SIZE`, or an entry point at or past it (`BAD_ADDR(e_entry)`) — the checks of `load_elf_binary`;
 * - `EFAULT`: `path`, `argv` or `envp` not a string / an array of strings (a bad user pointer in `execve`);
 * - `E2BIG`: a string longer than `MAX_ARG_STRLEN`, or arguments and environment beyond the argument space
 *   (`bprm_stack_limits`: a quarter of `RLIMIT_STACK`, at least `ARG_MAX`, at most 6 MiB).
 */
export function validateImage(image: unknown, limits: { taskSize: number; stackLimit: number }): number {
  if (typeof image !== 'object' || image === null) return toNegErrno('ENOEXEC');
  const img = image as Partial<Record<keyof ProgramImage, unknown>>;
  const segments = img.segments;
  if (!Array.isArray(segments) || !isCount(img.entry)) return toNegErrno('ENOEXEC');
  for (const seg of segments as unknown[]) {
    if (typeof seg !== 'object' || seg === null) return toNegErrno('ENOEXEC');
    const { vaddr, memsz, prot, data } = seg as Partial<Record<keyof ImageSegment, unknown>>;
    if (!isCount(vaddr) || !isCount(memsz) || !isCount(prot) || prot > 7) return toNegErrno('ENOEXEC');
    if (data !== undefined && !(data instanceof Uint8Array)) return toNegErrno('ENOEXEC');
  }
  const { taskSize } = limits;
  for (const seg of segments as ImageSegment[]) {
    // load_elf_binary: "p_filesz must always be <= p_memsz", and the segment must end below TASK_SIZE.
    if ((seg.data?.length ?? 0) > seg.memsz) return toNegErrno('EINVAL');
    if (seg.vaddr >= taskSize || seg.memsz > taskSize || taskSize - seg.memsz < seg.vaddr)
      return toNegErrno('EINVAL');
  }
  if (img.entry >= taskSize) return toNegErrno('EINVAL');
  const path = img.path ?? '/bin/demo';
  return checkExecArguments(path, img.argv ?? [path], img.envp ?? [], limits.stackLimit);
}

/**
 * `execve`'s checks of its strings (`do_execveat_common`, `bprm_stack_limits`, `copy_strings`): 0, `-EFAULT` when
 * `path` is not a string or `argv`/`envp` not an array of strings (a bad user pointer), `-E2BIG` for a string
 * longer than `MAX_ARG_STRLEN` or more than the argument space (a quarter of `RLIMIT_STACK`, at least `ARG_MAX`,
 * at most 6 MiB, less a pointer per string).
 */
export function checkExecArguments(path: unknown, argv: unknown, envp: unknown, stackLimit: number): number {
  if (typeof path !== 'string') return toNegErrno('EFAULT');
  if (!isStringArray(argv)) return toNegErrno('EFAULT');
  if (!isStringArray(envp)) return toNegErrno('EFAULT');
  const strings = [...argv, ...envp];
  let limit = Math.max(Math.min(ARG_MAX_LIMIT, Math.floor(stackLimit / 4)), ARG_MIN_LIMIT);
  const pointers = strings.length * 8;
  if (limit <= pointers) return toNegErrno('E2BIG');
  limit -= pointers;
  const encoder = new TextEncoder();
  let bytes = 0;
  for (const str of strings) {
    const n = encoder.encode(str).length + 1;
    if (n > MAX_ARG_STRLEN) return toNegErrno('E2BIG');
    bytes += n;
  }
  if (bytes > limit) return toNegErrno('E2BIG');
  return 0;
}

/**
 * Fills the empty `vm` with `image`, in Linux's order: the stack VMA first (`setup_arg_pages`), then the segments —
 * the first mapped `MAP_FIXED_NOREPLACE` (so a segment where the stack goes answers `EEXIST`, as `elf_map` does),
 * the others `MAP_FIXED` — then the heap and the initial stack's contents. Returns 0 or `-errno`
 * ({@link validateImage}'s, ENOMEM when memory runs out, EFAULT when the initial stack cannot be written); on
 * failure the caller destroys `vm` (nothing else was changed).
 * @param rng - the source of ASLR offsets, or null when ASLR is off
 * @param random - the source of the AT_RANDOM bytes
 */
export function loadImage(vm: AddressSpace, image: ProgramImage, rng: Rng | null, random: Rng): number {
  const invalid = validateImage(image, vm.limits);
  if (invalid !== 0) return invalid;
  const { taskSize } = vm.limits;
  // Layout: stack at the top, mmap_base one gap below it.
  const stackTop = taskSize - randomPages(rng, 1 << 12) * PAGE_SIZE;
  const gap = Math.max(MIN_GAP, vm.limits.stackLimit + vm.limits.stackGuardGapPages * PAGE_SIZE);
  vm.mmapBase = Math.floor((taskSize - gap) / PAGE_SIZE) * PAGE_SIZE - randomPages(rng, 1 << 14) * PAGE_SIZE;
  // The initial stack's VMA (setup_arg_pages), before the segments.
  const path = image.path ?? '/bin/demo';
  const layout = buildInitStack(stackTop, path, image.argv ?? [path], image.envp ?? [], image.entry, random);
  const stackStart = Math.floor(layout.sp / PAGE_SIZE) * PAGE_SIZE - STACK_EXPAND;
  if (stackStart < vm.limits.mmapMinAddr) return toNegErrno('ENOMEM');
  const flags =
    VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_GROWSDOWN | VM_ACCOUNT | VM_SOFTDIRTY;
  vm.vmas.insertNoMerge(new Vma({ start: stackStart / PAGE_SIZE, end: stackTop / PAGE_SIZE, flags }));
  // Segments.
  let elfBrk = 0;
  let first = true;
  let firstLoad = true;
  for (const seg of image.segments) {
    const start = Math.floor(seg.vaddr / PAGE_SIZE) * PAGE_SIZE;
    const end = Math.ceil((seg.vaddr + seg.memsz) / PAGE_SIZE) * PAGE_SIZE;
    if (end > start) {
      const fixed = firstLoad ? MAP_FIXED_NOREPLACE : MAP_FIXED;
      firstLoad = false;
      const r = sysMmap(vm, start, end - start, 0x3, MAP_PRIVATE | MAP_ANONYMOUS | fixed, -1, 0);
      if (r < 0) return r;
      if (seg.data && seg.data.length > 0) {
        const w = writeInto(vm, seg.vaddr, seg.data);
        if (w !== 0) return w;
      }
      const pr = sysMprotect(vm, start, end - start, seg.prot);
      if (pr < 0) return pr;
    }
    if (seg.prot & 0x4 && first) {
      vm.startCode = seg.vaddr;
      vm.endCode = seg.vaddr + (seg.data?.length ?? seg.memsz);
      first = false;
    } else {
      if (vm.startData === 0) vm.startData = seg.vaddr;
      vm.endData = seg.vaddr + (seg.data?.length ?? seg.memsz);
    }
    elfBrk = Math.max(elfBrk, seg.vaddr + seg.memsz);
  }
  vm.startBrk = Math.ceil(elfBrk / PAGE_SIZE) * PAGE_SIZE + randomPages(rng, 1 << 13) * PAGE_SIZE;
  vm.brk = vm.startBrk;
  // The initial stack's contents (create_elf_tables).
  const w = writeInto(vm, layout.sp, layout.bytes);
  if (w !== 0) return w;
  vm.startStack = layout.sp;
  vm.argStart = layout.argStart;
  vm.argEnd = layout.argEnd;
  vm.envStart = layout.envStart;
  vm.envEnd = layout.envEnd;
  vm.updateHiwater();
  return 0;
}

/**
 * Writes bytes into `vm` through its fault handler (kernel-side copy, as `copy_to_user` during exec): 0, `-ENOMEM`
 * when a frame or table cannot be had, `-EFAULT` when a page refuses the store (a later segment mapped over the
 * stack and made read-only).
 */
export function writeInto(vm: AddressSpace, va: number, bytes: Uint8Array): number {
  let done = 0;
  while (done < bytes.length) {
    const addr = va + done;
    const vpn = Math.floor(addr / PAGE_SIZE);
    const r = vm.faultPage(vpn, 1);
    if (r < 0) return toNegErrno(r === OOM_KILL ? 'ENOMEM' : 'EFAULT');
    const pfn = vm.pageTable.lookup(vpn);
    const n = Math.min(bytes.length - done, PAGE_SIZE - (addr & 0xfff));
    vm.m.memory.writeBytes(pfn * PAGE_SIZE + (addr & 0xfff), bytes.subarray(done, done + n));
    done += n;
  }
  return 0;
}
