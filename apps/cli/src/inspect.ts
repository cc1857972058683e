/**
 * `pagewright inspect`: an interactive shell over one machine. Run system calls and memory accesses by hand against
 * one or more processes (spawn, fork, switch), and look at maps, page tables, TLBs and frames.
 *
 * On a terminal it is a readline shell with history (↑/↓) and tab completion; otherwise it reads commands line by
 * line from stdin (for scripts and tests) and exits with 1 if any line was not understood.
 *
 * @module
 */
import { createInterface } from 'node:readline';
import { PAGE_SIZE, pteFlagsToString } from '@pagewright/core';
import { errnoOf, Machine, machineViolations, type Process, signalOf } from '@pagewright/process-vm';
import { ArgError, parseNumber } from './inspect-args.js';
import { type CommandDef, type SyscallShell, syscallCommands } from './inspect-syscalls.js';
import type { CliIo } from './io.js';
import { LineReader } from './line-reader.js';
import { machineOptions } from './machine-options.js';
import type { PlugInOptions } from './options.js';
import type { SubcommandSpec } from './program.js';
import { didYouMean } from './suggest.js';
import { formatPteRow, hex, presentRows, pteRows } from './views.js';
import { walkLines } from './walk-view.js';

/** Most rows a view prints before it says how many it left out. */
const MAX_ROWS = 64;

/**
 * The inspector's state and commands: one machine, its processes, the current one. `exec(line)` runs one command
 * line and writes its output through `write`; it never throws (bad input prints `error: …`).
 */
export class Inspector {
  /** The machine. */
  readonly machine: Machine;
  /** The process commands act on (null once every process has exited). */
  current: Process | null;
  /** The last address an mmap or mremap returned (`$` in arguments). */
  last: number | null = null;
  /** Lines that were not understood so far. */
  errors = 0;
  /** False after `quit`. */
  running = true;
  private readonly commands: Record<string, CommandDef>;

  /**
   * Boots a machine with `plugIns` and spawns process 1. Output lines go to `write`; a line that is not understood
   * goes to `writeError` (default: `write`, as `error: …`), with its line number when {@link Inspector.exec} got one.
   */
  constructor(
    plugIns: PlugInOptions,
    private readonly write: (line: string) => void,
    private readonly writeError: (message: string, lineNumber: number | undefined) => void = (m) =>
      write(`error: ${m}`),
  ) {
    this.machine = new Machine(machineOptions(plugIns));
    this.current = this.machine.spawn();
    this.commands = this.defineCommands();
  }

  /** The command names, sorted. */
  get commandNames(): string[] {
    return Object.keys(this.commands).sort();
  }

  /**
   * Runs one command line (`lineNumber`: its place in a script, for error reports). Blank lines and `#` comments do
   * nothing.
   */
  exec(line: string, lineNumber?: number): void {
    const words = line.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return;
    const [name, ...args] = words as [string, ...string[]];
    const cmd = Object.hasOwn(this.commands, name) ? this.commands[name] : undefined;
    try {
      if (!cmd) {
        const hint = didYouMean(name, this.commandNames);
        throw new ArgError(`unknown command '${name}'${hint === '' ? ' (type help)' : hint}`);
      }
      cmd.run(args);
    } catch (e) {
      if (!(e instanceof ArgError)) throw e;
      this.errors++;
      this.writeError(e.message, lineNumber);
    }
  }

  /** Tab completion for readline: candidates for the word under the cursor, and that word. */
  complete(line: string): [string[], string] {
    const words = line.split(/\s+/);
    const word = words[words.length - 1] ?? '';
    let pool: readonly string[];
    if (words.length <= 1) pool = this.commandNames;
    else {
      const cmd = this.commands[words[0]!];
      pool = cmd?.complete?.(words.length - 2) ?? [];
    }
    // Flag sets complete after the last `|`.
    const bar = word.lastIndexOf('|');
    const head = word.slice(0, bar + 1);
    const tail = word.slice(bar + 1).toUpperCase();
    const hits = pool.filter((c) => c.toUpperCase().startsWith(tail)).map((c) => head + c);
    return [hits, word];
  }

  private proc(): Process {
    if (this.current === null) throw new ArgError('no process: spawn one');
    return this.current;
  }

