/**
 * The per-architecture layout an ELF `execve` sets up around the program (Linux 6.18): where the stack top goes
 * (`randomize_stack_top`), where the top-down mmap area starts (`mmap_base`, x86-64's and the generic one), and
 * the vDSO's special mappings (`[vvar]`, `[vvar_vclock]`, `[vdso]`).
 *
 * @module
 */

import {
  PAGE_SIZE,
  type Rng,
  VM_DONTDUMP,
  VM_EXEC,
  VM_IO,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYWRITE,
  VM_PFNMAP,
  VM_READ,
  type VmFlags,
} from '@pagewright/core';
import {
  type ElfLoadProfile,
  RISCV64_SV39_LOAD_PROFILE,
  RISCV64_SV48_LOAD_PROFILE,
  X86_64_LOAD_PROFILE,
} from '@pagewright/elf';

/** One special mapping of the vDSO (`_install_special_mapping`), in address order. */
export interface SpecialMappingSpec {
  /** The name maps prints (`[vvar]`, `[vdso]` …). */
  readonly name: string;
  /** Its size in pages. */
  readonly pages: number;
  /** Its `VM_*` flags. */
  readonly flags: VmFlags;
}

/** What an ELF exec needs to know of the architecture besides the ELF load constants. */
export interface ExecLayoutProfile {
  /** The ELF constants (`TASK_SIZE`, `ELF_ET_DYN_BASE`, `mmap_rnd_bits` …). */
  readonly elf: ElfLoadProfile;
  /**
   * How `mmap_base` is computed: `'x86'` (arch/x86/mm/mmap.c: the pad is the stack's largest random offset plus
   * the guard gap, the gap at least 128 MiB) or `'generic'` (mm/util.c: the pad adds the stack's random range only
   * under ASLR, the gap at least 128 MiB plus the guard gap).
   */
  readonly mmapBase: 'x86' | 'generic';
  /** `STACK_RND_MASK` (pages): the stack top moves down by up to this many pages under ASLR. */
  readonly stackRndMask: number;
  /** x86's `arch_align_stack` also moves the stack down by up to 8 KiB under ASLR; the generic one does not. */
  readonly alignStackRandom: boolean;
  /** `ELF_PLATFORM` (the `AT_PLATFORM` string), or null when the architecture has none. */
  readonly platform: string | null;
  /** The vDSO's special mappings from the lowest address, and the index of the one `AT_SYSINFO_EHDR` points at. */
  readonly vdso: readonly SpecialMappingSpec[];
  readonly vdsoText: number;
  /**
   * The CPU-dependent auxiliary vector entries: `ARCH_DLINFO`'s after `AT_SYSINFO_EHDR` (as `[type, value]`),
   * `AT_HWCAP`, and `AT_HWCAP2` (null when the architecture has no `ELF_HWCAP2`).
   */
  readonly archAuxv: readonly (readonly [number, number])[];
  readonly hwcap: number;
  readonly hwcap2: number | null;
}

const VVAR_FLAGS = VM_READ | VM_MAYREAD | VM_IO | VM_DONTDUMP | VM_PFNMAP;
const VDSO_FLAGS = VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

/**
 * x86-64 (Linux 6.18, recorded on it: `packages/elf/fixtures/*.linux.txt`): `map_vdso` takes one free area below
 * `mmap_base` for `[vvar]` (the 4 pages of the generic vDSO data store: time, time namespace, getrandom, arch
 * data), `[vvar_vclock]` (2 pages: the pvclock and Hyper-V clock pages) and the 2 pages of `[vdso]` text;
 * `STACK_RND_MASK` 0x3fffff (16 GiB); `ELF_PLATFORM` "x86_64".
 */
export const X86_64_EXEC_LAYOUT: ExecLayoutProfile = Object.freeze<ExecLayoutProfile>({
  elf: X86_64_LOAD_PROFILE,
  mmapBase: 'x86',
  stackRndMask: 0x3fffff,
  alignStackRandom: true,
  platform: 'x86_64',
  vdso: [
    { name: '[vvar]', pages: 4, flags: VVAR_FLAGS },
    { name: '[vvar_vclock]', pages: 2, flags: VVAR_FLAGS },
    { name: '[vdso]', pages: 2, flags: VDSO_FLAGS },
  ],
  vdsoText: 2,
  // AT_MINSIGSTKSZ (get_sigframe_size), AT_HWCAP and AT_HWCAP2 as this repository's x86-64 recording host reported
  // them (LD_SHOW_AUXV): they depend on the CPU's features.
  archAuxv: [[51, 3376]],
  hwcap: 0x178bfbff,
  hwcap2: 0x2,
});

/**
 * RISC-V 64 (arch/riscv/kernel/vdso.c `__setup_additional_pages`, Linux 6.18): one free area for `[vvar]` (the
 * generic data store's `VDSO_NR_PAGES`, 4 pages) followed by the `[vdso]` text (2 pages for the kernel's
 * `vdso.so`; the text size is the kernel build's, not recorded here); `STACK_RND_MASK` 0x3ffff (1 GiB); no
 * `ELF_PLATFORM`.
 */
