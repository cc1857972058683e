/**
 * What `load_elf_binary` needs to know of the machine: the per-architecture constants of its address-space
 * layout.
 *
 * @module
 */

import { ELFCLASS64, EM_RISCV, EM_X86_64 } from './elf-constants.js';
import type { ElfHeader } from './parse.js';

/** The architecture constants an ELF load depends on. */
export interface ElfLoadProfile {
  /** A short name (`"x86_64"`, `"riscv64-sv39"`). */
  readonly name: string;
  /** The `e_machine` this kernel runs (`elf_check_arch`). */
  readonly machine: number;
  /** True when `elf_check_arch` also requires `EI_CLASS == ELFCLASS64` (RISC-V's does, x86-64's does not). */
  readonly checksClass: boolean;
  /** `TASK_SIZE`: user addresses are below it (`BAD_ADDR(x)` is `x >= TASK_SIZE`). */
  readonly taskSize: number;
  /** `ELF_ET_DYN_BASE`: where an `ET_DYN` program with a `PT_INTERP` is loaded before randomization. */
  readonly etDynBase: number;
  /** `mmap_rnd_bits` (the sysctl's default, `CONFIG_ARCH_MMAP_RND_BITS`): `arch_mmap_rnd()` is that many bits of pages. */
  readonly mmapRndBits: number;
  /** The range `arch_randomize_brk` spreads the initial break over, in bytes. */
  readonly brkRandomRange: number;
}

/**
 * x86-64 with 4-level paging (arch/x86/include/asm/elf.h, page_64_types.h, processor.h):
 * `TASK_SIZE = DEFAULT_MAP_WINDOW = (1 << 47) - PAGE_SIZE`; `ELF_ET_DYN_BASE = DEFAULT_MAP_WINDOW / 3 * 2`
 * (divided first, in C's integer arithmetic); `ARCH_MMAP_RND_BITS_MIN = 28` (the default); `arch_randomize_brk`
 * spreads the break over `SZ_1G` for 64-bit tasks (arch/x86/kernel/process.c, since 6.9).
 */
export const X86_64_LOAD_PROFILE: ElfLoadProfile = Object.freeze({
  name: 'x86_64',
  machine: EM_X86_64,
  checksClass: false,
  taskSize: 2 ** 47 - 4096,
  etDynBase: Math.floor((2 ** 47 - 4096) / 3) * 2,
  mmapRndBits: 28,
  brkRandomRange: 2 ** 30,
});

/**
 * RISC-V 64 (arch/riscv/include/asm/elf.h, pgtable.h, processor.h): `ELF_ET_DYN_BASE = (DEFAULT_MAP_WINDOW / 3)
 * * 2` with `DEFAULT_MAP_WINDOW = 1 << (MMAP_VA_BITS - 1)` and `MMAP_VA_BITS = min(VA_BITS, 48)`;
 * `TASK_SIZE = PGDIR_SIZE * PTRS_PER_PGD / 2` (2^38 under Sv39, 2^47 under Sv48); `ARCH_MMAP_RND_BITS_MIN = 18`
 * (arch/riscv/Kconfig, the default); the generic `arch_randomize_brk` (mm/util.c) spreads over `SZ_1G`.
 */
export function riscv64LoadProfile(vaBits: 39 | 48): ElfLoadProfile {
  const window = 2 ** (Math.min(vaBits, 48) - 1);
  return Object.freeze({
    name: `riscv64-sv${vaBits}`,
    machine: EM_RISCV,
    checksClass: true,
    taskSize: 2 ** (vaBits - 1),
    etDynBase: Math.floor(window / 3) * 2,
    mmapRndBits: 18,
    brkRandomRange: 2 ** 30,
  });
}

/** RISC-V 64 under Sv39. */
export const RISCV64_SV39_LOAD_PROFILE: ElfLoadProfile = riscv64LoadProfile(39);
/** RISC-V 64 under Sv48. */
export const RISCV64_SV48_LOAD_PROFILE: ElfLoadProfile = riscv64LoadProfile(48);

/** Linux's `elf_check_arch` for `profile`. */
export function elfCheckArch(profile: ElfLoadProfile, header: ElfHeader): boolean {
  return header.machine === profile.machine && (!profile.checksClass || header.class === ELFCLASS64);
}
