/**
 * The one interpreter of the conformance-scenario language (`conformance/FORMAT.md`, parsed by
 * `scenario-language.ts`): it runs the lines of a scenario on any {@link ScenarioTarget} — a simulated process
 * here, the reference model in the differential tests — and produces the records the Linux oracle
 * (`conformance/linux-oracle.c`) prints for the same scenario on the real kernel: operation numbering, `fork` …
 * `join` child output, and result formats included. System calls are looked up in the table of `syscalls.ts`: their
 * arguments are parsed by kind and their results printed by kind.
 *
 * {@link ScenarioRun} steps one line at a time (the visualizer steps scenarios with it); {@link runScenario} runs a
 * whole text on a fresh machine.
 *
 * @module
 */

import { errnoName, PAGE_SIZE } from '@pagewright/core';
import { Machine, type MachineOptions } from './machine.js';
import type { Process } from './process.js';
import {
  errText,
  parseAdvice,
  parseFlags,
  parseMode,
  parseOpenFlags,
  parseProt,
  parseScenario,
  SCENARIO_BASE,
  SCENARIO_DIR,
  SCENARIO_SPAN,
  ScenarioError,
  type ScenarioLine,
  strtoint,
  strtoull,
} from './scenario-language.js';
import { type ProcessTarget, processTarget, type ScenarioTarget } from './scenario-target.js';
import { SYSCALLS, type SyscallArgKind, type SyscallArgValue, type SyscallName } from './syscalls.js';

/** The system calls the language names directly (`mmap ADDR LEN PROT FLAGS [FD OFF]` …), arguments in their order. */
const SCENARIO_SYSCALLS: ReadonlySet<string> = new Set<SyscallName>([
  'mmap',
  'munmap',
  'mprotect',
  'mremap',
  'madvise',
  'mlock',
  'munlock',
  'msync',
  'mseal',
  'brk',
  'close',
  'fsync',
  'ftruncate',
]);

/** One printed record: `i` (the operation's number), `op`, `who` in a child, and the operation's fields. */
export type ScenarioRecord = { i: number; op: string; who?: 'child' } & Record<string, unknown>;

/** What one operation line needs besides its target. */
export interface OperationContext {
  /** The break when the scenario began (the base of `b+OFF`). */
  readonly brk0: bigint;
  /** The descriptors of this process's successful `open`s, in order (`fdN` is the N-th); `open` appends. */
  readonly fds: number[];
  /**
   * How to print addresses and errnos: as the oracle does (region-relative `+0x…` or `elsewhere`, the oracle's errno
   * names), or `exact` (the address in hex, every errno by name: the differential tests compare two systems).
   */
  readonly format?: 'oracle' | 'exact' | undefined;
  /** This operation's number (`i`) and the addresses earlier operations returned, by number (the `@N` tokens). */
  readonly index?: number | undefined;
  readonly addresses?: Map<number, bigint> | undefined;
}

/**
 * Runs one operation line (not `fork` / `join`) on `t` and returns the fields the oracle prints besides `i`, `op`
 * and `who`.
 * @throws {@link ScenarioError} for a line the language does not allow
 */
