/**
 * Parsing an ELF64 file the way Linux's `load_elf_binary` reads it, up to the point of no return.
 *
 * @module
 */

import {
  ELF_INTERP_MAX,
  ELF_MAGIC,
  ELF64_EHDR_SIZE,
  ELF64_PHDR_SIZE,
  ET_DYN,
  ET_EXEC,
  PF_X,
  PT_GNU_STACK,
  PT_INTERP,
} from './elf-constants.js';
import { ElfError } from './elf-error.js';

/** The ELF header. 64-bit fields are `bigint` (exact for any file); the others are numbers. */
export interface ElfHeader {
  /** `EI_CLASS` (2 = ELF64). */
  readonly class: number;
  /** `EI_DATA` (1 = little-endian). */
  readonly data: number;
  /** `EI_VERSION`. */
  readonly identVersion: number;
  /** `EI_OSABI`. */
  readonly osAbi: number;
  /** `EI_ABIVERSION`. */
  readonly abiVersion: number;
  /** `e_type` (`ET_EXEC`, `ET_DYN`, ...). */
  readonly type: number;
  /** `e_machine` (`EM_RISCV`, `EM_X86_64`, ...). */
  readonly machine: number;
  /** `e_version`. */
  readonly version: number;
  /** `e_entry`. */
  readonly entry: bigint;
  /** `e_phoff`. */
  readonly phoff: bigint;
  /** `e_shoff`. */
  readonly shoff: bigint;
  /** `e_flags`. */
  readonly flags: number;
  /** `e_ehsize`. */
  readonly ehsize: number;
  /** `e_phentsize`. */
  readonly phentsize: number;
  /** `e_phnum`. */
  readonly phnum: number;
  /** `e_shentsize`. */
  readonly shentsize: number;
  /** `e_shnum`. */
  readonly shnum: number;
  /** `e_shstrndx`. */
  readonly shstrndx: number;
}

/** One program header. */
export interface ProgramHeader {
  /** Its index in the table. */
  readonly index: number;
  /** `p_type`. */
  readonly type: number;
  /** `p_flags` (`PF_R | PF_W | PF_X`). */
  readonly flags: number;
  /** `p_offset`. */
  readonly offset: bigint;
  /** `p_vaddr`. */
  readonly vaddr: bigint;
  /** `p_paddr`. */
  readonly paddr: bigint;
  /** `p_filesz`. */
  readonly filesz: bigint;
  /** `p_memsz`. */
  readonly memsz: bigint;
  /** `p_align`. */
  readonly align: bigint;
}

/**
 * What `PT_GNU_STACK` asks for: `'default'` without one (`EXSTACK_DEFAULT`), `'executable'` with `PF_X`
 * (`EXSTACK_ENABLE_X`), `'non-executable'` without (`EXSTACK_DISABLE_X`). The last `PT_GNU_STACK` wins.
 */
export type StackRequest = 'default' | 'executable' | 'non-executable';

/** A parsed ELF64 file that passed every check `load_elf_binary` makes before the point of no return. */
export interface ElfFile {
  /** The file's bytes (not copied). */
  readonly bytes: Uint8Array;
  /** The ELF header. */
  readonly header: ElfHeader;
  /** The program headers, in table order. */
  readonly programHeaders: readonly ProgramHeader[];
  /** The `PT_INTERP` path (up to its first NUL), or null. */
  readonly interpreter: string | null;
  /** The `PT_INTERP` program header Linux used (the first one), or null. */
  readonly interpreterHeader: ProgramHeader | null;
  /** What `PT_GNU_STACK` asks for. */
  readonly stack: StackRequest;
}

const TWO_63 = 2n ** 63n;

/** Reads a little-endian unsigned 16-bit value (zero past the end, as Linux's zero-padded `bprm->buf`). */
function u16(b: Uint8Array, off: number): number {
  return (b[off] ?? 0) | ((b[off + 1] ?? 0) << 8);
}
function u32(b: Uint8Array, off: number): number {
  return (u16(b, off) + u16(b, off + 2) * 65536) >>> 0;
}
function u64(b: Uint8Array, off: number): bigint {
  return BigInt(u32(b, off)) | (BigInt(u32(b, off + 4)) << 32n);
}

