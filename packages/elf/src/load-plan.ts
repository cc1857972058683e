/**
 * What `load_elf_binary` and `load_elf_interp` do to the address space, as a plain plan the process layer performs.
 *
 * @module
 */

import type { Rng } from '@pagewright/core';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '@pagewright/core';
import {
  ET_DYN,
  ET_EXEC,
  PF_R,
  PF_W,
  PF_X,
  PT_DYNAMIC,
  PT_LOAD,
  PT_NOTE,
  PT_PHDR,
  PT_TLS,
} from './elf-constants.js';
import { ElfError } from './elf-error.js';
import { type ElfLoadProfile, elfCheckArch } from './load-profile.js';
import { type ElfFile, type ElfHeader, type ProgramHeader, parseElf, parseInterpreter } from './parse.js';

/**
 * Map `length` bytes of the file at `start`, privately (`MAP_PRIVATE`), from file page `filePage`, with `prot`.
 * `placement` is `'noreplace'` for the first mapping of an image (`MAP_FIXED_NOREPLACE`: `EEXIST` if anything is
 * there) and `'fixed'` for the rest (`MAP_FIXED`, replacing what an earlier segment mapped). When
 * `reserveLength > length`, map `reserveLength` bytes first and then unmap `[start + length, start + reserveLength)`
 * (`elf_map` reserves the whole image with its first segment).
 */
export interface MapFileStep {
  readonly kind: 'map-file';
  readonly start: number;
  readonly length: number;
  readonly reserveLength: number;
  readonly filePage: number;
  readonly prot: number;
  readonly placement: 'noreplace' | 'fixed';
  /** The program header's index. */
  readonly segment: number;
}

/**
 * Zero `[start, end)` (to the end of the page holding the end of the file data) through the mapping just made
 * (`padzero`'s `clear_user`, which breaks copy-on-write on that page). Only emitted for writable segments: Linux
 * ignores the fault of a read-only one, whose bss tail then shows the file's bytes.
 */
export interface ZeroTailStep {
  readonly kind: 'zero-tail';
  readonly start: number;
  readonly end: number;
  readonly segment: number;
}

/**
 * Map anonymous zero memory over `[start, start + length)` (`vm_brk_flags`): read-write, plus exec when the segment
 * is executable — whatever the segment's `PF_R`/`PF_W` say. Replaces what is there (as brk does).
 */
export interface MapAnonymousStep {
  readonly kind: 'map-anonymous';
  readonly start: number;
  readonly length: number;
  readonly prot: number;
  readonly segment: number;
}

/** One step of a load, in the order Linux performs them. */
export type LoadStep = MapFileStep | ZeroTailStep | MapAnonymousStep;

/** How an image (program or interpreter) was loaded. */
export interface ImagePlan {
  /** `ET_EXEC` or `ET_DYN`. */
  readonly type: typeof ET_EXEC | typeof ET_DYN;
  /** Added to every `p_vaddr` (0 for `ET_EXEC`); for the interpreter, `AT_BASE`. */
  readonly loadBias: number;
  /** The mapping steps, in order. */
  readonly steps: readonly LoadStep[];
  /** `e_entry + loadBias` (for a program with an interpreter, unchecked: see `programEntry` for the exact u64). */
  readonly entry: number;
}

