/**
 * `execve` of a real ELF file of the machine's filesystem (Linux 6.18 `do_execveat_common` → `load_elf_binary`):
 * `@pagewright/elf`'s `planExec` decides what to map, and this file performs it on a fresh address space — the
 * stack VMA (`setup_arg_pages`), every `PT_LOAD` as a private mapping of the file with its zeroed bss tail and the
 * anonymous rest, the interpreter the same way, the vDSO's special mappings, the break, and the initial stack with
 * the auxiliary vector (`create_elf_tables`).
 *
 * @module
 */

import {
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_PRIVATE,
  MmError,
  PAGE_SIZE,
  type Rng,
  toNegErrno,
  VM_ACCOUNT,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYWRITE,
  VM_READ,
  VM_SOFTDIRTY,
  VM_WRITE,
} from '@pagewright/core';
import {
  ElfError,
  type ElfLoadPlan,
  elfCheckArch,
  type ImagePlan,
  parseElf,
  planExec,
} from '@pagewright/elf';
import { FdTable, type FileSystem, O_RDONLY, type OpenFileDescription } from '@pagewright/files';
import { Vma } from '@pagewright/vma';
import type { AddressSpace } from './address-space.js';
import { checkExecArguments, STACK_EXPAND, writeInto } from './exec.js';
import { alignStack, type ExecLayoutProfile, mmapBase, stackTop } from './exec-layout.js';
import { AT, type ElfStackLayout, layoutElfStack } from './init-stack.js';
import { sysMmap } from './mmap.js';
import { sysMunmap } from './munmap.js';
import { getUnmappedArea } from './placement.js';

/** Options of an ELF exec (`Process.execFile`, `Process.execElf`). */
export interface ElfExecOptions {
  /** `argv` (default: `[path]`). */
  argv?: readonly string[] | undefined;
  /** `envp` (default: none). */
  envp?: readonly string[] | undefined;
  /** `bprm->filename`, the string `AT_EXECFN` points at (default: the path as given). */
  execfn?: string | undefined;
  /** The architecture's layout (default: the machine's built-in architecture's, see `execLayoutFor`). */
  layout?: ExecLayoutProfile | undefined;
}

/** What an ELF load needs from the machine. */
export interface ElfLoadContext {
  readonly files: FileSystem;
  readonly layout: ExecLayoutProfile;
  /** ASLR's generator (`PF_RANDOMIZE`), or null when ASLR is off. */
  readonly aslr: Rng | null;
  /** The source of the `AT_RANDOM` bytes. */
  readonly random: Rng;
}

/** How a load ended: 0, or `-errno` with whether Linux had passed the point of no return (the caller dies). */
export interface ElfLoadResult {
  readonly ret: number;
  readonly pointOfNoReturn: boolean;
  /** The loaded program's plan (null on failure). */
  readonly plan: ElfLoadPlan | null;
  /** The initial stack (null on failure). */
  readonly stack: ElfStackLayout | null;
}

/** Largest ELF file read whole (bigger ones answer `E2BIG`: this model reads the file to parse it). */
const MAX_ELF_BYTES = 256 * 2 ** 20;

/** An `open_exec` failure (before the point of no return). */
class ExecFailure extends Error {
  constructor(
    readonly ret: number,
    readonly pointOfNoReturn: boolean,
  ) {
    super(`exec failed: ${ret}`);
  }
}

const fail = (errno: Parameters<typeof toNegErrno>[0], ponr: boolean): never => {
  throw new ExecFailure(toNegErrno(errno), ponr);
};

/**
 * `open_exec(path)` and `kernel_read` of the whole file: the description (one reference, the caller's) and its
 * bytes. `ENOENT`/`ENOTDIR`/`ENAMETOOLONG` from the lookup, `EACCES` for a file that is not regular or has no
 * execute bit (`may_open(MAY_EXEC)`; root needs one `x` too), `ENOMEM` when the page cache cannot read it.
 */
