/**
 * The conformance-scenario language (`conformance/FORMAT.md`) and its runner: parses a `.scn` text and runs it on
 * a fresh simulated process, producing the JSON lines the Linux oracle (`conformance/linux-oracle.c`) prints for the
 * same scenario on the real kernel — operation numbering, `fork` … `join` child output, number parsing (C's
 * `strtoull` with base 0) and result formats included.
 *
 * @module
 */

import {
  errnoName,
  MADV_NAMES,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_GROWSDOWN,
  MAP_NORESERVE,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  MREMAP_DONTUNMAP,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  MS_ASYNC,
  MS_INVALIDATE,
  MS_SYNC,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  vmFlagsToMapsPerms,
} from '@pagewright/core';
import { O_APPEND, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from '@pagewright/files';
import { fileOf } from './file-mmap.js';
import { Machine, type MachineOptions } from './machine.js';
import type { Process } from './process.js';
import { signalOf } from './signals.js';

/** The region scenarios look at: `[BASE, BASE + SPAN)`. */
export const SCENARIO_BASE = 0x2000000000n;
/** Size of the scenario region. */
export const SCENARIO_SPAN = 0x40000000n;
/** The private directory scenario files live in (the oracle makes a fresh one on tmpfs). */
export const SCENARIO_DIR = '/scenario';

const OPEN_NAMES: Record<string, number> = {
  RDONLY: O_RDONLY,
  WRONLY: O_WRONLY,
  RDWR: O_RDWR,
  CREAT: O_CREAT,
  TRUNC: O_TRUNC,
  EXCL: O_EXCL,
  APPEND: O_APPEND,
};

function parseOpenFlags(s: string | undefined, line: number): number {
  if (s === undefined) throw new ScenarioError(line, 'missing open flags');
  if (s.startsWith('0x')) return strtoint(s);
  let f = 0;
  for (const t of s.split('|')) {
    if (t === '') continue;
    const v = OPEN_NAMES[t];
    if (v === undefined) throw new ScenarioError(line, `unknown open flag ${t}`);
    f |= v;
  }
  return f;
}

/** Options of {@link runScenario}. */
export interface ScenarioOptions {
  /**
   * The machine to build (default: x86-64 with 4-level paging — the architecture the reference answers were
   * recorded on — whose `TASK_SIZE` of 2^47 − 4096 gives huge lengths the kernel's answers; the scenario region
   * also lies inside Sv39's user half, so every architecture can run them).
   */
  machine?: MachineOptions | undefined;
  /**
   * Bytes the C library's malloc had taken from the break before the oracle read `b` (glibc's first `sbrk`, default
   * 0x21000): the heap VMA below `b` exists, as it did for the oracle.
   */
  initialHeap?: number | undefined;
  /** Run the stale-TLB detector after every flush (sets the default machine's `checkTlb`; tests switch it on). */
  checkTlb?: boolean | undefined;
  /** Called after every operation of every process (tests run the invariant checker here). */
  afterEach?: ((process: Process<Machine>, line: number) => void) | undefined;
}

/** Thrown for a scenario line the language does not allow (the oracle exits with status 2). */
export class ScenarioError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`scenario line ${line}: ${message}`);
    this.name = 'ScenarioError';
  }
}

/** C's `strtoull(s, NULL, 0)`: optional sign, `0x` hex / `0` octal / decimal prefix, saturating, mod 2^64. */
export function strtoull(s: string): bigint {
  let i = 0;
  while (i < s.length && /\s/.test(s[i] as string)) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  let base = 10n;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    base = 16n;
    i += 2;
  } else if (s[i] === '0') base = 8n;
  let v = 0n;
  let overflow = false;
  for (; i < s.length; i++) {
    const d = Number.parseInt(s[i] as string, 36);
    if (Number.isNaN(d) || BigInt(d) >= base) break;
    v = v * base + BigInt(d);
    if (v > 0xffffffffffffffffn) overflow = true;
  }
  if (overflow) return 0xffffffffffffffffn;
  return neg ? BigInt.asUintN(64, -v) : v;
}

/** C's `(int) strtol(s, NULL, 0)`. */
export function strtoint(s: string): number {
  let i = 0;
  while (i < s.length && /\s/.test(s[i] as string)) i++;
  const neg = s[i] === '-';
  const mag = strtoull(neg ? s.slice(i + 1) : s);
  let v = neg ? -mag : mag;
  const max = (1n << 63n) - 1n;
  if (v > max) v = max;
  if (v < -max - 1n) v = -max - 1n;
  return Number(BigInt.asIntN(32, v));
}