/** The whole plan of an `execve` of an ELF file. */
export interface ElfLoadPlan extends ImagePlan {
  /** Where execution starts: the interpreter's entry when there is one, else the program's. */
  readonly startPc: number;
  /** `AT_PHDR`: the address of the program headers (inside the `PT_LOAD` that holds `e_phoff`, else `loadBias`). */
  readonly phdrAddress: number;
  /** `AT_PHENT` (56). */
  readonly phent: number;
  /** `AT_PHNUM`. */
  readonly phnum: number;
  /** `AT_ENTRY`: `e_entry + loadBias` as u64 (Linux checks it only without an interpreter). */
  readonly programEntry: bigint;
  /** `AT_BASE`: the interpreter's load address, 0 without one. */
  readonly interpreterBase: number;
  /** The interpreter's plan, or null. */
  readonly interpreter: (ImagePlan & { readonly path: string }) | null;
  /** The end of the program's memory image (`elf_brk`: the highest `p_vaddr + p_memsz` + bias), not aligned. */
  readonly imageEnd: number;
  /** `mm->start_brk` (= `mm->brk`): page-aligned, moved and randomized as Linux does. */
  readonly startBrk: number;
  /** True when the break was moved away from the image end (static PIE, or randomization). */
  readonly brkMoved: boolean;
  /** True when the stack is mapped executable (`PT_GNU_STACK` with `PF_X`; the 64-bit default is not). */
  readonly executableStack: boolean;
  /** `READ_IMPLIES_EXEC` personality: never for 64-bit x86-64 and RISC-V programs. */
  readonly readImpliesExec: boolean;
  /** `mm->start_code`, `end_code`, `start_data`, `end_data` as Linux computes them (u64 arithmetic). */
  readonly mm: {
    readonly startCode: bigint;
    readonly endCode: bigint;
    readonly startData: bigint;
    readonly endData: bigint;
  };
  /** `PT_TLS`, `PT_DYNAMIC`, `PT_PHDR` and `PT_NOTE` headers for the process layer and the runtime (unrelocated). */
  readonly tls: ProgramHeader | null;
  readonly dynamic: ProgramHeader | null;
  readonly phdrHeader: ProgramHeader | null;
  readonly notes: readonly ProgramHeader[];
}

/**
 * Chooses where an image goes when Linux lets `mmap` choose (a static PIE, an `ET_DYN` interpreter): the process
 * layer's `get_unmapped_area(NULL, hint, length, 0, 0)` for `length` bytes aligned to `alignment` (a power of two,
 * at least a page). Return a page-aligned address, or throw the process layer's own error (`ENOMEM`).
 */
export type PlaceImage = (length: number, alignment: number, hint: number) => number;

/** Options of {@link planExec}. */
export interface ExecPlanOptions {
  /** The machine's constants. */
  profile: ElfLoadProfile;
  /** The bytes of the file `PT_INTERP` names, when the program has one (the caller opens it). */
  interpreter?: Uint8Array | undefined;
  /** `PF_RANDOMIZE` (ASLR on; default false). Needs `rng`. */
  randomize?: boolean | undefined;
  /** `randomize_va_space > 1` (brk randomization; default: as `randomize`). */
  randomizeBrk?: boolean | undefined;
  /** The seeded generator for `arch_mmap_rnd()` and `arch_randomize_brk()`. */
  rng?: Rng | undefined;
  /** Placement for images `mmap` places (required for a static PIE and for an `ET_DYN` interpreter). */
  placeImage?: PlaceImage | undefined;
}

const M64 = (1n << 64n) - 1n;
const PAGE = 4096n;
const LLONG_MAX = (1n << 63n) - 1n;
const ERR_MIN = (1n << 64n) - 4095n;
const wrap = (x: bigint): bigint => x & M64;
const pageStart = (x: bigint): bigint => x & (M64 ^ (PAGE - 1n));
const pageOffset = (x: bigint): bigint => x & (PAGE - 1n);
const pageAlign = (x: bigint): bigint => pageStart(wrap(x + PAGE - 1n));
const isPowerOfTwo = (x: bigint): boolean => x !== 0n && (x & (x - 1n)) === 0n;

function makeProt(flags: number): number {
  return (
    ((flags & PF_R) !== 0 ? PROT_READ : 0) |
    ((flags & PF_W) !== 0 ? PROT_WRITE : 0) |
    ((flags & PF_X) !== 0 ? PROT_EXEC : 0)
  );
}

/** Linux's `total_mapping_size`: from the first PT_LOAD's page to the highest end, u64; 0 without PT_LOAD. */
export function totalMappingSize(phdrs: readonly ProgramHeader[]): bigint {
  let min = M64;
  let max = 0n;
  let any = false;
  for (const ph of phdrs) {
    if (ph.type !== PT_LOAD) continue;
    any = true;
    const s = pageStart(ph.vaddr);
    if (s < min) min = s;
    const e = wrap(ph.vaddr + ph.memsz);
    if (e > max) max = e;
  }
  return any ? wrap(max - min) : 0n;
}

