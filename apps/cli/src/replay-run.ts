/**
 * Replaying one process's memory system calls from an `strace -f` log on pagewright: the process starts as the
 * recorded `/proc/PID/maps` (`seedFromMaps`), each `mmap`/`munmap`/`mprotect`/`brk`/`mremap`/`madvise`/`mincore`/
 * `mlock`/`msync`… runs with the recorded arguments (files stood in by same-named files of the in-memory
 * filesystem, big enough for every mapping of them), and every result that differs from the recorded one is
 * reported, as is every final maps line that differs.
 *
 * @module
 */

import * as core from '@pagewright/core';
import { Machine, type MachineOptions, type Process, parseMaps, seedFromMaps } from '@pagewright/process-vm';
import { parseStrace, type TracedCall } from './replay-strace.js';

/** What the replay knows of the recording machine: the architecture and what maps prints that is no VMA. */
export interface LinuxPreset {
  readonly name: string;
  /** The machine to replay on (architecture, task size, memory). */
  readonly machine: MachineOptions;
  /** Lines `/proc/PID/maps` prints after the VMAs (x86-64's `[vsyscall]` gate page), and skips when seeding. */
  readonly trailingMapsLines: readonly string[];
}

/** x86-64 Linux (4-level paging: `TASK_SIZE` 2^47 − 4 KiB) with its `[vsyscall]` line. */
export const X86_64_LINUX_PRESET: LinuxPreset = Object.freeze<LinuxPreset>({
  name: 'x86-64-linux',
  machine: { arch: 'x86-64', memoryBytes: 1024 * 1024 * 1024 },
  trailingMapsLines: ['ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]'],
});

/** RISC-V Linux under Sv39 (nothing past the VMAs). */
export const RISCV64_SV39_LINUX_PRESET: LinuxPreset = Object.freeze<LinuxPreset>({
  name: 'riscv64-sv39-linux',
  machine: { arch: 'sv39', memoryBytes: 1024 * 1024 * 1024 },
  trailingMapsLines: [],
});

/** The presets by name. */
export const LINUX_PRESETS: Readonly<Record<string, LinuxPreset>> = Object.freeze({
  'x86-64-linux': X86_64_LINUX_PRESET,
  'riscv64-sv39-linux': RISCV64_SV39_LINUX_PRESET,
});

/** What to replay. */
export interface ReplayInput {
  /** The `strace -f` log. */
  readonly trace: string;
  /** `/proc/PID/maps` when the replayed part begins (default: an empty space). */
  readonly mapsStart?: string | undefined;
  /** `/proc/PID/maps` when it ends: every line is compared. */
  readonly mapsEnd?: string | undefined;
  /** The thread to replay (default: the first in the log). */
  readonly pid?: number | undefined;
  /** The directory relative paths are in (default `/`). */
  readonly cwd?: string | undefined;
  /** The machine (default {@link X86_64_LINUX_PRESET}). */
  readonly preset?: LinuxPreset | undefined;
  /** `mm->start_brk` (default: `[heap]`'s start, else the result of the log's first `brk(NULL)`). */
  readonly startBrk?: number | undefined;
  /**
   * The recording host's symbolic links a path of the log goes through (`/lib` → `/usr/lib` on a merged-/usr
   * system): a path opened through one is the file at its target, and maps names it by the target, as the kernel's
   * `d_path` does. Lines `LINK -> TARGET` (see {@link parseLinks}).
   */
  readonly links?: string | undefined;
  /** The recorded files' sizes, lines `SIZE PATH` (`stat -c '%s %n'`): the stand-ins get exactly these sizes. */
  readonly sizes?: string | undefined;
}