function openExec(fds: FdTable, path: string): { file: OpenFileDescription; bytes: Uint8Array } {
  let fd: number;
  try {
    fd = fds.open(path, O_RDONLY);
  } catch (e) {
    if (e instanceof MmError) throw new ExecFailure(-e.errnoNumber, false);
    throw e;
  }
  const file = fds.get(fd);
  const inode = file.inode;
  if (inode.type !== 'regular' || (inode.mode & 0o111) === 0) fail('EACCES', false);
  if (inode.size > MAX_ELF_BYTES) fail('E2BIG', false);
  const bytes = new Uint8Array(inode.size);
  try {
    fds.pread(fd, bytes, 0);
  } catch (e) {
    if (e instanceof MmError) throw new ExecFailure(-e.errnoNumber, false);
    throw e;
  }
  return { file, bytes };
}

/** `round_hint_to_min` + `get_unmapped_area(NULL, hint, length, 0, 0)` for an image `mmap` places. */
function placeImage(vm: AddressSpace, length: number, hint: number): number {
  let h = Math.floor(hint / PAGE_SIZE) * PAGE_SIZE;
  if (h !== 0 && h < vm.limits.mmapMinAddr) h = Math.ceil(vm.limits.mmapMinAddr / PAGE_SIZE) * PAGE_SIZE;
  const a = getUnmappedArea(vm, h, length);
  if (a < 0) fail('ENOMEM', true);
  return a;
}

/** Performs one image's steps (`elf_load` of each `PT_LOAD`) with the file open at `fd` of `fds`. */
function performImage(vm: AddressSpace, image: ImagePlan, fds: FdTable, fd: number): void {
  for (const step of image.steps) {
    let r: number;
    if (step.kind === 'map-file') {
      const fixed = step.placement === 'fixed' ? MAP_FIXED : MAP_FIXED_NOREPLACE;
      r = sysMmap(
        vm,
        step.start,
        step.reserveLength,
        step.prot,
        MAP_PRIVATE | fixed,
        fd,
        step.filePage * PAGE_SIZE,
        fds,
      );
      // elf_map: the first segment reserved the whole image; give back what lies past its own file part.
      if (r >= 0 && step.reserveLength > step.length)
        r = sysMunmap(vm, step.start + step.length, step.reserveLength - step.length);
    } else if (step.kind === 'zero-tail') {
      // padzero: clear_user of the rest of the last file page (breaks COW on that page). A failure is EFAULT.
      r = writeInto(vm, step.start, new Uint8Array(step.end - step.start));
      if (r < 0) r = toNegErrno('EFAULT');
    } else {
      // vm_brk_flags: anonymous zero memory, replacing what is there.
      r = sysMmap(vm, step.start, step.length, step.prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    }
    if (r < 0) throw new ExecFailure(r, true);
  }
}

/** `_install_special_mapping` of the vDSO's mappings in one free area below `mmap_base`; returns the text's start. */
function installVdso(vm: AddressSpace, layout: ExecLayoutProfile): number {
  const pages = layout.vdso.reduce((n, m) => n + m.pages, 0);
  const base = getUnmappedArea(vm, 0, pages * PAGE_SIZE);
  if (base < 0) fail('ENOMEM', true);
  let page = base / PAGE_SIZE;
  let text = 0;
  layout.vdso.forEach((m, i) => {
    if (i === layout.vdsoText) text = page * PAGE_SIZE;
    // A special mapping's name starts with '[', which no PR_SET_VMA_ANON_NAME name may hold: maps prints it bare.
    vm.vmas.insertNoMerge(
      new Vma({ start: page, end: page + m.pages, flags: m.flags | VM_SOFTDIRTY, name: m.name }),
    );
    page += m.pages;
  });
  return text;
}

/** The 16 `AT_RANDOM` bytes (`get_random_bytes`). */
function randomBytes(rng: Rng): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 0; i < 16; i++) b[i] = rng.nextInt(256);
  return b;
}

/**
 * Loads the ELF program at `path` of `ctx.files` into the empty address space `vm` (which the caller destroys on
 * failure and installs on success). Errors, in Linux's order, before the point of no return (the caller's process
 * is untouched): `EFAULT`/`E2BIG` for the strings, `open_exec`'s (`ENOENT`, `EACCES` …), `parseElf`'s `ENOEXEC`/`EIO`,
 * `elf_check_arch`'s `ENOEXEC`, the interpreter's (`ENOENT`, `EACCES`, `EIO`, `ELIBBAD`); after it (the caller
 * dies of SIGSEGV, as `bprm->point_of_no_return` makes Linux do): `planExec`'s, and what the mappings answer
 * (`EEXIST` where a segment meets the stack, `EPERM` below `mmap_min_addr`, `ENOMEM`).
 */