export function runOperation(
  t: ScenarioTarget,
  line: ScenarioLine,
  ctx: OperationContext,
): Record<string, unknown> {
  const tok = line.tokens;
  const L = line.source;
  const exact = ctx.format === 'exact';
  const num = (s: string | undefined): bigint => {
    if (s === undefined) throw new ScenarioError(L, 'missing argument');
    if (s.startsWith('+')) return BigInt.asUintN(64, SCENARIO_BASE + strtoull(s.slice(1)));
    if (s.startsWith('b+')) return BigInt.asUintN(64, ctx.brk0 + strtoull(s.slice(2)));
    if (s.startsWith('@')) {
      // `@N`: the address operation N returned (an mmap or mremap that went `elsewhere`, say).
      const a = ctx.addresses?.get(Number.parseInt(s.slice(1), 10));
      if (a === undefined) throw new ScenarioError(L, `${s} returned no address`);
      return a;
    }
    return strtoull(s);
  };
  const err = (r: number): string => (exact ? (errnoName(-r) ?? 'E?') : errText(r));
  // `fdN`: the descriptor of the N-th successful `open` of this process; a number is used as it is.
  const fd = (s: string | undefined): number => {
    if (s === undefined) throw new ScenarioError(L, 'missing descriptor');
    if (s.startsWith('fd')) {
      const v = ctx.fds[Number.parseInt(s.slice(2), 10) - 1];
      if (v === undefined) throw new ScenarioError(L, `unknown ${s}`);
      return v;
    }
    return strtoint(s);
  };
  const argOf = (kind: SyscallArgKind, s: string | undefined): SyscallArgValue => {
    switch (kind) {
      case 'prot':
        return parseProt(s, L);
      case 'mmap-flags':
      case 'mremap-flags':
        return parseFlags(s, L);
      case 'advice':
        return parseAdvice(s, L);
      case 'msync-flags':
        return parseMode(s, L);
      case 'fd':
        return fd(s);
      default:
        return num(s);
    }
  };
  const op = tok[0] as string;
  if (SCENARIO_SYSCALLS.has(op)) {
    const d = SYSCALLS[op as SyscallName];
    const args: SyscallArgValue[] = [];
    d.args.forEach((a, k) => {
      const s = tok[k + 1];
      if (s !== undefined || a.optional === undefined) args.push(argOf(a.kind, s));
    });
    const r = t.syscall(op as SyscallName, args);
    switch (d.result) {
      case 'address': {
        if (r < 0 && r >= -4095) return { ret: err(r) };
        const a = BigInt(r);
        if (ctx.index !== undefined) ctx.addresses?.set(ctx.index, a);
        if (exact) return { ret: `0x${a.toString(16)}` };
        return {
          ret:
            a >= SCENARIO_BASE && a < SCENARIO_BASE + SCENARIO_SPAN
              ? `+0x${(a - SCENARIO_BASE).toString(16)}`
              : 'elsewhere',
        };
      }
      case 'break':
        return { ret: `b+0x${BigInt.asUintN(64, BigInt(r) - ctx.brk0).toString(16)}` };
      case 'count':
        return { ret: r >= 0 ? String(r) : err(r) };
      default:
        return { ret: r === 0 ? '0' : err(r) };
    }
  }
  switch (op) {
    case 'open': {
      const flags = parseOpenFlags(tok[2], L);
      const r = t.syscall('open', [
        `${SCENARIO_DIR}/${tok[1] ?? ''}`,
        flags,
        tok[3] ? Number.parseInt(tok[3], 8) : 0o644,
      ]);
      if (r < 0) return { ret: err(r) };
      ctx.fds.push(r);
      return { ret: `fd${ctx.fds.length}` };
    }
    case 'write': {
      const len = Math.min(Number(num(tok[3])), 1 << 20);
      const bytes = new Uint8Array(len).fill(strtoint(tok[4] ?? '0') & 0xff);
      const r = t.syscall('pwrite64', [fd(tok[1]), bytes, Number(num(tok[2]))]);
      return { ret: r >= 0 ? String(r) : err(r) };
    }
    case 'read': {
      const buf = new Uint8Array(Math.min(Number(num(tok[3])), 256));
      const r = t.syscall('pread64', [fd(tok[1]), buf, Number(num(tok[2]))]);
      if (r < 0) return { ret: err(r) };
      let data = '';
      for (let k = 0; k < r; k++) data += (buf[k] as number).toString(16).padStart(2, '0');
      return { ret: String(r), data };
    }
    case 'mincore': {
      const len = num(tok[2]);
      const pages = (len + BigInt(PAGE_SIZE - 1)) / BigInt(PAGE_SIZE);
      const n = Number(pages < 4096n ? pages : 4096n);
      const vec = new Uint8Array(Number(pages < 1n << 32n ? pages : 0n) || n);
      const r = t.syscall('mincore', [num(tok[1]), len, vec]);
      if (r !== 0) return { ret: err(r) };
      let s = '';
      for (let k = 0; k < n; k++) s += (vec[k] as number) & 1 ? '1' : '0';
      return { ret: '0', resident: s };
    }
    case 'w':
    case 'fill': {
      const va = Number(num(tok[1]));
      const len = op === 'w' ? 1 : Number(num(tok[2]));
      const val = strtoint((op === 'w' ? tok[2] : tok[3]) ?? '');
      return { ret: t.fill(va, len, val & 0xff) };
    }
    case 'r': {
      const v = t.load8(Number(num(tok[1])));
      return { ret: String(v) };
    }
    case 'check':
      return { ret: check(t, Number(num(tok[1])), Number(num(tok[2])), strtoint(tok[3] ?? '')) };
    case 'maps':
      return { maps: regionMaps(t) };
    case 'align': // `align ADDR MOD`: ADDR modulo MOD (where placement put an `elsewhere` mapping)
      return { ret: `0x${(num(tok[1]) % (num(tok[2]) || 1n)).toString(16)}` };
    case 'dist': {
      // `dist A B`: A − B, signed (how far apart two `elsewhere` mappings were placed)
      const d = BigInt.asIntN(64, num(tok[1]) - num(tok[2]));
      return { ret: d < 0n ? `-0x${(-d).toString(16)}` : `0x${d.toString(16)}` };
    }
    default:
      throw new ScenarioError(L, `unknown op ${op}`);
  }
}