/**
 * Reads the ELF header from `bytes` as Linux does: the first 64 bytes, zero-padded when the file is shorter
 * (`prepare_binprm` zero-fills its 256-byte buffer), every field little-endian. No field is checked here.
 */
export function readElfHeader(bytes: Uint8Array): ElfHeader {
  return {
    class: bytes[4] ?? 0,
    data: bytes[5] ?? 0,
    identVersion: bytes[6] ?? 0,
    osAbi: bytes[7] ?? 0,
    abiVersion: bytes[8] ?? 0,
    type: u16(bytes, 16),
    machine: u16(bytes, 18),
    version: u32(bytes, 20),
    entry: u64(bytes, 24),
    phoff: u64(bytes, 32),
    shoff: u64(bytes, 40),
    flags: u32(bytes, 48),
    ehsize: u16(bytes, 52),
    phentsize: u16(bytes, 54),
    phnum: u16(bytes, 56),
    shentsize: u16(bytes, 58),
    shnum: u16(bytes, 60),
    shstrndx: u16(bytes, 62),
  };
}

/** True when `bytes` starts with `\x7fELF`. */
export function hasElfMagic(bytes: Uint8Array): boolean {
  return ELF_MAGIC.every((m, i) => bytes[i] === m);
}

/**
 * Linux's `elf_read(file, buf, len, pos)`: `EINVAL` for a position or end past `LLONG_MAX` (`rw_verify_area`),
 * `EIO` for a short read, else the bytes.
 */
export function elfRead(bytes: Uint8Array, pos: bigint, len: number): Uint8Array | 'EINVAL' | 'EIO' {
  if (pos >= TWO_63 || pos + BigInt(len) >= TWO_63) return 'EINVAL';
  if (pos + BigInt(len) > BigInt(bytes.length)) return 'EIO';
  const start = Number(pos);
  return bytes.subarray(start, start + len);
}

/**
 * Linux's `load_elf_phdrs`: the program header table, or null when `e_phentsize` is not 56, the table is empty or
 * larger than 64 KiB (at most 1170 entries; Linux 6.18 no longer limits it to a page), or cannot be read whole.
 */
export function readProgramHeaders(bytes: Uint8Array, header: ElfHeader): ProgramHeader[] | null {
  if (header.phentsize !== ELF64_PHDR_SIZE) return null;
  const size = ELF64_PHDR_SIZE * header.phnum;
  if (size === 0 || size > 65536) return null;
  const table = elfRead(bytes, header.phoff, size);
  if (typeof table === 'string') return null;
  const out: ProgramHeader[] = [];
  for (let i = 0; i < header.phnum; i++) {
    const o = i * ELF64_PHDR_SIZE;
    out.push({
      index: i,
      type: u32(table, o),
      flags: u32(table, o + 4),
      offset: u64(table, o + 8),
      vaddr: u64(table, o + 16),
      paddr: u64(table, o + 24),
      filesz: u64(table, o + 32),
      memsz: u64(table, o + 40),
      align: u64(table, o + 48),
    });
  }
  return out;
}