/** Linux's `maximum_alignment`: the largest power-of-two `p_align` of the PT_LOADs, page-aligned (0 if none). */
export function maximumAlignment(phdrs: readonly ProgramHeader[]): bigint {
  let a = 0n;
  for (const ph of phdrs) if (ph.type === PT_LOAD && isPowerOfTwo(ph.align) && ph.align > a) a = ph.align;
  return pageAlign(a);
}

/** The mapping machinery of one image, shared by the program and the interpreter. */
class ImageLoader {
  readonly steps: LoadStep[] = [];
  constructor(
    private readonly taskSize: bigint,
    private readonly pointOfNoReturn: boolean,
  ) {}

  private fail(
    errno: 'EINVAL' | 'ENOMEM' | 'EOVERFLOW',
    reason: ConstructorParameters<typeof ElfError>[1],
    d: string,
  ): never {
    throw new ElfError(errno, reason, d, this.pointOfNoReturn);
  }

  /**
   * `elf_map` + `vm_mmap`'s checks for one segment's file part; returns the mapped address. `place` chooses the
   * address when the mapping is not fixed.
   */
  private elfMap(
    addr: bigint,
    ph: ProgramHeader,
    prot: number,
    placement: 'noreplace' | 'fixed' | 'placed',
    totalSize: bigint,
    place: ((len: bigint) => bigint) | undefined,
  ): bigint {
    let size = wrap(ph.filesz + pageOffset(ph.vaddr));
    const off = wrap(ph.offset - pageOffset(ph.vaddr));
    addr = pageStart(addr);
    size = pageAlign(size);
    if (size === 0n) return addr;
    const mapLen = totalSize !== 0n ? pageAlign(totalSize) : size;
    const seg = `segment ${ph.index}`;
    // vm_mmap
    if (wrap(off + pageAlign(mapLen)) < off)
      this.fail('EINVAL', 'segment-offset-overflow', `${seg}: offset + length wraps`);
    if (pageOffset(off) !== 0n)
      this.fail(
        'EINVAL',
        'segment-offset-misaligned',
        `${seg}: p_offset and p_vaddr differ modulo the page size`,
      );
    // do_mmap
    const len = pageAlign(mapLen);
    if (len === 0n) this.fail('ENOMEM', 'segment-length-overflow', `${seg}: length wraps`);
    const pgoff = off >> 12n;
    if (wrap(pgoff + (len >> 12n)) < pgoff)
      this.fail('EOVERFLOW', 'segment-offset-overflow', `${seg}: pgoff wraps`);
    // __get_unmapped_area
    if (len > this.taskSize) this.fail('ENOMEM', 'segment-address-range', `${seg}: longer than TASK_SIZE`);
    if (placement === 'placed') addr = place!(len);
    else if (addr > this.taskSize - len)
      this.fail('ENOMEM', 'segment-address-range', `${seg}: past TASK_SIZE`);
    // file_mmap_ok (regular file: MAX_LFS_FILESIZE)
    if (len > LLONG_MAX || pgoff > (LLONG_MAX - len) >> 12n)
      this.fail('EOVERFLOW', 'segment-offset-overflow', `${seg}: past the maximum file offset`);
    this.steps.push({
      kind: 'map-file',
      start: Number(addr),
      length: Number(size),
      reserveLength: Number(totalSize !== 0n ? len : size),
      filePage: Number(pgoff),
      prot,
      placement: placement === 'fixed' ? 'fixed' : 'noreplace',
      segment: ph.index,
    });
    return addr;
  }

  /** `vm_brk_flags(addr, request, exec)`. */
  private brk(addr: bigint, request: bigint, exec: boolean, ph: ProgramHeader): void {
    const len = pageAlign(request);
    if (len < request)
      this.fail('ENOMEM', 'segment-length-overflow', `segment ${ph.index}: bss length wraps`);
    if (len === 0n) return;
    if (len > this.taskSize || addr > this.taskSize - len)
      this.fail('ENOMEM', 'segment-address-range', `segment ${ph.index}: bss past TASK_SIZE`);
    this.steps.push({
      kind: 'map-anonymous',
      start: Number(addr),
      length: Number(len),
      prot: PROT_READ | PROT_WRITE | (exec ? PROT_EXEC : 0),
      segment: ph.index,
    });
  }