/** `check ADDR LEN VAL`: `ok`, `mismatch@+0xOFF=VALUE` or the signal. */
function check(t: ScenarioTarget, va: number, len: number, val: number): string {
  for (let off = 0; off < len; ) {
    const chunk = Math.min(len - off, PAGE_SIZE - ((va + off) & 0xfff));
    let bytes: Uint8Array;
    const r = t.read?.(va + off, chunk);
    if (r === undefined) {
      bytes = new Uint8Array(chunk);
      for (let k = 0; k < chunk; k++) {
        const v = t.load8(va + off + k);
        if (typeof v === 'string') return v;
        bytes[k] = v;
      }
    } else if (typeof r === 'string') return r;
    else bytes = r;
    for (let k = 0; k < chunk; k++)
      if (bytes[k] !== val) return `mismatch@+0x${(off + k).toString(16)}=${bytes[k]}`;
    off += chunk;
  }
  return 'ok';
}

/** The `maps` lines that touch the region, as the oracle prints them (a scenario file adds its offset and name). */
function regionMaps(t: ScenarioTarget): string[] {
  const lines: string[] = [];
  for (const m of t.maps()) {
    const s = BigInt(m.start);
    const e = BigInt(m.end);
    if (e <= SCENARIO_BASE || s >= SCENARIO_BASE + SCENARIO_SPAN) continue;
    const rel = (x: bigint) => BigInt.asUintN(64, x - SCENARIO_BASE).toString(16);
    const name = m.name ?? '';
    const file = name.startsWith(`${SCENARIO_DIR}/`)
      ? ` ${(m.offset ?? 0).toString(16).padStart(8, '0')} ${name.slice(SCENARIO_DIR.length + 1)}`
      : '';
    lines.push(`+0x${rel(s)}-+0x${rel(e)} ${m.perms}${file}`);
  }
  return lines;
}

/** A process of a running scenario: its target, its `fdN` numbering and, for a child, where its parent goes on. */
interface Frame<T> {
  target: T;
  fds: number[];
  /** For a child: the line the parent resumes at (after the first `join` after the `fork`) and that join's `i`. */
  child: { resumeAt: number; joinI: number } | null;
}

/** Options of {@link ScenarioRun}. */
export interface ScenarioRunOptions<T> {
  /** How to print addresses and errnos (see {@link OperationContext.format}). */
  format?: 'oracle' | 'exact' | undefined;
  /** Called after every operation of every process. */
  afterEach?: ((target: T, line: number) => void) | undefined;
}

/**
 * A scenario being run, one line per {@link ScenarioRun.step}. `fork` runs the following lines in the child up to
 * the first `join`; the child then exits and the parent goes on after the first `join` that follows the `fork` (as
 * the oracle does); a failed `fork` skips to it at once (`child_exit` -1).
 */
export class ScenarioRun<T extends ScenarioTarget> {
  /** The break when the scenario began (the base of `b+OFF`). */
  readonly brk0: bigint;
  /** The addresses operations returned, by operation number (`@N`). */
  private readonly addresses: Map<number, bigint>;
  private pos = 0;
  private readonly frames: Frame<T>[];