export function loadElf(
  vm: AddressSpace,
  path: unknown,
  options: ElfExecOptions,
  ctx: ElfLoadContext,
): ElfLoadResult {
  const fds = new FdTable(ctx.files);
  try {
    return loadElfInto(vm, path, options, ctx, fds);
  } catch (e) {
    if (e instanceof ExecFailure)
      return { ret: e.ret, pointOfNoReturn: e.pointOfNoReturn, plan: null, stack: null };
    if (e instanceof ElfError)
      return { ret: e.toReturnValue(), pointOfNoReturn: e.pointOfNoReturn, plan: null, stack: null };
    throw e;
  } finally {
    fds.closeAll(); // the VMAs hold their own references on the descriptions
  }
}

function loadElfInto(
  vm: AddressSpace,
  path: unknown,
  options: ElfExecOptions,
  ctx: ElfLoadContext,
  fds: FdTable,
): ElfLoadResult {
  const { layout } = ctx;
  const argv = options.argv ?? [path];
  const envp = options.envp ?? [];
  const execfn = options.execfn ?? path;
  const bad = checkExecArguments(execfn, argv, envp, vm.limits.stackLimit);
  if (bad !== 0 || typeof path !== 'string')
    throw new ExecFailure(bad !== 0 ? bad : toNegErrno('EFAULT'), false);
  const program = openExec(fds, path);
  const elf = parseElf(program.bytes);
  let interpreter: { file: OpenFileDescription; bytes: Uint8Array } | null = null;
  if (elf.interpreter !== null) {
    // elf_check_arch comes before the interpreter is opened (planExec checks it again, first).
    if (!elfCheckArch(layout.elf, elf.header))
      throw new ElfError(
        'ENOEXEC',
        elf.header.machine !== layout.elf.machine ? 'bad-machine' : 'bad-class',
        `not a ${layout.elf.name} ELF64 file`,
      );
    interpreter = openExec(fds, elf.interpreter);
  }
  // setup_new_exec: the mmap layout; setup_arg_pages: the stack VMA (the strings' pages plus 128 KiB).
  vm.mmapBase = mmapBase(layout, vm.limits, ctx.aslr);
  const top = Math.ceil(alignStack(layout, stackTop(layout, ctx.aslr), ctx.aslr) / PAGE_SIZE) * PAGE_SIZE;
  const probe = layoutElfStack({
    top,
    execfn: execfn as string,
    argv: argv as string[],
    envp: envp as string[],
    alignStack: (p) => p,
    platform: null,
    random: new Uint8Array(16),
    auxv: () => [],
  });
  const stringsPage = Math.floor(probe.stringsBottom / PAGE_SIZE) * PAGE_SIZE;
  const rlimit = Math.floor(vm.limits.stackLimit / PAGE_SIZE) * PAGE_SIZE;
  const stackStart = top - Math.min(rlimit, top - stringsPage + STACK_EXPAND);
  const plan = planExec(elf, {
    profile: layout.elf,
    interpreter: interpreter?.bytes,
    randomize: ctx.aslr !== null,
    ...(ctx.aslr !== null ? { rng: ctx.aslr } : {}),
    placeImage: (length, _alignment, hint) => placeImage(vm, length, hint),
  });
  // ---- past the point of no return: every failure kills the caller ----
  if (stackStart < vm.limits.mmapMinAddr) fail('ENOMEM', true);
  const stackFlags =
    VM_READ |
    VM_WRITE |
    VM_MAYREAD |
    VM_MAYWRITE |
    VM_MAYEXEC |
    VM_GROWSDOWN |
    VM_ACCOUNT |
    VM_SOFTDIRTY |
    (plan.executableStack ? VM_EXEC : 0);
  vm.vmas.insertNoMerge(new Vma({ start: stackStart / PAGE_SIZE, end: top / PAGE_SIZE, flags: stackFlags }));
  performImage(vm, plan, fds, fds.install(program.file.ref()));
  if (plan.interpreter !== null && interpreter !== null)
    performImage(vm, plan.interpreter, fds, fds.install(interpreter.file.ref()));
  vm.fileMaps.sync(true);
  vm.startBrk = plan.startBrk;
  vm.brk = plan.startBrk;
  vm.startCode = Number(plan.mm.startCode);
  vm.endCode = Number(plan.mm.endCode);
  vm.startData = Number(plan.mm.startData);
  vm.endData = Number(plan.mm.endData);
  const vdso = installVdso(vm, layout);
  const stack = layoutElfStack({
    top,
    execfn: execfn as string,
    argv: argv as string[],
    envp: envp as string[],
    alignStack: (p) => alignStack(layout, p, ctx.aslr),
    platform: layout.platform,
    random: randomBytes(ctx.random),
    auxv: (at) => {
      const v: [number, number][] = [[AT.SYSINFO_EHDR, vdso]];
      for (const [t, x] of layout.archAuxv) v.push([t, x]);
      v.push(
        [AT.HWCAP, layout.hwcap],
        [AT.PAGESZ, PAGE_SIZE],
        [AT.CLKTCK, 100],
        [AT.PHDR, plan.phdrAddress],
        [AT.PHENT, plan.phent],
        [AT.PHNUM, plan.phnum],
        [AT.BASE, plan.interpreterBase],
        [AT.FLAGS, 0],
        [AT.ENTRY, Number(plan.programEntry)],
        [AT.UID, 0],
        [AT.EUID, 0],
        [AT.GID, 0],
        [AT.EGID, 0],
        [AT.SECURE, 0],
        [AT.RANDOM, at.random],
      );
      if (layout.hwcap2 !== null) v.push([AT.HWCAP2, layout.hwcap2]);
      v.push([AT.EXECFN, at.execfn]);
      if (at.platform !== 0) v.push([AT.PLATFORM, at.platform]);
      // CONFIG_RSEQ: offsetof(struct rseq, end) and its alignment.
      v.push([AT.RSEQ_FEATURE_SIZE, 28], [AT.RSEQ_ALIGN, 32], [AT.NULL, 0]);
      return v;
    },
  });
  const w = writeInto(vm, stack.sp, stack.bytes);
  if (w !== 0) throw new ExecFailure(toNegErrno('EFAULT'), true);
  vm.startStack = stack.sp;
  vm.argStart = stack.argStart;
  vm.argEnd = stack.argEnd;
  vm.envStart = stack.envStart;
  vm.envEnd = stack.envEnd;
  vm.updateHiwater();
  return { ret: 0, pointOfNoReturn: true, plan, stack };
}