  /** Linux 6.7+ `elf_load`: the file part, the zeroed tail of its last page, the anonymous rest. */
  elfLoad(
    addr: bigint,
    ph: ProgramHeader,
    placement: 'noreplace' | 'fixed' | 'placed',
    totalSize: bigint,
    place?: (len: bigint) => bigint,
  ): bigint {
    const prot = makeProt(ph.flags);
    let mapAddr: bigint;
    let zeroStart: bigint;
    let zeroEnd: bigint;
    if (ph.filesz !== 0n) {
      mapAddr = this.elfMap(addr, ph, prot, placement, totalSize, place);
      zeroStart = wrap(mapAddr + pageOffset(ph.vaddr) + ph.filesz);
      zeroEnd = wrap(mapAddr + pageOffset(ph.vaddr) + ph.memsz);
      if (ph.memsz > ph.filesz && pageOffset(zeroStart) !== 0n && (prot & PROT_WRITE) !== 0) {
        // padzero's clear_user cannot reach past TASK_SIZE (access_ok): EFAULT for a writable segment.
        if (this.bad(zeroStart))
          throw new ElfError(
            'EFAULT',
            'bss-unwritable',
            `segment ${ph.index}: bss tail past TASK_SIZE`,
            this.pointOfNoReturn,
          );
        this.steps.push({
          kind: 'zero-tail',
          start: Number(zeroStart),
          end: Number(pageAlign(zeroStart)),
          segment: ph.index,
        });
      }
    } else {
      mapAddr = zeroStart = pageStart(addr);
      zeroEnd = wrap(zeroStart + pageOffset(ph.vaddr) + ph.memsz);
    }
    if (ph.memsz > ph.filesz) {
      const s = pageAlign(zeroStart);
      const e = pageAlign(zeroEnd);
      this.brk(s, wrap(e - s), (prot & PROT_EXEC) !== 0, ph);
    }
    return mapAddr;
  }

  /** `BAD_ADDR(x)`. */
  bad(x: bigint): boolean {
    return x >= this.taskSize;
  }

  /** binfmt_elf's answer for a bad `elf_load` result that is not an error value. */
  checkMapped(x: bigint, ph: ProgramHeader): void {
    if (this.bad(x) && x < ERR_MIN)
      this.fail('EINVAL', 'segment-address-range', `segment ${ph.index} mapped past TASK_SIZE`);
  }

  /** The per-segment bounds check (`EINVAL` for the program, `ENOMEM` for the interpreter). */
  checkBounds(k: bigint, ph: ProgramHeader, errno: 'EINVAL' | 'ENOMEM'): void {
    if (this.bad(k) || ph.filesz > ph.memsz || ph.memsz > this.taskSize || this.taskSize - ph.memsz < k)
      this.fail(errno, 'segment-bounds', `segment ${ph.index}: p_filesz > p_memsz or past TASK_SIZE`);
  }
}

function randomBits(rng: Rng, bits: number): bigint {
  let v = BigInt(rng.nextU32());
  if (bits > 32) v |= BigInt(rng.nextU32()) << 32n;
  return v & ((1n << BigInt(bits)) - 1n);
}

function placer(place: PlaceImage | undefined, alignment: bigint, hint: bigint): (len: bigint) => bigint {
  if (place === undefined)
    throw new TypeError(
      'planExec: placeImage is required for an image mmap places (static PIE or ET_DYN interpreter)',
    );
  return (len) => {
    const a = place(Number(len), Number(alignment > PAGE ? alignment : PAGE), Number(hint & M64));
    if (!(Number.isSafeInteger(a) && a >= 0 && a % 4096 === 0))
      throw new TypeError(`planExec: placeImage returned a bad address ${a}`);
    return BigInt(a);
  };
}