/**
 * Parses an ELF64 executable with every check `load_elf_binary` makes from the file alone before the point of no
 * return (fs/binfmt_elf.c), in Linux's order, throwing {@link ElfError} with Linux's errno:
 *
 * 1. the magic `\x7fELF` → `ENOEXEC` (also for a file shorter than 4 bytes);
 * 2. `e_type` is `ET_EXEC` or `ET_DYN` → `ENOEXEC`;
 * 3. (the machine check `elf_check_arch` depends on the machine: {@link planExec} makes it);
 * 4. `e_phentsize == 56`, `1 <= e_phnum` and the table at most 64 KiB (`e_phnum <= 1170`), the table readable
 *    whole → `ENOEXEC` (`load_elf_phdrs` returns NULL);
 * 5. the first `PT_INTERP`: `2 <= p_filesz <= PATH_MAX` → `ENOEXEC`; readable → `EIO` (past end of file) or
 *    `EINVAL` (offset past `LLONG_MAX`); last byte NUL → `ENOEXEC`;
 * 6. `PT_GNU_STACK`: the executable-stack request (last one wins).
 *
 * Like Linux, it does not look at `EI_CLASS` (RISC-V's machine check does), `EI_DATA`, `EI_VERSION`, `e_version`,
 * `e_ehsize` or the section headers: every field is read little-endian as a 64-bit loader reads it. See
 * {@link checkElfConformance} for what the gABI requires beyond Linux.
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
export function parseElf(bytes: Uint8Array): ElfFile {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('parseElf: bytes must be a Uint8Array');
  if (!hasElfMagic(bytes)) throw new ElfError('ENOEXEC', 'bad-magic', 'not an ELF file');
  const header = readElfHeader(bytes);
  if (header.type !== ET_EXEC && header.type !== ET_DYN)
    throw new ElfError('ENOEXEC', 'bad-type', `e_type ${header.type} is neither ET_EXEC nor ET_DYN`);
  if (header.phentsize !== ELF64_PHDR_SIZE)
    throw new ElfError('ENOEXEC', 'bad-phentsize', `e_phentsize ${header.phentsize}, not ${ELF64_PHDR_SIZE}`);
  const programHeaders = readProgramHeaders(bytes, header);
  if (programHeaders === null) {
    const size = ELF64_PHDR_SIZE * header.phnum;
    if (size === 0 || size > 65536)
      throw new ElfError('ENOEXEC', 'bad-phnum', `e_phnum ${header.phnum} (table must be 1 to 65536 bytes)`);
    throw new ElfError('ENOEXEC', 'phdrs-unreadable', 'program header table past the end of the file');
  }
  let interpreter: string | null = null;
  let interpreterHeader: ProgramHeader | null = null;
  for (const ph of programHeaders) {
    if (ph.type !== PT_INTERP) continue;
    if (ph.filesz > BigInt(ELF_INTERP_MAX) || ph.filesz < 2n)
      throw new ElfError(
        'ENOEXEC',
        'interp-size',
        `PT_INTERP p_filesz ${ph.filesz} not in [2, ${ELF_INTERP_MAX}]`,
      );
    const path = elfRead(bytes, ph.offset, Number(ph.filesz));
    if (typeof path === 'string')
      throw new ElfError(path, 'interp-unreadable', 'PT_INTERP past the end of file');
    if (path[path.length - 1] !== 0)
      throw new ElfError('ENOEXEC', 'interp-not-terminated', 'PT_INTERP is not NUL-terminated');
    const nul = path.indexOf(0);
    interpreter = new TextDecoder('utf-8').decode(path.subarray(0, nul));
    interpreterHeader = ph;
    break; // Linux uses the first PT_INTERP
  }
  let stack: StackRequest = 'default';
  for (const ph of programHeaders)
    if (ph.type === PT_GNU_STACK) stack = (ph.flags & PF_X) !== 0 ? 'executable' : 'non-executable';
  return { bytes, header, programHeaders, interpreter, interpreterHeader, stack };
}

/**
 * The interpreter checks `load_elf_binary` makes before the point of no return: its header readable (64 bytes) →
 * `EIO`; its magic → `ELIBBAD`; its machine (`elf_check_arch`, given) → `ELIBBAD`; its program headers as
 * {@link readProgramHeaders} → `ELIBBAD`. Returns the header and the program headers.
 */
export function parseInterpreter(
  bytes: Uint8Array,
  checkArch: (header: ElfHeader) => boolean,
): { header: ElfHeader; programHeaders: readonly ProgramHeader[] } {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('parseInterpreter: bytes must be a Uint8Array');
  if (bytes.length < ELF64_EHDR_SIZE)
    throw new ElfError('EIO', 'interp-header-unreadable', 'interpreter shorter than an ELF header');
  if (!hasElfMagic(bytes)) throw new ElfError('ELIBBAD', 'interp-bad-magic', 'interpreter is not ELF');
  const header = readElfHeader(bytes);
  if (!checkArch(header))
    throw new ElfError('ELIBBAD', 'interp-bad-machine', `interpreter e_machine ${header.machine}`);
  const programHeaders = readProgramHeaders(bytes, header);
  if (programHeaders === null)
    throw new ElfError('ELIBBAD', 'interp-phdrs', 'interpreter program headers bad or unreadable');
  return { header, programHeaders };
}