/** Reads `LINK -> TARGET` lines (absolute paths; `#` comments and blank lines ignored). @throws {@link ReplayError} */
export function parseLinks(text: string): Map<string, string> {
  const links = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const l = raw.trim();
    if (l === '' || l.startsWith('#')) return;
    const m = /^(\/\S*) -> (\/\S*)$/.exec(l);
    if (m === null)
      throw new ReplayError(`links line ${i + 1}: expected 'LINK -> TARGET', got ${JSON.stringify(raw)}`);
    links.set((m[1] as string).replace(/\/+$/, ''), (m[2] as string).replace(/\/+$/, ''));
  });
  return links;
}

/** Reads `SIZE PATH` lines (`stat -c '%s %n'`; `#` comments and blank lines ignored). @throws {@link ReplayError} */
export function parseSizes(text: string): Map<string, number> {
  const sizes = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const l = raw.trim();
    if (l === '' || l.startsWith('#')) return;
    const m = /^(\d+) (\/.*)$/.exec(l);
    if (m === null || !Number.isSafeInteger(Number(m[1])))
      throw new ReplayError(`sizes line ${i + 1}: expected 'SIZE PATH', got ${JSON.stringify(raw)}`);
    sizes.set(m[2] as string, Number(m[1]));
  });
  return sizes;
}

/** `path` with every link prefix replaced by its target (repeatedly, as a path walk follows a chain of links). */
function followLinks(path: string, links: ReadonlyMap<string, string>): string {
  for (let hops = 0; hops < 40; hops++) {
    let next = path;
    for (const [link, target] of links)
      if (path === link || path.startsWith(`${link}/`)) {
        next = target + path.slice(link.length);
        break;
      }
    if (next === path) return path;
    path = next;
  }
  throw new ReplayError(`too many levels of symbolic links in ${path}`);
}

/** A result that differs from the recorded one. */
export interface ReplayMismatch {
  /** The log line. */
  readonly line: number;
  /** `name(args)`. */
  readonly call: string;
  readonly recorded: string;
  readonly replayed: string;
}

/** What the replay found. */
export interface ReplayReport {
  /** System calls replayed (compared). */
  readonly replayed: number;
  /** Calls of the process that are not replayed, by name (reads, writes, signals …). */
  readonly skipped: Readonly<Record<string, number>>;
  readonly mismatches: readonly ReplayMismatch[];
  /** Final maps lines that differ: `-` recorded only, `+` replayed only (empty without `mapsEnd`). */
  readonly mapsDiff: readonly string[];
  /** The replayed final maps (with the preset's trailing lines). */
  readonly maps: string;
}

/** Thrown for input the replay cannot use (no call of the process, a malformed argument). */
export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}

/** `O_*` of the generic Linux ABI (x86-64 and RISC-V), and `AT_FDCWD`. */
const OPEN_FLAGS: Record<string, number> = {
  O_RDONLY: 0,
  O_WRONLY: 0o1,
  O_RDWR: 0o2,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_NOCTTY: 0o400,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_NONBLOCK: 0o4000,
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
  O_CLOEXEC: 0o2000000,
  O_LARGEFILE: 0,
  AT_FDCWD: -100,
};

/** The value of an argument strace printed: a number, `NULL`, or `|`-joined constant names. */
export function argValue(text: string): bigint {
  const t = text.trim();
  if (t === 'NULL') return 0n;
  if (/^0[0-7]+$/.test(t)) return BigInt(`0o${t.slice(1)}`); // a mode: octal
  if (/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) return t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t);
  let v = 0n;
  for (const part of t.split('|')) {
    const p = part.trim();
    if (/^-?(0x[0-9a-f]+|\d+)$/i.test(p)) v |= BigInt(p);
    else if (p in OPEN_FLAGS) v |= BigInt(OPEN_FLAGS[p] as number);
    else {
      const c = (core as unknown as Record<string, unknown>)[p];
      if (typeof c !== 'number') throw new ReplayError(`unknown constant ${p} in ${JSON.stringify(text)}`);
      v |= BigInt(c);
    }
  }
  return v;
}

