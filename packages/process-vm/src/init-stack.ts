/**
 * `InitStack`: the initial user stack exec builds (Linux `create_elf_tables`, Asterinas `InitStack`), laid out as
 * the SysV ABI says, from the top:
 *
 * ```
 * stack top ─ 8 bytes of zero (end marker)
 *             the executable's path (AT_EXECFN), environment strings, argument strings (NUL-terminated)
 *             16 random bytes (AT_RANDOM)
 *             padding to 16 bytes
 *             auxv: (type, value) pairs ending with AT_NULL
 *             envp[]: pointers, then NULL
 *             argv[]: pointers, then NULL
 * sp ───────> argc                      (sp is 16-byte aligned)
 * ```
 *
 * @module
 */

import type { Rng } from '@pagewright/core';

/** Auxiliary vector types (include/uapi/linux/auxvec.h). */
export const AT = {
  NULL: 0,
  IGNORE: 1,
  PHDR: 3,
  PHENT: 4,
  PHNUM: 5,
  PAGESZ: 6,
  BASE: 7,
  FLAGS: 8,
  ENTRY: 9,
  UID: 11,
  EUID: 12,
  GID: 13,
  EGID: 14,
  PLATFORM: 15,
  HWCAP: 16,
  CLKTCK: 17,
  SECURE: 23,
  RANDOM: 25,
  HWCAP2: 26,
  RSEQ_FEATURE_SIZE: 27,
  RSEQ_ALIGN: 28,
  EXECFN: 31,
  SYSINFO_EHDR: 33,
  MINSIGSTKSZ: 51,
} as const;

/** What the stack holds, with the addresses exec recorded in the mm (`arg_start`...). */
export interface InitStackLayout {
  /** The initial stack pointer (points at argc). */
  sp: number;
  /** Bytes to write at `sp` (the whole image from `sp` to the top). */
  bytes: Uint8Array;
  /** `mm->arg_start`, `arg_end`, `env_start`, `env_end`. */
  argStart: number;
  argEnd: number;
  envStart: number;
  envEnd: number;
  /** Addresses of the argv and envp strings, and the auxv pairs. */
  argvPointers: number[];
  envpPointers: number[];
  auxv: [number, number][];
}

/**
 * Lays out the initial stack ending at `top` (exclusive). Pure: returns the bytes to copy to `[sp, top)`.
 */
export function buildInitStack(
  top: number,
  path: string,
  argv: readonly string[],
  envp: readonly string[],
  entry: number,
  rng: Rng,
): InitStackLayout {
  const enc = new TextEncoder();
  const strings: { at: number; data: Uint8Array }[] = [];
  let p = top - 8;
  const put = (s: string): number => {
    const data = enc.encode(`${s}\0`);
    p -= data.length;
    strings.push({ at: p, data });
    return p;
  };
  const execfn = put(path);
  const envpPointers = new Array<number>(envp.length);
  for (let i = envp.length - 1; i >= 0; i--) envpPointers[i] = put(envp[i] as string);
  const envStart = envp.length > 0 ? (envpPointers[0] as number) : p;
  const envEnd = envp.length > 0 ? execfn : p;
  const argvPointers = new Array<number>(argv.length);
  for (let i = argv.length - 1; i >= 0; i--) argvPointers[i] = put(argv[i] as string);
  const argStart = argv.length > 0 ? (argvPointers[0] as number) : p;
  const argEnd = envStart;
  p -= 16;
  const random = p;
  const rnd = new Uint8Array(16);
  for (let i = 0; i < 16; i++) rnd[i] = rng.nextInt(256);
  strings.push({ at: random, data: rnd });
  p = Math.floor(p / 16) * 16;
  const auxv: [number, number][] = [
    [AT.HWCAP, 0],
    [AT.PAGESZ, 4096],
    [AT.CLKTCK, 100],
    [AT.ENTRY, entry],
    [AT.UID, 0],
    [AT.EUID, 0],
    [AT.GID, 0],
    [AT.EGID, 0],
    [AT.SECURE, 0],
    [AT.RANDOM, random],
    [AT.EXECFN, execfn],
    [AT.NULL, 0],
  ];
  const words = 1 + argv.length + 1 + envp.length + 1 + auxv.length * 2;
  const sp = Math.floor((p - words * 8) / 16) * 16;
  const bytes = new Uint8Array(top - sp);
  writePointerBlock(bytes, argvPointers, envpPointers, auxv);
  for (const s of strings) bytes.set(s.data, s.at - sp);
  return { sp, bytes, argStart, argEnd, envStart, envEnd, argvPointers, envpPointers, auxv };
}

/**
 * Reads an initial stack back from its bytes (as a debugger would from `sp`): argc, argv, envp, auxv. `read(addr,
 * len)` returns user memory.
 */
