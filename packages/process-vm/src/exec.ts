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
import type { ProgramImage } from './program-image.js';

/** Initial stack VMA size below the argument pages (Linux `stack_expand`, 128 KiB). */
export const STACK_EXPAND = 0x20000;
/** Smallest gap between the stack top and `mmap_base` (Linux `MIN_GAP`, 128 MiB). */
export const MIN_GAP = 128 * 1024 * 1024;

/** Randomisation (in pages) when ASLR is on; zero when `rng` is null. */
function randomPages(rng: Rng | null, maxPages: number): number {
  return rng === null ? 0 : rng.nextInt(maxPages);
}

/**
 * Fills the empty `vm` with `image`. Returns 0 or `-errno` (ENOMEM when memory runs out).
 * @param rng - the source of ASLR offsets, or null when ASLR is off
 * @param random - the source of the AT_RANDOM bytes
 */
export function loadImage(vm: AddressSpace, image: ProgramImage, rng: Rng | null, random: Rng): number {
  const { taskSize } = vm.limits;
  // Layout: stack at the top, mmap_base one gap below it.
  const stackTop = taskSize - randomPages(rng, 1 << 12) * PAGE_SIZE;
  const gap = Math.max(MIN_GAP, vm.limits.stackLimit + vm.limits.stackGuardGapPages * PAGE_SIZE);
  vm.mmapBase = Math.floor((taskSize - gap) / PAGE_SIZE) * PAGE_SIZE - randomPages(rng, 1 << 14) * PAGE_SIZE;
  // Segments.
  let elfBrk = 0;
  let first = true;
  for (const seg of image.segments) {
    const start = Math.floor(seg.vaddr / PAGE_SIZE) * PAGE_SIZE;
    const end = Math.ceil((seg.vaddr + seg.memsz) / PAGE_SIZE) * PAGE_SIZE;
    const r = sysMmap(vm, start, end - start, 0x3, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (r < 0) return r;
    if (seg.data && seg.data.length > 0) {
      if (!writeInto(vm, seg.vaddr, seg.data)) return toNegErrno('ENOMEM');
    }
    const pr = sysMprotect(vm, start, end - start, seg.prot);
    if (pr < 0) return pr;
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
  // The initial stack.
  const path = image.path ?? '/bin/demo';
  const layout = buildInitStack(stackTop, path, image.argv ?? [path], image.envp ?? [], image.entry, random);
  const stackStart = Math.floor(layout.sp / PAGE_SIZE) * PAGE_SIZE - STACK_EXPAND;
  const flags =
    VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_GROWSDOWN | VM_ACCOUNT | VM_SOFTDIRTY;
  vm.vmas.insertNoMerge(new Vma({ start: stackStart / PAGE_SIZE, end: stackTop / PAGE_SIZE, flags }));
  if (!writeInto(vm, layout.sp, layout.bytes)) return toNegErrno('ENOMEM');
  vm.startStack = layout.sp;
  vm.argStart = layout.argStart;
  vm.argEnd = layout.argEnd;
  vm.envStart = layout.envStart;
  vm.envEnd = layout.envEnd;
  vm.updateHiwater();
  return 0;
}

/** Writes bytes into `vm` through its fault handler (kernel-side copy, as `copy_to_user` during exec). */
function writeInto(vm: AddressSpace, va: number, bytes: Uint8Array): boolean {
  let done = 0;
  while (done < bytes.length) {
    const addr = va + done;
    const vpn = Math.floor(addr / PAGE_SIZE);
    if (vm.faultPage(vpn, 1) < 0) {
      // Read-only segments are written before their final mprotect; a store fault here means no memory.
      return false;
    }
    const pfn = vm.pageTable.lookup(vpn);
    const n = Math.min(bytes.length - done, PAGE_SIZE - (addr & 0xfff));
    vm.m.memory.writeBytes(pfn * PAGE_SIZE + (addr & 0xfff), bytes.subarray(done, done + n));
    done += n;
  }
  return true;
}