const MMAP_NAMES: Record<string, number> = {
  PRIVATE: MAP_PRIVATE,
  SHARED: MAP_SHARED,
  ANONYMOUS: MAP_ANONYMOUS,
  FIXED: MAP_FIXED,
  FIXED_NOREPLACE: MAP_FIXED_NOREPLACE,
  POPULATE: MAP_POPULATE,
  NORESERVE: MAP_NORESERVE,
  GROWSDOWN: MAP_GROWSDOWN,
  MAYMOVE: MREMAP_MAYMOVE,
  RFIXED: MREMAP_FIXED,
  DONTUNMAP: MREMAP_DONTUNMAP,
};

function parseProt(s: string | undefined, line: number): number {
  if (s === undefined) throw new ScenarioError(line, 'missing protection');
  if (s.startsWith('0x')) return strtoint(s);
  if (s === 'none' || s === '---') return 0;
  let p = 0;
  for (const c of s) p |= c === 'r' ? PROT_READ : c === 'w' ? PROT_WRITE : c === 'x' ? PROT_EXEC : 0;
  return p;
}

function parseFlags(s: string | undefined, line: number): number {
  if (s === undefined) throw new ScenarioError(line, 'missing flags');
  if (s.startsWith('0x')) return strtoint(s);
  let f = 0;
  for (const t of s.split('|')) {
    if (t === '') continue;
    if (t === '0') continue;
    const v = MMAP_NAMES[t];
    if (v === undefined) throw new ScenarioError(line, `unknown flag ${t}`);
    f |= v;
  }
  return f;
}

function parseAdvice(s: string | undefined, line: number): number {
  if (s === undefined) throw new ScenarioError(line, 'missing advice');
  const known = ['DONTNEED', 'WILLNEED', 'FREE', 'NORMAL', 'RANDOM', 'SEQUENTIAL', 'DONTFORK', 'DOFORK'];
  const more = ['WIPEONFORK', 'KEEPONFORK', 'POPULATE_READ', 'POPULATE_WRITE'];
  if (known.includes(s) || more.includes(s)) return MADV_NAMES[s] as number;
  return strtoint(s);
}

function parseMode(s: string | undefined, line: number): number {
  if (s === undefined) throw new ScenarioError(line, 'missing msync mode');
  if (s === 'SYNC') return MS_SYNC;
  if (s === 'ASYNC') return MS_ASYNC;
  if (s === 'INVALIDATE') return MS_INVALIDATE;
  return strtoint(s);
}

/** One non-empty scenario line. */
export interface ScenarioLine {
  tokens: string[];
  source: number;
}

/** Splits a scenario into its operation lines (comments and blank lines dropped; at most 8 tokens per line). */
export function parseScenario(text: string): ScenarioLine[] {
  const out: ScenarioLine[] = [];
  text.split('\n').forEach((raw, k) => {
    const noComment = raw.split('#')[0] as string;
    const tokens = noComment.split(/[ \t\r\n]+/).filter((t) => t !== '');
    if (tokens.length > 0) out.push({ tokens: tokens.slice(0, 8), source: k + 1 });
  });
  return out;
}

const ERRNO_NAMES = new Set([
  'EINVAL',
  'ENOMEM',
  'EEXIST',
  'EACCES',
  'EFAULT',
  'EPERM',
  'EAGAIN',
  'EBADF',
  'EOVERFLOW',
  'EOPNOTSUPP',
  'EBUSY',
  'ENOSYS',
  'ENOENT',
  'ENODEV',
  'EISDIR',
  'EFBIG',
  'ENOTDIR',
]);

function errText(ret: number): string {
  const name = errnoName(-ret);
  return name !== undefined && ERRNO_NAMES.has(name) ? name : 'E?';
}

/**
 * Runs a scenario on a fresh machine and returns the oracle's JSON lines (one string per line, without newlines).
 * @throws {@link ScenarioError} for a malformed scenario
 */
export function runScenario(text: string, options: ScenarioOptions = {}): string[] {
  const machine = new Machine(
    options.machine ?? {
      arch: 'x86-64',
      memoryBytes: 512 * 1024 * 1024,
      checkTlb: options.checkTlb ?? false,
    },
  );
  machine.files.mkdir(SCENARIO_DIR);
  const proc = machine.spawn();
  const heap = options.initialHeap ?? 0x21000;
  if (heap > 0) proc.brk(proc.vm.brk + heap);
  const brk0 = BigInt(proc.vm.brk);
  const lines = parseScenario(text);
  const out: string[] = [];
  const ctx = { lines, brk0, out, afterEach: options.afterEach };
  runFrom(ctx, proc, 0, 0, false, []);
  for (const p of [...machine.processes.values()]) p.exit(0);
  return out;
}