export function readInitStack(
  sp: number,
  read: (addr: number, len: number) => Uint8Array | null,
): { argv: string[]; envp: string[]; auxv: [number, number][] } | null {
  const word = (at: number): number | null => {
    const b = read(at, 8);
    if (b === null) return null;
    const v = new DataView(b.buffer, b.byteOffset, 8);
    return v.getUint32(0, true) + v.getUint32(4, true) * 2 ** 32;
  };
  const str = (at: number): string | null => {
    const out: number[] = [];
    for (let i = 0; i < 4096; i++) {
      const b = read(at + i, 1);
      if (b === null) return null;
      if (b[0] === 0) return new TextDecoder().decode(new Uint8Array(out));
      out.push(b[0] as number);
    }
    return null;
  };
  const argc = word(sp);
  if (argc === null) return null;
  let w = sp + 8;
  const list = (n: number | null): string[] | null => {
    const out: string[] = [];
    for (let i = 0; n === null || i < n; i++) {
      const ptr = word(w);
      w += 8;
      if (ptr === null) return null;
      if (ptr === 0) return out;
      const s = str(ptr);
      if (s === null) return null;
      out.push(s);
    }
    w += 8;
    return out;
  };
  const argv = list(argc);
  const envp = list(null);
  if (argv === null || envp === null) return null;
  const auxv: [number, number][] = [];
  for (;;) {
    const t = word(w);
    const v = word(w + 8);
    if (t === null || v === null) return null;
    auxv.push([t, v]);
    w += 16;
    if (t === 0) break;
  }
  return { argv, envp, auxv };
}

/** What {@link layoutElfStack} lays out (the inputs of `create_elf_tables`). */
export interface ElfStackSpec {
  /** The stack top after `setup_arg_pages` (page-aligned): the strings end 8 bytes below it. */
  top: number;
  /** `bprm->filename` (`AT_EXECFN`'s string). */
  execfn: string;
  argv: readonly string[];
  envp: readonly string[];
  /** `arch_align_stack(p)`, applied below the strings. */
  alignStack: (p: number) => number;
  /** `ELF_PLATFORM` (copied below the strings, `AT_PLATFORM`), or null. */
  platform: string | null;
  /** The 16 `AT_RANDOM` bytes. */
  random: Uint8Array;
  /** The auxiliary vector, given the addresses of the random bytes, the file name and the platform string (0). */
  auxv: (at: { random: number; execfn: number; platform: number }) => [number, number][];
}

/** An ELF initial stack: the {@link InitStackLayout} plus `bprm->p` before the tables (the strings' bottom). */
export interface ElfStackLayout extends InitStackLayout {
  /** The lowest byte of the strings (`bprm->p` when `setup_arg_pages` runs: the stack VMA covers its page). */
  stringsBottom: number;
}

/**
 * Lays out an ELF program's initial stack as Linux 6.18's `do_execveat_common` + `create_elf_tables` do: from
 * `top - 8` down, the file name, the environment and the arguments; then `arch_align_stack`, the platform string,
 * the 16 random bytes, and — 16-byte aligned (`STACK_ROUND`) — argc, argv, envp and the auxiliary vector ending
 * with `AT_NULL`. Pure: returns the bytes to copy to `[sp, top)`.
 */
export function layoutElfStack(spec: ElfStackSpec): ElfStackLayout {
  const enc = new TextEncoder();
  const chunks: { at: number; data: Uint8Array }[] = [];
  let p = spec.top - 8;
  const put = (data: Uint8Array): number => {
    p -= data.length;
    chunks.push({ at: p, data });
    return p;
  };
  const str = (s: string) => put(enc.encode(`${s}\0`));
  const execfn = str(spec.execfn);
  const envpPointers = new Array<number>(spec.envp.length);
  for (let i = spec.envp.length - 1; i >= 0; i--) envpPointers[i] = str(spec.envp[i] as string);
  const envStart = spec.envp.length > 0 ? (envpPointers[0] as number) : p;
  const envEnd = execfn;
  const argvPointers = new Array<number>(spec.argv.length);
  for (let i = spec.argv.length - 1; i >= 0; i--) argvPointers[i] = str(spec.argv[i] as string);
  const argStart = spec.argv.length > 0 ? (argvPointers[0] as number) : p;
  const stringsBottom = p;
  p = spec.alignStack(p);
  const platform = spec.platform === null ? 0 : str(spec.platform);
  const random = put(spec.random.slice(0, 16));
  const auxv = spec.auxv({ random, execfn, platform });
  if (auxv.length === 0 || (auxv[auxv.length - 1] as [number, number])[0] !== AT.NULL)
    auxv.push([AT.NULL, 0]);
  // STACK_ADD(p, ei_index) then STACK_ROUND(sp, items): items = argc + 1 + envc + 1 + 1.
  const words = auxv.length * 2 + spec.argv.length + 1 + spec.envp.length + 1 + 1;
  const sp = Math.floor((p - words * 8) / 16) * 16;
  const bytes = new Uint8Array(spec.top - sp);
  writePointerBlock(bytes, argvPointers, envpPointers, auxv);
  for (const c of chunks) bytes.set(c.data, c.at - sp);
  return {
    sp,
    bytes,
    argStart,
    argEnd: envStart,
    envStart,
    envEnd,
    argvPointers,
    envpPointers,
    auxv,
    stringsBottom,
  };
}

/**
 * Writes the block at the bottom of the initial stack (`bytes[0]` is `sp`), as `create_elf_tables` lays it out:
 * argc, the argv pointers and a null, the envp pointers and a null, then the auxv pairs. 64-bit little-endian words.
 */
function writePointerBlock(
  bytes: Uint8Array,
  argvPointers: readonly number[],
  envpPointers: readonly number[],
  auxv: readonly (readonly [number, number])[],
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let w = 0;
  const word = (v: number) => {
    view.setUint32(w, v >>> 0, true);
    view.setUint32(w + 4, Math.floor(v / 2 ** 32) >>> 0, true);
    w += 8;
  };
  word(argvPointers.length);
  for (const a of argvPointers) word(a);
  word(0);
  for (const e of envpPointers) word(e);
  word(0);
  for (const [t, v] of auxv) {
    word(t);
    word(v);
  }
}