/** `load_elf_interp` (fs/binfmt_elf.c), after the point of no return. */
function planInterpreter(
  header: ElfHeader,
  phdrs: readonly ProgramHeader[],
  profile: ElfLoadProfile,
  noBase: bigint,
  place: PlaceImage | undefined,
  path: string,
): ImagePlan & { path: string } {
  const taskSize = BigInt(profile.taskSize);
  if (header.type !== ET_EXEC && header.type !== ET_DYN)
    // `error = ~0UL` returned, and `(int)~0UL` is -1: execve fails with EPERM.
    throw new ElfError('EPERM', 'interp-bad-type', `interpreter e_type ${header.type}`, true);
  let totalSize = totalMappingSize(phdrs);
  if (totalSize === 0n) throw new ElfError('EINVAL', 'empty-image', 'interpreter has no PT_LOAD', true);
  const loader = new ImageLoader(taskSize, true);
  let loadAddr = 0n;
  let loadAddrSet = false;
  for (const ph of phdrs) {
    if (ph.type !== PT_LOAD) continue;
    const vaddr = ph.vaddr;
    let placement: 'fixed' | 'placed' = 'placed';
    if (header.type === ET_EXEC || loadAddrSet) placement = 'fixed';
    else if (noBase !== 0n && header.type === ET_DYN) loadAddr = wrap(-vaddr);
    const hint = wrap(loadAddr + vaddr);
    const mapAddr = loader.elfLoad(
      hint,
      ph,
      placement,
      totalSize,
      placement === 'placed' ? placer(place, PAGE, pageStart(hint)) : undefined,
    );
    totalSize = 0n;
    if (loader.bad(mapAddr))
      throw new ElfError(
        'EINVAL',
        'segment-address-range',
        `interpreter segment ${ph.index} past TASK_SIZE`,
        true,
      );
    if (!loadAddrSet && header.type === ET_DYN) {
      loadAddr = wrap(mapAddr - pageStart(vaddr));
      loadAddrSet = true;
    }
    loader.checkBounds(wrap(loadAddr + ph.vaddr), ph, 'ENOMEM');
  }
  const entry = wrap(loadAddr + header.entry);
  if (loader.bad(entry)) throw new ElfError('EINVAL', 'bad-entry', 'interpreter entry past TASK_SIZE', true);
  return { type: header.type, loadBias: Number(loadAddr), steps: loader.steps, entry: Number(entry), path };
}

/**
 * Plans an `execve` of an ELF64 program as Linux 6.18's `load_elf_binary` performs it, with Linux's errors in
 * Linux's order (each an {@link ElfError}; `pointOfNoReturn` tells the ones after `begin_new_exec`):
 *
 * - before the point of no return: everything {@link parseElf} checks, then `elf_check_arch` (`ENOEXEC`), then the
 *   interpreter's header (`EIO`, `ELIBBAD`, see {@link parseInterpreter});
 * - the load bias: 0 for `ET_EXEC`; for `ET_DYN` with `PT_INTERP`, `ELF_ET_DYN_BASE` plus `arch_mmap_rnd()` under
 *   ASLR, aligned down to the largest power-of-two `p_align`, minus the first `p_vaddr`'s page; for `ET_DYN`
 *   without (a static PIE or a loader run directly), where `placeImage` puts the whole image (`total_mapping_size`,
 *   `EINVAL` when 0);
 * - each `PT_LOAD` in table order: `elf_load` — the file part (`vm_mmap`'s `EINVAL` for a `p_offset` that is not
 *   congruent to `p_vaddr` modulo the page or wraps, `ENOMEM`/`EOVERFLOW` past `TASK_SIZE` or the largest file
 *   offset), the zeroed tail of its last page, the anonymous rest of `p_memsz` — then `EINVAL` when
 *   `p_filesz > p_memsz` or the segment passes `TASK_SIZE`;
 * - the entry (`EINVAL` past `TASK_SIZE`), the break (page-aligned image end; a static PIE's at `ELF_ET_DYN_BASE`;
 *   under brk randomization one page further and `arch_randomize_brk`), then the interpreter (`load_elf_interp`:
 *   `EPERM` for a bad `e_type`, `EINVAL` for no `PT_LOAD`, `ENOMEM` for a segment past `TASK_SIZE`).
 *
 * Linux accepts what the gABI forbids and this does too: unsorted or overlapping `PT_LOAD`s (a later `MAP_FIXED`
 * replaces an earlier mapping), `p_align` that is not a power of two (ignored), `PT_PHDR` anywhere. See
 * {@link checkElfConformance} to report those. Failures that depend on the address space (`EEXIST` from
 * `MAP_FIXED_NOREPLACE`, `EPERM` below `mmap_min_addr`, `ENOMEM` from memory or map-count limits) are the process
 * layer's, when it performs the steps.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { parseElf, planExec, RISCV64_SV39_LOAD_PROFILE } from '@pagewright/elf';
 *
 * // Any ELF64 executable; this one is a static PIE from the repository's fixtures.
 * const elf = parseElf(new Uint8Array(readFileSync('packages/elf/fixtures/riscv64-static-pie'))); // ElfError if Linux refuses it
 * console.log(elf.interpreter, elf.programHeaders.length); // null 7
 * const plan = planExec(elf, {
 *   profile: RISCV64_SV39_LOAD_PROFILE,
 *   randomize: false,
 *   placeImage: () => 0x3f_0000_0000, // stands in for the process layer's get_unmapped_area
 * });
 * for (const step of plan.steps) console.log(step.kind, step.start.toString(16)); // map-file 3f00000000, …
 * console.log(plan.startPc.toString(16)); // 3f0000021a
 * ```
 */
