/**
 * Building a process from a recorded `/proc/PID/maps` text: one VMA per line, exactly as printed (neighbours Linux
 * kept apart stay apart), with files of the machine's filesystem standing in for the mapped files (same path, a
 * size that covers every mapped offset, the recorded device and inode numbers), shared memory objects for
 * `/dev/zero (deleted)` lines, the special mappings by name, and the layout parameters maps does not show
 * (`mmap_base`, `start_brk`, `brk`, `start_stack`) settable.
 *
 * @module
 */

import {
  MmError,
  PAGE_SIZE,
  VM_ACCOUNT,
  VM_DONTDUMP,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_IO,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_PFNMAP,
  VM_READ,
  VM_SHARED,
  VM_SOFTDIRTY,
  VM_WRITE,
  type VmFlags,
} from '@pagewright/core';
import { deviceNumber, O_RDONLY, O_RDWR, type OpenFileDescription } from '@pagewright/files';
import { ANON_PRIVATE, anonShared, type Backing, fileBacking, type SharedObject, Vma } from '@pagewright/vma';
import type { Machine } from './machine.js';
import { Process } from './process.js';

/** One parsed line of `/proc/PID/maps`. */
export interface MapsLine {
  /** Start and end addresses (bytes). */
  readonly start: number;
  readonly end: number;
  /** `rwxp` / `r--s` … */
  readonly perms: string;
  /** The file offset (bytes). */
  readonly offset: number;
  /** Device major and minor (hexadecimal in the text). */
  readonly major: number;
  readonly minor: number;
  /** The inode number. */
  readonly inode: number;
  /** The name column (`/usr/lib/libc.so.6`, `[heap]`, `/dev/zero (deleted)`), or `''`. */
  readonly name: string;
}

/** Thrown for a maps text that is not one: the line number (from 1) and what is wrong. */
export class MapsSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`maps line ${line}: ${message}`);
    this.name = 'MapsSyntaxError';
  }
}

const LINE =
  /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) ([0-9a-f]+) ([0-9a-f]+):([0-9a-f]+) (\d+)(?: +(.*))?$/;

/**
 * Parses a `/proc/PID/maps` text (blank lines ignored). Throws {@link MapsSyntaxError} for a malformed line, an
 * unaligned or empty range, addresses past 2^53, or lines out of order or overlapping. Lines whose name is in
 * `skip` are left out before they are checked.
 */
export function parseMaps(text: string, skip: ReadonlySet<string> = new Set()): MapsLine[] {
  const out: MapsLine[] = [];
  const lines = String(text).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).replace(/\r$/, '');
    if (raw.trim() === '') continue;
    const m = LINE.exec(raw);
    if (m === null) throw new MapsSyntaxError(i + 1, `not a maps line: ${JSON.stringify(raw)}`);
    if (skip.has((m[8] ?? '').trimEnd())) continue;
    const start = Number.parseInt(m[1] as string, 16);
    const end = Number.parseInt(m[2] as string, 16);
    const offset = Number.parseInt(m[4] as string, 16);
    if (!(Number.isSafeInteger(end) && Number.isSafeInteger(offset)))
      throw new MapsSyntaxError(i + 1, 'address or offset past 2^53');
    if (start % PAGE_SIZE !== 0 || end % PAGE_SIZE !== 0 || offset % PAGE_SIZE !== 0 || end <= start)
      throw new MapsSyntaxError(i + 1, 'unaligned or empty range');
    const prev = out[out.length - 1];
    if (prev !== undefined && start < prev.end)
      throw new MapsSyntaxError(i + 1, 'out of order or overlapping');
    out.push({
      start,
      end,
      perms: m[3] as string,
      offset,
      major: Number.parseInt(m[5] as string, 16),
      minor: Number.parseInt(m[6] as string, 16),
      inode: Number(m[7]),
      name: (m[8] ?? '').trimEnd(),
    });
  }
  return out;
}

