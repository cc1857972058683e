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
  PHDR: 3,
  PAGESZ: 6,
  ENTRY: 9,
  UID: 11,
  EUID: 12,
  GID: 13,
  EGID: 14,
  HWCAP: 16,
  CLKTCK: 17,
  SECURE: 23,
  RANDOM: 25,
  EXECFN: 31,
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
  const view = new DataView(bytes.buffer);
  const word = (at: number, v: number) => {
    view.setUint32(at - sp, v >>> 0, true);
    view.setUint32(at - sp + 4, Math.floor(v / 2 ** 32), true);
  };
  let w = sp;
  word(w, argv.length);
  w += 8;
  for (const a of argvPointers) {
    word(w, a);
    w += 8;
  }
  w += 8;
  for (const e of envpPointers) {
    word(w, e);
    w += 8;
  }
  w += 8;
  for (const [t, v] of auxv) {
    word(w, t);
    word(w + 8, v);
    w += 16;
  }
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