interface RunContext {
  lines: ScenarioLine[];
  brk0: bigint;
  out: string[];
  afterEach: ((process: Process<Machine>, line: number) => void) | undefined;
}

/**
 * Runs lines from position `pos` (operation number `idx` done so far) in `proc`. A child returns at its `join`
 * (or at the end). Returns the position after the last line consumed.
 */
function runFrom(
  ctx: RunContext,
  proc: Process<Machine>,
  pos: number,
  idx: number,
  isChild: boolean,
  fds: number[],
): number {
  const { lines, out } = ctx;
  while (pos < lines.length) {
    const line = lines[pos] as ScenarioLine;
    pos++;
    idx++;
    const op = line.tokens[0] as string;
    if (op === 'fork') {
      const child = proc.fork();
      if (typeof child !== 'number') {
        out.push(JSON.stringify({ i: idx, op: 'fork', who: 'child' }));
        runFrom(ctx, child, pos, idx, true, [...fds]); // the child numbers its own opens, as a real child does
        child.exit(0);
      }
      // The parent skips to the next `join`.
      while (pos < lines.length) {
        const l = lines[pos] as ScenarioLine;
        pos++;
        idx++;
        if (l.tokens[0] === 'join') break;
      }
      out.push(JSON.stringify({ i: idx, op: 'join', child_exit: typeof child === 'number' ? -1 : 0 }));
      continue;
    }
    if (op === 'join') {
      if (isChild) return pos;
      continue;
    }
    const rec: Record<string, unknown> = { i: idx, op };
    if (isChild) rec.who = 'child';
    Object.assign(rec, runOp(ctx, proc, line, fds));
    out.push(JSON.stringify(rec));
    ctx.afterEach?.(proc, line.source);
  }
  return pos;
}