/** Options of {@link seedFromMaps}: the layout maps does not show, and the stand-in files. */
export interface SeedOptions {
  /** `mm->mmap_base` (default: the end of the highest mapping below `[stack]`, where exec's first top-down mapping ended). */
  mmapBase?: number | undefined;
  /** `mm->start_brk` (default: the start of `[heap]`, else the end of the highest mapping below `mmap_base`'s area that is not anonymous-shared, rounded to a page). */
  startBrk?: number | undefined;
  /** `mm->brk` (default: the end of `[heap]`, else `startBrk`). */
  brk?: number | undefined;
  /** `mm->start_stack` (default: 8 bytes below the end of `[stack]`). */
  startStack?: number | undefined;
  /** Sizes of the stand-in files by path (default: the largest mapped offset + length). */
  fileSizes?: ReadonlyMap<string, number> | Readonly<Record<string, number>> | undefined;
  /** Lines named here are skipped (default `[vsyscall]`: the x86-64 gate page is no VMA). */
  skip?: readonly string[] | undefined;
}

const SPECIAL_FLAGS: Record<string, VmFlags> = {
  '[vvar]': VM_READ | VM_MAYREAD | VM_IO | VM_DONTDUMP | VM_PFNMAP,
  '[vvar_vclock]': VM_READ | VM_MAYREAD | VM_IO | VM_DONTDUMP | VM_PFNMAP,
  '[vdso]': VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC,
};

function rights(perms: string): VmFlags {
  return (
    (perms[0] === 'r' ? VM_READ : 0) | (perms[1] === 'w' ? VM_WRITE : 0) | (perms[2] === 'x' ? VM_EXEC : 0)
  );
}

const isFileName = (name: string) => name.startsWith('/') && name !== '/dev/zero (deleted)';
const DELETED = ' (deleted)';

/**
 * A new process of `machine` whose address space is `text`, line for line (see the module comment): private lines
 * are private anonymous or private file VMAs (`VM_ACCOUNT` when writable), shared ones `VM_MAYSHARE` (and
 * `VM_SHARED | VM_MAYWRITE`: the stand-ins are opened read-write), `[stack]` grows down, `[vdso]`/`[vvar]` are
 * special mappings, `[anon:NAME]` named anonymous memory, `/dev/zero (deleted)` lines with the same inode one shared
 * object, a name ending in ` (deleted)` a file unlinked after it was mapped. No page is resident. The machine's
 * `taskSize` must hold every line.
 *
 * @throws {@link MapsSyntaxError} for a malformed text or a line past `TASK_SIZE`; `MmError` when a stand-in file
 *   cannot be made (a path through a file, `ENOMEM`)
 */