function riscvLayout(elf: ElfLoadProfile): ExecLayoutProfile {
  return Object.freeze<ExecLayoutProfile>({
    elf,
    mmapBase: 'generic',
    stackRndMask: 0x3ffff,
    alignStackRandom: false,
    platform: null,
    vdso: [
      { name: '[vvar]', pages: 4, flags: VVAR_FLAGS },
      { name: '[vdso]', pages: 2, flags: VDSO_FLAGS },
    ],
    vdsoText: 1,
    // ARCH_DLINFO: AT_L1I_CACHESIZE … AT_L3_CACHEGEOMETRY (0: no cache information in the device tree, as on QEMU's
    // virt board), AT_MINSIGSTKSZ (the rt_sigframe without the vector state); AT_HWCAP the single-letter
    // extensions of rv64imafdc; no ELF_HWCAP2.
    archAuxv: [
      [40, 0],
      [41, 0],
      [42, 0],
      [43, 0],
      [44, 0],
      [45, 0],
      [46, 0],
      [47, 0],
      [51, 0x3e0],
    ],
    hwcap: 0x112d,
    hwcap2: null,
  });
}

/** RISC-V 64 under Sv39. */
export const RISCV64_SV39_EXEC_LAYOUT: ExecLayoutProfile = riscvLayout(RISCV64_SV39_LOAD_PROFILE);
/** RISC-V 64 under Sv48. */
export const RISCV64_SV48_EXEC_LAYOUT: ExecLayoutProfile = riscvLayout(RISCV64_SV48_LOAD_PROFILE);

/**
 * The layout of a machine's built-in architecture (`machine.options.arch`): x86-64 (also LA57, whose processes stay
 * in the 47-bit window), Sv39, Sv48; null for a user's architecture (pass a profile explicitly).
 */
export function execLayoutFor(archName: string, taskSize: number): ExecLayoutProfile | null {
  const layout =
    archName === 'x86-64' || archName === 'x86-64-la57'
      ? X86_64_EXEC_LAYOUT
      : archName === 'sv39'
        ? RISCV64_SV39_EXEC_LAYOUT
        : archName === 'sv48'
          ? RISCV64_SV48_EXEC_LAYOUT
          : null;
  return layout !== null && layout.elf.taskSize === taskSize ? layout : null;
}

/** A random number of pages in `[0, mask]` (`get_random_long() & mask`), or 0 without ASLR. */
function randomPages(rng: Rng | null, mask: number): number {
  if (rng === null) return 0;
  return (rng.nextU32() + (mask > 0xffffffff ? rng.nextU32() * 2 ** 32 : 0)) % (mask + 1);
}

/** The stack top: `randomize_stack_top(STACK_TOP)` — `STACK_TOP` is `TASK_SIZE` on both architectures. */
export function stackTop(profile: ExecLayoutProfile, rng: Rng | null): number {
  return profile.elf.taskSize - randomPages(rng, profile.stackRndMask) * PAGE_SIZE;
}

/** `arch_align_stack(sp)`: 16-byte alignment, after (x86, under ASLR) a random drop of up to 8 KiB. */
export function alignStack(profile: ExecLayoutProfile, sp: number, rng: Rng | null): number {
  const down = profile.alignStackRandom && rng !== null ? rng.nextInt(8192) : 0;
  return Math.floor((sp - down) / 16) * 16;
}

/**
 * `mmap_base`: the top of the top-down mmap area, one gap below the stack top (arch/x86/mm/mmap.c `mmap_base`,
 * mm/util.c `mmap_base`). The gap is `RLIMIT_STACK` plus a pad (the guard gap, and the stack's random range —
 * always on x86 when randomizing, since `stack_maxrandom_size` is 0 otherwise), clamped to [128 MiB (+ the guard
 * gap, generic), 5/6 of `TASK_SIZE`]; then `arch_mmap_rnd()` (`mmap_rnd_bits` of pages) lower, page-aligned.
 */
export function mmapBase(
  profile: ExecLayoutProfile,
  limits: { stackLimit: number; stackGuardGapPages: number },
  rng: Rng | null,
): number {
  const taskSize = profile.elf.taskSize;
  const guard = limits.stackGuardGapPages * PAGE_SIZE;
  const stackRandom = rng !== null ? profile.stackRndMask * PAGE_SIZE : 0;
  const rnd = randomPages(rng, 2 ** profile.elf.mmapRndBits - 1) * PAGE_SIZE;
  const pad = stackRandom + guard;
  let gap = limits.stackLimit;
  // "Values close to RLIM_INFINITY can overflow": an unlimited stack keeps the bare limit (then clamped).
  if (gap + pad < 2 ** 64) gap += pad;
  const gapMin = profile.mmapBase === 'x86' ? 128 * 2 ** 20 : 128 * 2 ** 20 + guard;
  const gapMax = Math.floor(taskSize / 6) * 5;
  if (gap < gapMin && (profile.mmapBase === 'x86' || gapMin < gapMax)) gap = gapMin;
  else if (gap > gapMax) gap = gapMax;
  return Math.ceil((taskSize - gap - rnd) / PAGE_SIZE) * PAGE_SIZE;
}