function runOp(
  ctx: RunContext,
  proc: Process<Machine>,
  line: ScenarioLine,
  fds: number[],
): Record<string, unknown> {
  const t = line.tokens;
  const L = line.source;
  const num = (s: string | undefined): bigint => {
    if (s === undefined) throw new ScenarioError(L, 'missing argument');
    if (s.startsWith('+')) return BigInt.asUintN(64, SCENARIO_BASE + strtoull(s.slice(1)));
    if (s.startsWith('b+')) return BigInt.asUintN(64, ctx.brk0 + strtoull(s.slice(2)));
    return strtoull(s);
  };
  const addrRet = (r: number): string => {
    if (r < 0 && r >= -4095) return errText(r);
    const a = BigInt(r);
    return a >= SCENARIO_BASE && a < SCENARIO_BASE + SCENARIO_SPAN
      ? `+0x${(a - SCENARIO_BASE).toString(16)}`
      : 'elsewhere';
  };
  const intRet = (r: number): string => (r === 0 ? '0' : errText(r));
  const countRet = (r: number): string => (r >= 0 ? String(r) : errText(r));
  // `fdN`: the descriptor of the N-th successful `open` of this process; a number is used as it is.
  const fd = (s: string | undefined): number => {
    if (s === undefined) throw new ScenarioError(L, 'missing descriptor');
    if (s.startsWith('fd')) {
      const k = Number.parseInt(s.slice(2), 10);
      const v = fds[k - 1];
      if (v === undefined) throw new ScenarioError(L, `unknown ${s}`);
      return v;
    }
    return strtoint(s);
  };
  switch (t[0]) {
    case 'mmap':
      return {
        ret: addrRet(
          proc.mmap(
            num(t[1]),
            num(t[2]),
            parseProt(t[3], L),
            parseFlags(t[4], L),
            t[5] !== undefined ? fd(t[5]) : -1,
            t[6] !== undefined ? num(t[6]) : 0,
          ),
        ),
      };
    case 'open': {
      const r = proc.open(
        `${SCENARIO_DIR}/${t[1] ?? ''}`,
        parseOpenFlags(t[2], L),
        t[3] ? Number.parseInt(t[3], 8) : 0o644,
      );
      if (r < 0) return { ret: errText(r) };
      fds.push(r);
      return { ret: `fd${fds.length}` };
    }
    case 'close':
      return { ret: intRet(proc.close(fd(t[1]))) };
    case 'ftruncate':
      return { ret: intRet(proc.ftruncate(fd(t[1]), Number(num(t[2])))) };
    case 'fsync':
      return { ret: intRet(proc.fsync(fd(t[1]))) };
    case 'write': {
      const len = Math.min(Number(num(t[3])), 1 << 20);
      const bytes = new Uint8Array(len).fill(strtoint(t[4] ?? '0') & 0xff);
      return { ret: countRet(proc.pwrite(fd(t[1]), bytes, Number(num(t[2])))) };
    }
    case 'read': {
      const buf = new Uint8Array(Math.min(Number(num(t[3])), 256));
      const r = proc.pread(fd(t[1]), buf, Number(num(t[2])));
      if (r < 0) return { ret: errText(r) };
      let data = '';
      for (let k = 0; k < r; k++) data += (buf[k] as number).toString(16).padStart(2, '0');
      return { ret: String(r), data };
    }
    case 'munmap':
      return { ret: intRet(proc.munmap(num(t[1]), num(t[2]))) };
    case 'mprotect':
      return { ret: intRet(proc.mprotect(num(t[1]), num(t[2]), parseProt(t[3], L))) };
    case 'mremap':
      return {
        ret: addrRet(proc.mremap(num(t[1]), num(t[2]), num(t[3]), parseFlags(t[4], L), t[5] ? num(t[5]) : 0)),
      };
    case 'madvise':
      return { ret: intRet(proc.madvise(num(t[1]), num(t[2]), parseAdvice(t[3], L))) };
    case 'mlock':
      return { ret: intRet(proc.mlock(num(t[1]), num(t[2]))) };
    case 'munlock':
      return { ret: intRet(proc.munlock(num(t[1]), num(t[2]))) };
    case 'msync':
      return { ret: intRet(proc.msync(num(t[1]), num(t[2]), parseMode(t[3], L))) };
    case 'mincore': {
      const len = num(t[2]);
      const pages = (len + BigInt(PAGE_SIZE - 1)) / BigInt(PAGE_SIZE);
      const n = Number(pages < 4096n ? pages : 4096n);
      const vec = new Uint8Array(Number(pages < 1n << 32n ? pages : 0n) || n);
      const r = proc.mincore(num(t[1]), len, vec);
      if (r !== 0) return { ret: errText(r) };
      let s = '';
      for (let i = 0; i < n; i++) s += (vec[i] as number) & 1 ? '1' : '0';
      return { ret: '0', resident: s };
    }
    case 'brk': {
      const r = proc.brk(num(t[1]));
      return { ret: `b+0x${BigInt.asUintN(64, BigInt(r) - ctx.brk0).toString(16)}` };
    }
    case 'w':
    case 'fill': {
      const va = num(t[1]);
      const len = t[0] === 'w' ? 1n : num(t[2]);
      const val = strtoint((t[0] === 'w' ? t[2] : t[3]) ?? '');
      const r = proc.fill(Number(va), Number(len), val & 0xff);
      return { ret: r.ok ? 'ok' : (r.signal ?? r.code) };
    }
    case 'r': {
      const v = proc.load8(Number(num(t[1])));
      return { ret: v >= 0 ? String(v) : signalOf(v, 0).signal };
    }
    case 'check': {
      const va = Number(num(t[1]));
      const len = Number(num(t[2]));
      const val = strtoint(t[3] ?? '');
      for (let off = 0; off < len; ) {
        const chunk = Math.min(len - off, PAGE_SIZE - ((va + off) & 0xfff));
        const r = proc.read(va + off, chunk);
        if (!r.ok) return { ret: r.signal ?? r.code };
        for (let k = 0; k < chunk; k++)
          if (r.bytes[k] !== val) return { ret: `mismatch@+0x${(off + k).toString(16)}=${r.bytes[k]}` };
        off += chunk;
      }
      return { ret: 'ok' };
    }
    case 'maps': {
      const lines: string[] = [];
      for (const v of proc.vm.vmas) {
        const s = BigInt(v.start * PAGE_SIZE);
        const e = BigInt(v.end * PAGE_SIZE);
        if (e <= SCENARIO_BASE || s >= SCENARIO_BASE + SCENARIO_SPAN) continue;
        const rel = (x: bigint) => BigInt.asUintN(64, x - SCENARIO_BASE).toString(16);
        const perms = vmFlagsToMapsPerms(v.flags);
        // A mapping of a scenario file also shows its offset and its name in the scenario's directory.
        const name = v.backing.kind === 'file' ? fileOf(v).displayPath : '';
        const file = name.startsWith(`${SCENARIO_DIR}/`)
          ? ` ${(v.pgoff * PAGE_SIZE).toString(16).padStart(8, '0')} ${name.slice(SCENARIO_DIR.length + 1)}`
          : '';
        lines.push(`+0x${rel(s)}-+0x${rel(e)} ${perms}${file}`);
      }
      return { maps: lines };
    }
    default:
      throw new ScenarioError(L, `unknown op ${t[0]}`);
  }
}