export function seedFromMaps(machine: Machine, text: string, options: SeedOptions = {}): Process {
  const lines = parseMaps(text, new Set(options.skip ?? ['[vsyscall]']));
  const kept = lines;
  const taskSize = machine.limits.taskSize;
  for (const l of kept)
    if (l.end > taskSize) throw new MapsSyntaxError(0, `${l.name || 'a mapping'} ends past TASK_SIZE`);
  const pid = machine.nextPid();
  const vm = machine.newAddressSpace(pid);
  if (vm === null) throw new MmError('ENOMEM', 'no frame for the root page table');
  const files = new Map<string, OpenFileDescription>();
  const objects = new Map<number, SharedObject>();
  const sizes = new Map<string, number>(
    options.fileSizes instanceof Map ? options.fileSizes : Object.entries(options.fileSizes ?? {}),
  );
  try {
    for (const l of kept) {
      if (!isFileName(l.name)) continue;
      const path = l.name.endsWith(DELETED) ? l.name.slice(0, -DELETED.length) : l.name;
      sizes.set(path, Math.max(sizes.get(path) ?? 0, l.offset + (l.end - l.start)));
    }
    let stack: MapsLine | undefined;
    for (const l of kept) {
      const shared = l.perms[3] === 's';
      let flags = rights(l.perms) | VM_MAYREAD | VM_MAYEXEC | VM_SOFTDIRTY;
      let backing: Backing = ANON_PRIVATE;
      let pgoff: number | undefined;
      let name: string | null = null;
      if (l.name === '/dev/zero (deleted)' && shared) {
        let o = objects.get(l.inode);
        if (o === undefined) {
          const pages = Math.max(
            ...kept
              .filter((k) => k.inode === l.inode && k.name === l.name)
              .map((k) => k.offset / PAGE_SIZE + (k.end - k.start) / PAGE_SIZE),
          );
          o = machine.shared.create(pages);
          objects.set(l.inode, o);
        }
        backing = anonShared(o);
        pgoff = l.offset / PAGE_SIZE;
        flags |= VM_MAYSHARE | VM_SHARED | VM_MAYWRITE;
      } else if (isFileName(l.name)) {
        const path = l.name.endsWith(DELETED) ? l.name.slice(0, -DELETED.length) : l.name;
        let file = files.get(path);
        if (file === undefined) {
          file = standIn(machine, path, sizes.get(path) as number, l);
          files.set(path, file);
        }
        backing = fileBacking(file);
        pgoff = l.offset / PAGE_SIZE;
        flags |= shared ? VM_MAYSHARE | VM_SHARED | VM_MAYWRITE : VM_MAYWRITE;
        if (!shared && l.perms[1] === 'w') flags |= VM_ACCOUNT;
      } else if (l.name in SPECIAL_FLAGS) {
        flags = (SPECIAL_FLAGS[l.name] as VmFlags) | VM_SOFTDIRTY;
        name = l.name;
      } else {
        if (shared) throw new MapsSyntaxError(0, `a shared mapping of ${JSON.stringify(l.name)} has no file`);
        flags |= VM_MAYWRITE | (l.perms[1] === 'w' ? VM_ACCOUNT : 0);
        if (l.name === '[stack]') {
          flags |= VM_GROWSDOWN | VM_ACCOUNT;
          stack = l;
        } else if (l.name.startsWith('[anon:') && l.name.endsWith(']')) name = l.name.slice(6, -1);
        else if (l.name.startsWith('[') && l.name !== '[heap]') name = l.name;
      }
      vm.vmas.insertNoMerge(
        new Vma({ start: l.start / PAGE_SIZE, end: l.end / PAGE_SIZE, flags, backing, pgoff, name }),
      );
    }
    vm.fileMaps.sync(true);
    for (const [path, file] of files) {
      file.release(); // the VMAs hold their own references
      if (lines.some((l) => l.name === `${path}${DELETED}`)) machine.files.unlink(path);
    }
    files.clear();
    const heap = kept.find((l) => l.name === '[heap]');
    const belowStack = kept.filter((l) => stack === undefined || l.end <= stack.start);
    vm.mmapBase =
      options.mmapBase ??
      (belowStack.length > 0 ? (belowStack[belowStack.length - 1] as MapsLine).end : taskSize);
    vm.startBrk = options.startBrk ?? heap?.start ?? 0;
    vm.brk = options.brk ?? heap?.end ?? vm.startBrk;
    vm.startStack = options.startStack ?? (stack !== undefined ? stack.end - 8 : 0);
    vm.updateHiwater();
  } catch (e) {
    for (const f of files.values()) f.release();
    vm.destroy();
    throw e;
  }
  const p = new Process(machine, pid, vm);
  machine.register(p);
  return p;
}

/** The stand-in for a mapped file: made (with its directories) when missing, opened read-write. */
function standIn(machine: Machine, path: string, size: number, line: MapsLine): OpenFileDescription {
  const fs = machine.files;
  try {
    fs.lookup(path);
  } catch (e) {
    if (!(e instanceof MmError && e.errno === 'ENOENT')) throw e;
    let dir = '';
    for (const part of path
      .split('/')
      .filter((c) => c !== '')
      .slice(0, -1)) {
      dir += `/${part}`;
      try {
        fs.mkdir(dir);
      } catch (err) {
        if (!(err instanceof MmError && err.errno === 'EEXIST')) throw err;
      }
    }
    fs.createFile(path, { size }, 0o755, { dev: deviceNumber(line.major, line.minor), ino: line.inode });
  }
  try {
    return fs.open(path, O_RDWR);
  } catch (e) {
    if (e instanceof MmError && e.errno === 'EISDIR') throw e;
    return fs.open(path, O_RDONLY);
  }
}