export function planExec(program: Uint8Array | ElfFile, options: ExecPlanOptions): ElfLoadPlan {
  const { profile } = options;
  const randomize = options.randomize ?? false;
  const randomizeBrk = options.randomizeBrk ?? randomize;
  if ((randomize || randomizeBrk) && options.rng === undefined)
    throw new TypeError('planExec: randomization needs options.rng');
  const elf = program instanceof Uint8Array ? parseElf(program) : program;
  const { header: ex, programHeaders: phdrs } = elf;
  if (!elfCheckArch(profile, ex))
    throw new ElfError(
      'ENOEXEC',
      ex.machine !== profile.machine ? 'bad-machine' : 'bad-class',
      `not a ${profile.name} ELF64 file`,
    );
  let interp: { header: ElfHeader; programHeaders: readonly ProgramHeader[] } | null = null;
  if (elf.interpreter !== null) {
    if (options.interpreter === undefined)
      throw new TypeError(
        `planExec: the program needs its interpreter ${elf.interpreter}; pass options.interpreter`,
      );
    interp = parseInterpreter(options.interpreter, (h) => elfCheckArch(profile, h));
  }
  // ---- point of no return (begin_new_exec) ----
  const taskSize = BigInt(profile.taskSize);
  const loader = new ImageLoader(taskSize, true);
  const fail = (errno: 'EINVAL', reason: ConstructorParameters<typeof ElfError>[1], d: string): never => {
    throw new ElfError(errno, reason, d, true);
  };
  let loadBias = 0n;
  let phdrAddr = 0n;
  let first = true;
  let elfBrk = 0n;
  let startCode = M64;
  let endCode = 0n;
  let startData = 0n;
  let endData = 0n;
  for (const ph of phdrs) {
    if (ph.type !== PT_LOAD) continue;
    const vaddr = ph.vaddr;
    let placement: 'noreplace' | 'fixed' | 'placed' = 'fixed';
    let totalSize = 0n;
    let place: ((len: bigint) => bigint) | undefined;
    if (!first) placement = 'fixed';
    else if (ex.type === ET_EXEC) placement = 'noreplace';
    else {
      const alignment = maximumAlignment(phdrs);
      totalSize = totalMappingSize(phdrs);
      if (totalSize === 0n) fail('EINVAL', 'empty-image', 'ET_DYN image of size 0');
      if (elf.interpreter !== null) {
        loadBias = BigInt(profile.etDynBase);
        if (randomize) loadBias += randomBits(options.rng!, profile.mmapRndBits) << 12n;
        if (alignment !== 0n) loadBias &= M64 ^ (alignment - 1n);
        placement = 'noreplace';
      } else if (alignment > PAGE) {
        // binfmt_elf: honour PT_LOAD alignment for a static PIE: let mmap choose, then align down.
        const chosen =
          ph.filesz === 0n ? 0n : placer(options.placeImage, alignment, 0n)(pageAlign(totalSize));
        loadBias = chosen & (M64 ^ (alignment - 1n));
        placement = 'noreplace';
      } else {
        loadBias = 0n;
        placement = 'placed';
        place = placer(options.placeImage, PAGE, pageStart(vaddr));
      }
      loadBias = pageStart(wrap(loadBias - vaddr));
    }
    const mapped = loader.elfLoad(wrap(loadBias + vaddr), ph, placement, totalSize, place);
    loader.checkMapped(mapped, ph);
    if (first) {
      first = false;
      if (ex.type === ET_DYN) loadBias = wrap(loadBias + mapped - pageStart(wrap(loadBias + vaddr)));
    }
    if (ph.offset <= ex.phoff && ex.phoff < wrap(ph.offset + ph.filesz))
      phdrAddr = wrap(ex.phoff - ph.offset + ph.vaddr);
    let k = ph.vaddr;
    if ((ph.flags & PF_X) !== 0 && k < startCode) startCode = k;
    if (startData < k) startData = k;
    loader.checkBounds(k, ph, 'EINVAL');
    k = ph.vaddr + ph.filesz;
    if ((ph.flags & PF_X) !== 0 && endCode < k) endCode = k;
    if (endData < k) endData = k;
    k = ph.vaddr + ph.memsz;
    if (k > elfBrk) elfBrk = k;
  }
  const entry = wrap(ex.entry + loadBias);
  phdrAddr = wrap(phdrAddr + loadBias);
  elfBrk = wrap(elfBrk + loadBias);
  let brkMoved = false;
  let brkBase = elfBrk;
  if (ex.type === ET_DYN && elf.interpreter === null) {
    brkBase = BigInt(profile.etDynBase);
    brkMoved = true;
  }
  let startBrk = pageAlign(brkBase);
  let interpreter: (ImagePlan & { path: string }) | null = null;
  let startPc: bigint;
  if (interp !== null) {
    interpreter = planInterpreter(
      interp.header,
      interp.programHeaders,
      profile,
      loadBias,
      options.placeImage,
      elf.interpreter!,
    );
    startPc = BigInt(interpreter.entry);
  } else {
    if (loader.bad(entry)) fail('EINVAL', 'bad-entry', 'entry point past TASK_SIZE');
    startPc = entry;
  }
  if (randomize && randomizeBrk) {
    if (!brkMoved) startBrk += PAGE;
    // randomize_page(start, range): start + (random % (range >> PAGE_SHIFT)) << PAGE_SHIFT
    let range = BigInt(profile.brkRandomRange);
    if (startBrk > M64 - range) range = M64 - startBrk;
    const pages = range >> 12n;
    if (pages !== 0n) startBrk += BigInt(options.rng!.nextInt(Number(pages))) << 12n;
    brkMoved = true;
  }
  const find = (t: number) => phdrs.find((p) => p.type === t) ?? null;
  return {
    type: ex.type as typeof ET_EXEC | typeof ET_DYN,
    loadBias: Number(loadBias),
    steps: loader.steps,
    entry: Number(entry),
    startPc: Number(startPc),
    phdrAddress: Number(phdrAddr),
    phent: ex.phentsize,
    phnum: ex.phnum,
    programEntry: entry,
    interpreterBase: interpreter?.loadBias ?? 0,
    interpreter,
    imageEnd: Number(elfBrk),
    startBrk: Number(startBrk),
    brkMoved,
    executableStack: elf.stack === 'executable',
    readImpliesExec: false,
    mm: {
      startCode: wrap(startCode + loadBias),
      endCode: wrap(endCode + loadBias),
      startData: wrap(startData + loadBias),
      endData: wrap(endData + loadBias),
    },
    tls: find(PT_TLS),
    dynamic: find(PT_DYNAMIC),
    phdrHeader: find(PT_PHDR),
    notes: phdrs.filter((p) => p.type === PT_NOTE),
  };
}