  constructor(
    readonly lines: readonly ScenarioLine[],
    root: T,
    private readonly options: ScenarioRunOptions<T> = {},
  ) {
    this.brk0 = BigInt(root.syscall('brk', [0]));
    this.addresses = new Map();
    this.frames = [{ target: root, fds: [], child: null }];
  }

  /** Lines consumed so far. */
  get position(): number {
    return this.pos;
  }

  /** True when every line ran and every child has exited. */
  get done(): boolean {
    return this.pos >= this.lines.length && this.frames.length === 1;
  }

  /** The process that runs the next line (the root once the scenario is done). */
  get current(): T {
    return (this.frames[this.frames.length - 1] as Frame<T>).target;
  }

  /**
   * Runs the next line and returns what it printed (none for a parent's `join`, a `fork` record for a fork).
   * @throws {@link ScenarioError} for a malformed line
   */
  step(): ScenarioRecord[] {
    const out: ScenarioRecord[] = [];
    const top = this.frames[this.frames.length - 1] as Frame<T>;
    if (this.pos >= this.lines.length) {
      if (top.child !== null) this.endChild(out);
      return out;
    }
    const line = this.lines[this.pos] as ScenarioLine;
    this.pos++;
    const i = this.pos;
    const op = line.tokens[0] as string;
    if (op === 'fork') {
      let j = this.pos;
      while (j < this.lines.length && (this.lines[j] as ScenarioLine).tokens[0] !== 'join') j++;
      const resume = j < this.lines.length ? { resumeAt: j + 1, joinI: j + 1 } : { resumeAt: j, joinI: j };
      const child = top.target.fork();
      if (typeof child === 'number') {
        out.push({ i: resume.joinI, op: 'join', child_exit: -1 });
        this.pos = resume.resumeAt;
        return out;
      }
      out.push({ i, op: 'fork', who: 'child' });
      // The child numbers its own opens after its parent's, as a real child does.
      this.frames.push({ target: child as T, fds: [...top.fds], child: resume });
      return out;
    }
    if (op === 'join') {
      if (top.child !== null) this.endChild(out);
      return out;
    }
    const rec: ScenarioRecord = { i, op };
    if (top.child !== null) rec.who = 'child';
    Object.assign(
      rec,
      runOperation(top.target, line, {
        brk0: this.brk0,
        fds: top.fds,
        format: this.options.format,
        index: i,
        addresses: this.addresses,
      }),
    );
    out.push(rec);
    this.options.afterEach?.(top.target, line.source);
    return out;
  }

  /** Runs every remaining line; returns what they printed. */
  run(): ScenarioRecord[] {
    const out: ScenarioRecord[] = [];
    while (!this.done) out.push(...this.step());
    return out;
  }

  private endChild(out: ScenarioRecord[]): void {
    const f = this.frames.pop() as Frame<T>;
    const resume = f.child as NonNullable<Frame<T>['child']>;
    f.target.exit();
    out.push({ i: resume.joinI, op: 'join', child_exit: 0 });
    this.pos = resume.resumeAt;
  }
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

/**
 * A scenario ready to run on a fresh machine (see {@link runScenario} for the machine and its first process), as a
 * {@link ScenarioRun} over the process: step it, or run it whole.
 * @throws {@link ScenarioError} later, from `step`, for a malformed line
 */
export function startScenario(
  text: string,
  options: ScenarioOptions = {},
): ScenarioRun<ProcessTarget<Machine>> {
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
  const afterEach = options.afterEach;
  return new ScenarioRun(parseScenario(text), processTarget(proc), {
    afterEach: afterEach === undefined ? undefined : (t, line) => afterEach(t.process, line),
  });
}

/**
 * Runs a scenario on a fresh machine and returns the oracle's JSON lines (one string per line, without newlines).
 * @throws {@link ScenarioError} for a malformed scenario
 */
export function runScenario(text: string, options: ScenarioOptions = {}): string[] {
  const run = startScenario(text, options);
  const out = run.run().map((r) => JSON.stringify(r));
  const machine = run.current.process.machine;
  for (const p of [...machine.processes.values()]) p.exit(0);
  return out;
}