  private accessResult(ret: number, va: number, ok: string): void {
    if (ret >= 0) this.write(ok);
    else {
      const s = signalOf(ret, va);
      this.write(`${s.signal} (${s.code}) at ${hex(s.addr)}`);
    }
  }

  private defineCommands(): Record<string, CommandDef> {
    const num = (t: string | undefined, what: string) => parseNumber(t, what, this.last);
    const self = this;
    const shell: SyscallShell = {
      proc: () => this.proc(),
      get last() {
        return self.last;
      },
      set last(v) {
        self.last = v;
      },
      write: (line) => this.write(line),
    };
    const pids = () => [...this.machine.processes.keys()].map(String);
    const noMore = (args: string[], max: number) => {
      if (args.length > max) throw new ArgError(`too many arguments: '${args.slice(max).join(' ')}'`);
    };
    return {
      help: {
        usage: 'help [COMMAND]',
        help: 'list the commands, or explain one',
        complete: () => this.commandNames,
        run: (args) => {
          const one = args[0] === undefined ? undefined : this.commands[args[0]];
          if (args[0] !== undefined && !one) throw new ArgError(`no command '${args[0]}'`);
          const list = one ? [one] : this.commandNames.map((n) => this.commands[n]!);
          for (const c of list) this.write(`  ${c.usage.padEnd(44)} ${c.help}`);
          if (!one)
            this.write(
              '  numbers: 0x… or decimal; $ is the last address mmap/mremap returned ($+0x1000 too); ' +
                'PROT: rw- or READ|WRITE; FLAGS: PRIVATE|ANONYMOUS|FIXED …',
            );
        },
      },
      // ---- processes -------------------------------------------------------------------------------------------
      spawn: {
        usage: 'spawn [ARGV…]',
        help: 'start a new process (default image) and switch to it',
        run: (args) => {
          const image = this.machine.defaultImage();
          const p = this.machine.spawn(args.length > 0 ? { ...image, argv: args } : image);
          this.current = p;
          this.write(`pid ${p.pid}`);
        },
      },
      fork: {
        usage: 'fork',
        help: 'fork the current process (copy-on-write); stays on the parent',
        run: (args) => {
          noMore(args, 0);
          const c = this.proc().fork();
          if (typeof c === 'number') this.write(`= -1 ${errnoOf(c)}`);
          else this.write(`child pid ${c.pid}`);
        },
      },
      switch: {
        usage: 'switch PID',
        help: 'make another process the current one',
        complete: pids,
        run: (args) => {
          noMore(args, 1);
          const pid = num(args[0], 'pid');
          const p = this.machine.processes.get(pid);
          if (!p) throw new ArgError(`no process ${pid}`);
          this.current = p;
          this.write(`pid ${pid}`);
        },
      },
      ps: {
        usage: 'ps',
        help: 'list the processes (* marks the current one)',
        run: (args) => {
          noMore(args, 0);
          for (const p of this.machine.processes.values()) {
            const mark = p === this.current ? '*' : ' ';
            const parent = p.parent ? ` parent ${p.parent.pid}` : '';
            this.write(
              `${mark} pid ${p.pid}${parent}  hart ${p.hartId}  ${p.vm.residentPages()} pages resident`,
            );
          }
        },
      },
      exit: {
        usage: 'exit [CODE]',
        help: 'the current process exits (every frame it held goes back)',
        run: (args) => {
          noMore(args, 1);
          const p = this.proc();
          const before = this.machine.framesInUse();
          p.exit(args[0] === undefined ? 0 : num(args[0], 'exit code'));
          this.write(`pid ${p.pid} exited; ${before - this.machine.framesInUse()} frames returned`);
          this.current = this.machine.processes.values().next().value ?? null;
          if (this.current) this.write(`now on pid ${this.current.pid}`);
        },
      },
      hart: {
        usage: 'hart N',
        help: 'run the current process on hart N',
        run: (args) => {
          noMore(args, 1);
          const n = num(args[0], 'hart');
          if (n >= this.machine.harts.length)
            throw new ArgError(`no hart ${n} (0..${this.machine.harts.length - 1})`);
          this.proc().hartId = n;
          this.write(`pid ${this.proc().pid} on hart ${n}`);
        },
      },
      // ---- system calls: one command per entry of process-vm's table ------------------------------------
      ...syscallCommands(shell),
      // ---- memory accesses -------------------------------------------------------------------------------------
      r: {
        usage: 'r ADDR [LEN]',
        help: 'load LEN bytes (default 1) through the MMU; faults are handled',
        run: (a) => {
          noMore(a, 2);
          const va = num(a[0], 'ADDR');
          const len = a[1] === undefined ? 1 : num(a[1], 'LEN');
          if (len < 1 || len > 4096) throw new ArgError('LEN must be 1..4096');
          const r = this.proc().read(va, len);
          if (!r.ok) this.write(`${r.signal} (${r.code}) at ${hex(r.addr)}`);
          else
            for (let o = 0; o < len; o += 16)
              this.write(
                `${hex(va + o)}: ${[...r.bytes.subarray(o, o + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`,
              );
        },
      },
      w: {
        usage: 'w ADDR VAL [LEN]',
        help: 'store LEN bytes (default 1) of VAL through the MMU',
        run: (a) => {
          noMore(a, 3);
          const va = num(a[0], 'ADDR');
          const val = num(a[1], 'VAL');
          if (val > 0xff) throw new ArgError('VAL is one byte (0..255)');
          const len = a[2] === undefined ? 1 : num(a[2], 'LEN');
          const r = this.proc().fill(va, len, val);
          this.write(r.ok ? 'ok' : `${r.signal} (${r.code}) at ${hex(r.addr)}`);
        },
      },
      fetch: {
        usage: 'fetch ADDR',
        help: 'fetch a 32-bit instruction word (needs an executable page)',
        run: (a) => {
          noMore(a, 1);
          const va = num(a[0], 'ADDR');
          const r = this.proc().fetch(va);
          this.accessResult(r, va, `${hex(r)}`);
        },
      },
      // ---- views -----------------------------------------------------------------------------------------------
      maps: {
        usage: 'maps',
        help: '/proc/PID/maps of the current process',
        run: (a) => {
          noMore(a, 0);
          for (const l of this.proc().maps().split('\n')) if (l) this.write(l);
        },
      },
      smaps: {
        usage: 'smaps',
        help: '/proc/PID/smaps',
        run: (a) => {
          noMore(a, 0);
          for (const l of this.proc().smaps().split('\n')) if (l) this.write(l);
        },
      },
      status: {
        usage: 'status',
        help: '/proc/PID/status (memory lines)',
        run: (a) => {
          noMore(a, 0);
          for (const l of this.proc().status().split('\n')) if (l) this.write(l);
        },
      },
      pt: {
        usage: 'pt [ADDR [PAGES]]',
        help: 'page-table leaves: every present one, or PAGES pages from ADDR',
        run: (a) => {
          noMore(a, 2);
          const p = this.proc();
          const rows =
            a[0] === undefined
              ? presentRows(p, 0, p.vm.limits.taskSize)
              : pteRows(p, num(a[0], 'ADDR'), a[1] === undefined ? 1 : num(a[1], 'PAGES'));
          for (const row of rows.slice(0, MAX_ROWS)) this.write(formatPteRow(this.machine, row));
          if (rows.length > MAX_ROWS)
            this.write(`… ${rows.length - MAX_ROWS} more (pt ADDR PAGES to narrow)`);
          this.write(`${p.vm.pageTable.tableFrames} page-table frames, root ${hex(p.vm.pageTable.root)}`);
        },
      },
      walk: {
        usage: 'walk ADDR [load|store|fetch]',
        help: 'what the hart would do for an access (default load): the TLB’s answer, each page-walk level, the PA or fault; changes nothing',
        complete: (i) => (i === 1 ? ['load', 'store', 'fetch'] : []),
        run: (a) => {
          noMore(a, 2);
          const va = num(a[0], 'ADDR');
          const kind = a[1] ?? 'load';
          const access = ['load', 'store', 'fetch'].indexOf(kind);
          if (access < 0) throw new ArgError(`access must be load, store or fetch, not '${kind}'`);
          for (const l of walkLines(this.machine, this.proc(), va, access)) this.write(l);
        },
      },
      tlb: {
        usage: 'tlb [HART]',
        help: 'a hart’s TLB: counters and valid entries (default: the current process’s hart)',
        run: (a) => {
          noMore(a, 1);
          const id = a[0] === undefined ? (this.current?.hartId ?? 0) : num(a[0], 'hart');
          const hart = this.machine.harts[id];
          if (!hart) throw new ArgError(`no hart ${id}`);
          const s = hart.tlb.stats;
          this.write(
            `hart ${id}: ${hart.tlb.capacity} entries; hits ${s.hits} misses ${s.misses} evictions ${s.evictions} ` +
              `flushes all ${s.flushAll} asid ${s.flushAsid} va ${s.flushVa} va+asid ${s.flushVaAsid}`,
          );
          const rows: string[] = [];
          hart.tlb.forEach((e) => {
            rows.push(
              `  ${hex(e.vpn * PAGE_SIZE).padStart(12)} asid ${e.global ? 'G' : e.asid} → frame ${hex(e.ppn)} ` +
                `${pteFlagsToString(e.flags)}${e.level > 0 ? ` level ${e.level}` : ''}`,
            );
          });
          for (const r of rows.slice(0, MAX_ROWS)) this.write(r);
          if (rows.length > MAX_ROWS) this.write(`  … ${rows.length - MAX_ROWS} more`);
        },
      },
      frames: {
        usage: 'frames',
        help: 'physical frames: in use, free, allocator',
        run: (a) => {
          noMore(a, 0);
          const al = this.machine.allocator;
          this.write(
            `${this.machine.framesInUse()} in use, ${al.freeFrames} free of ${al.totalFrames} ` +
              `(${al.name} allocator, zero page ${hex(this.machine.zeroPfn)})`,
          );
        },
      },
      check: {
        usage: 'check',
        help: 'run the machine’s invariant checker',
        run: (a) => {
          noMore(a, 0);
          const v = machineViolations(this.machine);
          if (v.length === 0) this.write('invariants hold');
          else for (const l of v) this.write(`violation: ${l}`);
        },
      },
      quit: {
        usage: 'quit',
        help: 'leave the inspector (end of input does too)',
        run: () => {
          this.running = false;
        },
      },
    };
  }
}