const u64 = (v: bigint): number | bigint => {
  const x = BigInt.asUintN(64, v);
  return x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x;
};
const num = (v: bigint): number => Number(BigInt.asIntN(64, v));

/** The result a recorded call had, as pagewright returns it: the value, or `-errno`. */
function recordedResult(c: TracedCall): number | null {
  if (c.ret === '?') return null;
  if (c.errno !== null) {
    const n = (core.Errno as Record<string, number>)[c.errno];
    return n === undefined ? null : -n;
  }
  return num(argValue(c.ret));
}

function stringArg(text: string | undefined): string {
  if (text === undefined || !text.startsWith('"')) throw new ReplayError(`not a path: ${text}`);
  return JSON.parse(text.replace(/"\.\.\.$/, '"')) as string;
}

/** Replays `input` and reports every difference. @throws {@link ReplayError} for input it cannot use */
export function replayTrace(input: ReplayInput): ReplayReport {
  const preset = input.preset ?? X86_64_LINUX_PRESET;
  const calls = parseStrace(input.trace);
  if (calls.length === 0) throw new ReplayError('the log holds no system call');
  const pid = input.pid ?? (calls[0] as TracedCall).pid;
  const mine = calls.filter((c) => c.pid === pid);
  if (mine.length === 0) throw new ReplayError(`no system call of pid ${pid} in the log`);
  // Start after the (last) successful execve: what came before ran in another image.
  let from = 0;
  for (let i = 0; i < mine.length; i++)
    if ((mine[i] as TracedCall).name === 'execve' && mine[i]?.ret === '0') from = i + 1;
  const replayed = mine.slice(from);
  const cwd = input.cwd ?? '/';
  const links = parseLinks(input.links ?? '');
  const resolve = (path: string) =>
    followLinks(path.startsWith('/') ? path : `${cwd.replace(/\/$/, '')}/${path}`, links);
  const machine = new Machine(preset.machine);
  const skip = preset.trailingMapsLines.map((l) => l.slice(73).trim()).filter((n) => n !== '');
  const firstBrk = replayed.find((c) => c.name === 'brk');
  const heapLine = /^([0-9a-f]+)-[0-9a-f]+ .*\[heap\]$/m.exec(input.mapsStart ?? '');
  const startBrk =
    input.startBrk ??
    (heapLine !== null ? Number.parseInt(heapLine[1] as string, 16) : undefined) ??
    (firstBrk !== undefined && firstBrk.args[0] === 'NULL' ? num(argValue(firstBrk.ret)) : undefined);
  // Stand-in sizes: what fstat showed, and at least every mapped offset + length.
  const sizes = standInSizes(replayed, resolve);
  for (const [path, size] of parseSizes(input.sizes ?? '')) sizes.set(followLinks(path, links), size);
  const p = seedFromMaps(machine, input.mapsStart ?? '', { startBrk, skip, fileSizes: sizes });
  const identities = new Map<string, { dev: { major: number; minor: number }; ino: number }>();
  for (const l of input.mapsEnd === undefined ? [] : parseMaps(input.mapsEnd, new Set(skip)))
    if (l.name.startsWith('/'))
      identities.set(l.name.replace(/ \(deleted\)$/, ''), {
        dev: { major: l.major, minor: l.minor },
        ino: l.inode,
      });
  // Descriptors 0, 1 and 2 are open in a recorded program: stand-ins keep the numbering.
  for (let fd = 0; fd < 3; fd++) p.open('/dev/zero', 2);
  const fds = new Map<number, number>([
    [0, 0],
    [1, 1],
    [2, 2],
  ]);
  const fdArg = (text: string | undefined) => {
    const v = num(argValue(text ?? '-1'));
    return v < 0 ? v : (fds.get(v) ?? 1_000_000 + v);
  };
  const mismatches: ReplayMismatch[] = [];
  const skipped: Record<string, number> = {};
  let count = 0;
  for (const c of replayed) {
    const got = replayOne(p, c, fdArg, fds, resolve, sizes, identities);
    if (got === undefined) {
      skipped[c.name] = (skipped[c.name] ?? 0) + 1;
      continue;
    }
    count++;
    const want = recordedResult(c);
    const gotText = typeof got === 'number' ? describe(got) : got.text;
    const same = typeof got === 'number' ? want === got : got.same(want);
    if (!same)
      mismatches.push({
        line: c.line,
        call: `${c.name}(${c.args.join(', ')})`,
        recorded: c.errno !== null ? `-1 ${c.errno}` : c.ret,
        replayed: gotText,
      });
  }
  const maps = p.maps() + preset.trailingMapsLines.map((l) => `${l}\n`).join('');
  const mapsDiff = input.mapsEnd === undefined ? [] : diffLines(input.mapsEnd, maps);
  return { replayed: count, skipped, mismatches, mapsDiff, maps };
}

function describe(ret: number): string {
  if (ret < 0 && ret >= -4095) return `-1 ${core.fromNegErrno(ret) ?? -ret}`;
  return ret >= 4096 ? `0x${ret.toString(16)}` : String(ret);
}

/** The size of each file's stand-in: its `fstat` size if the log shows one, and at least every mapping of it. */
function standInSizes(calls: readonly TracedCall[], resolve: (p: string) => string): Map<string, number> {
  const sizes = new Map<string, number>();
  const pathOf = new Map<number, string>();
  const grow = (path: string | undefined, n: number) => {
    if (path !== undefined) sizes.set(path, Math.max(sizes.get(path) ?? 0, n));
  };
  for (const c of calls) {
    const ret = c.errno === null && c.ret !== '?' ? num(argValue(c.ret)) : -1;
    if ((c.name === 'openat' || c.name === 'open') && ret >= 0) {
      const path = resolve(stringArg(c.name === 'openat' ? c.args[1] : c.args[0]));
      pathOf.set(ret, path);
    } else if (c.name === 'fstat' || c.name === 'newfstatat') {
      const size = /st_size=(\d+)/.exec(c.args.join(','));
      const fd = num(argValue(c.args[0] ?? '-1'));
      if (size !== null && c.errno === null) grow(pathOf.get(fd), Number(size[1]));
    } else if (c.name === 'mmap' && ret >= 0) {
      const fd = num(argValue(c.args[4] ?? '-1'));
      if (fd >= 0) grow(pathOf.get(fd), num(argValue(c.args[5] ?? '0')) + num(argValue(c.args[1] ?? '0')));
    }
  }
  return sizes;
}

type Got = number | { text: string; same: (want: number | null) => boolean };

/** Runs one recorded call on `p`: its result, or `undefined` for a call the replay does not run. */
function replayOne(
  p: Process,
  c: TracedCall,
  fdArg: (t: string | undefined) => number,
  fds: Map<number, number>,
  resolve: (path: string) => string,
  sizes: Map<string, number>,
  identities: Map<string, { dev: { major: number; minor: number }; ino: number }>,
): Got | undefined {
  const a = (i: number) => u64(argValue(c.args[i] ?? '0'));
  switch (c.name) {
    case 'mmap':
      return p.mmap(a(0), a(1), a(2), a(3), fdArg(c.args[4]), a(5));
    case 'munmap':
      return p.munmap(a(0), a(1));
    case 'mprotect':
      return p.mprotect(a(0), a(1), a(2));
    case 'brk':
      return p.brk(a(0));
    case 'mremap':
      return p.mremap(a(0), a(1), a(2), a(3), c.args.length > 4 ? a(4) : 0);
    case 'madvise':
      return p.madvise(a(0), a(1), a(2));
    case 'mlock':
      return p.mlock(a(0), a(1));
    case 'mlock2':
      return p.mlock2(a(0), a(1), a(2));
    case 'munlock':
      return p.munlock(a(0), a(1));
    case 'mlockall':
      return p.mlockall(a(0));
    case 'munlockall':
      return p.munlockall();
    case 'msync':
      return p.msync(a(0), a(1), a(2));
    case 'mincore': {
      const len = Number(a(1));
      const pages = Math.ceil(Math.min(len, 2 ** 32) / 4096);
      const vec = new Uint8Array(pages);
      const ret = p.mincore(a(0), a(1), vec);
      const shown = c.args[2] ?? '';
      if (ret !== 0 || !shown.startsWith('[') || shown.includes('...')) return ret;
      const want = splitBits(shown);
      const got = [...vec].map((b) => b & 1).join('');
      return {
        text: got === want ? '0' : `0 [${got}]`,
        same: (w) => w === ret && got === want,
      };
    }
    case 'open':
    case 'openat': {
      const path = resolve(stringArg(c.name === 'openat' ? c.args[1] : c.args[0]));
      const flags = num(argValue((c.name === 'openat' ? c.args[2] : c.args[1]) ?? '0'));
      const mode = num(argValue((c.name === 'openat' ? c.args[3] : c.args[2]) ?? '0644'));
      const size = sizes.get(path);
      const id = identities.get(path);
      // A file the recorded program found that this filesystem lacks: its stand-in, of the size it needs, with the
      // device and inode the final maps shows for it.
      // A directory the program opened (O_DIRECTORY: `opendir`) stands in as a directory.
      if (c.errno === null && (flags & 0o100) === 0)
        ensureFile(p, path, size ?? 0, id, (flags & 0o200000) !== 0);
      // A file the trace creates: made first with the device and inode the final maps shows for it.
      if (c.errno === null && (flags & 0o100) !== 0 && (flags & 0o200) === 0 && id !== undefined)
        ensureFile(p, path, 0, id);
      const ret = p.open(path, flags, mode);
      if (ret >= 0 && c.errno === null) fds.set(num(argValue(c.ret)), ret);
      return ret;
    }
    case 'close': {
      const recorded = num(argValue(c.args[0] ?? '-1'));
      const ret = p.close(fdArg(c.args[0]));
      if (ret === 0) fds.delete(recorded);
      return ret;
    }
    case 'ftruncate':
      return p.ftruncate(fdArg(c.args[0]), num(argValue(c.args[1] ?? '0')));
    default:
      return undefined;
  }
}

function splitBits(shown: string): string {
  return shown
    .slice(1, -1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => String(Number(s) & 1))
    .join('');
}

function ensureFile(
  p: Process,
  path: string,
  size: number,
  identity?: { dev: { major: number; minor: number }; ino: number },
  directory = false,
): void {
  const fs = p.machine.files;
  try {
    fs.lookup(path);
    return;
  } catch {
    // made below
  }
  let dir = '';
  const parts = path.split('/').filter((x) => x !== '');
  for (const part of directory ? parts : parts.slice(0, -1)) {
    dir += `/${part}`;
    try {
      fs.mkdir(dir);
    } catch {
      // exists
    }
  }
  if (directory) return;
  try {
    fs.createFile(path, { size }, 0o644, identity);
  } catch {
    // A component stands in as a file (the log never opened it as a directory): the open's errno is reported.
  }
}

/** The lines only in `want` (`- line`) and only in `got` (`+ line`), in order (a longest-common-subsequence diff). */
export function diffLines(want: string, got: string): string[] {
  const a = want.split('\n').filter((l) => l !== '');
  const b = got.split('\n').filter((l) => l !== '');
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      (lcs[i] as number[])[j] =
        a[i] === b[j]
          ? ((lcs[i + 1] as number[])[j + 1] as number) + 1
          : Math.max((lcs[i + 1] as number[])[j] as number, (lcs[i] as number[])[j + 1] as number);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      i++;
      j++;
    } else if (
      j >= m ||
      (i < n && ((lcs[i + 1] as number[])[j] as number) >= ((lcs[i] as number[])[j + 1] as number))
    )
      out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  return out;
}