/**
 * Puts `bytes` in `files` at `path` as an executable file (mode 0755, missing directories made), for an exec of
 * bytes: nothing changes when the same bytes are already there; a different file there is replaced as `install`
 * replaces one (unlinked, then a new file made: whoever maps the old one keeps it, shown ` (deleted)`). Returns 0
 * or `-errno` (`EFAULT` for bytes that are not a `Uint8Array` or a path that is not a string, the filesystem's
 * `ENOTDIR`, `EISDIR`, `ENAMETOOLONG` …, `ENOMEM`).
 */
export function installProgram(files: FileSystem, path: unknown, bytes: unknown): number {
  if (typeof path !== 'string' || !(bytes instanceof Uint8Array)) return toNegErrno('EFAULT');
  try {
    let existing: Uint8Array | null = null;
    try {
      const inode = files.lookup(path);
      if (inode.type === 'regular' && inode.size === bytes.length) {
        const fds = new FdTable(files);
        try {
          const fd = fds.open(path, O_RDONLY);
          existing = new Uint8Array(inode.size);
          fds.pread(fd, existing, 0);
        } finally {
          fds.closeAll();
        }
      }
      if (existing !== null && equalBytes(existing, bytes) && (inode.mode & 0o111) !== 0) return 0;
      if (inode.type === 'directory') return toNegErrno('EISDIR');
      files.unlink(path);
    } catch (e) {
      if (!(e instanceof MmError && e.errno === 'ENOENT')) throw e;
    }
    const parts = path.split('/').filter((c) => c !== '');
    let dir = '';
    for (const part of parts.slice(0, -1)) {
      dir += `/${part}`;
      try {
        files.mkdir(dir);
      } catch (e) {
        if (!(e instanceof MmError && e.errno === 'EEXIST')) throw e;
      }
    }
    files.createFile(path, bytes, 0o755);
    return 0;
  } catch (e) {
    if (e instanceof MmError) return -e.errnoNumber;
    throw e;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