/** Runs the inspector on `io` until `quit` or the end of input; resolves to the exit code. */
export async function runInspect(io: CliIo, plugIns: PlugInOptions, echo: boolean): Promise<number> {
  const write = (line: string) => io.stdout.write(`${line}\n`);
  const interactive = io.stdin.isTTY === true && io.stdout.isTTY === true;
  // On a terminal an error is part of the conversation; in a script it is a diagnostic: stderr, with the line.
  const ins = interactive
    ? new Inspector(plugIns, write)
    : new Inspector(plugIns, write, (message, lineNumber) =>
        io.stderr.write(`pagewright inspect: line ${lineNumber ?? '?'}: ${message}\n`),
      );
  const o = ins.machine.options;
  if (interactive) {
    write(
      `pagewright inspect — ${o.arch}, ${o.harts} harts, TLB ${o.tlb}, ${o.allocator} allocator; ` +
        `process ${ins.current?.pid} is running. Type help.`,
    );
    const rl = createInterface({
      input: io.stdin,
      output: io.stdout as NodeJS.WritableStream,
      terminal: true,
      historySize: 1000,
      completer: (line: string) => ins.complete(line),
      prompt: `pid ${ins.current?.pid ?? '-'}> `,
    });
    rl.prompt();
    for await (const line of rl) {
      ins.exec(line);
      if (!ins.running) break;
      rl.setPrompt(`pid ${ins.current?.pid ?? '-'}> `);
      rl.prompt();
    }
    rl.close();
    return 0;
  }
  const reader = new LineReader(io.stdin);
  let lineNumber = 0;
  for (let line = await reader.next(); line !== null; line = await reader.next()) {
    lineNumber++;
    if (echo) write(`pid ${ins.current?.pid ?? '-'}> ${line}`);
    ins.exec(line, lineNumber);
    if (!ins.running) break;
  }
  reader.close();
  return ins.errors > 0 ? 1 : 0;
}

/** The `inspect` subcommand. */
export const inspectCommand: SubcommandSpec = {
  description: 'an interactive shell: system calls, memory accesses, maps, page tables, TLBs, frames',
  declare(cmd) {
    cmd.option('--echo', 'when reading a script, print each command before its output');
  },
  run(ctx, _args, opts) {
    return runInspect(ctx.io, ctx.plugIns, opts.echo === true);
  },
};
