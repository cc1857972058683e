/**
 * The inspector's system-call commands, made from process-vm's table of system calls (`SYSCALLS`): one command per
 * call whose arguments can be typed (every kind but a kernel-side buffer), its usage from the argument names, its
 * help from the call's summary, its tab completion and parsing from the argument kinds, its answer printed by the
 * result kind. A call added to the table is a command here without any change.
 *
 * @module
 */
import { PAGE_SIZE } from '@pagewright/core';
import {
  errnoOf,
  type Process,
  SYSCALL_LIST,
  type SyscallArg,
  type SyscallArgKind,
  type SyscallArgValue,
  type SyscallDef,
  type SyscallName,
} from '@pagewright/process-vm';
import {
  ArgError,
  COMPLETION_NAMES,
  parseAdvice,
  parseMapFlags,
  parseMlock2Flags,
  parseMlockallFlags,
  parseMremapFlags,
  parseMsyncFlags,
  parseNumber,
  parseOpenFlags,
  parseProt,
  parseU64,
  parseWhence,
} from './inspect-args.js';
import { hex } from './views.js';

/** One inspector command. */
export interface CommandDef {
  usage: string;
  help: string;
  /** What tab completion offers for argument `i` (0-based), if anything. */
  complete?: (i: number) => readonly string[];
  run(args: string[]): void;
}

/** What the system-call commands need of the inspector. */
export interface SyscallShell {
  /** The current process (throws `ArgError` when there is none). */
  proc(): Process;
  /** The last address an mmap or mremap returned (`$`). */
  last: number | null;
  write(line: string): void;
}

const COMPLETIONS: Partial<Record<SyscallArgKind, readonly string[]>> = {
  prot: COMPLETION_NAMES.prot,
  'mmap-flags': COMPLETION_NAMES.map,
  'mremap-flags': COMPLETION_NAMES.mremap,
  advice: COMPLETION_NAMES.advice,
  'msync-flags': COMPLETION_NAMES.msync,
  'mlock2-flags': COMPLETION_NAMES.mlock2,
  'mlockall-flags': COMPLETION_NAMES.mlockall,
  'open-flags': COMPLETION_NAMES.open,
  whence: COMPLETION_NAMES.whence,
};

/** Parses one typed argument of kind `a.kind`. */
function parseArg(a: SyscallArg, token: string | undefined, last: number | null): SyscallArgValue {
  const what = a.name.toUpperCase();
  switch (a.kind) {
    case 'prot':
      return parseProt(token);
    case 'mmap-flags':
      return parseMapFlags(token);
    case 'mremap-flags':
      return parseMremapFlags(token);
    case 'advice':
      return parseAdvice(token);
    case 'msync-flags':
      return parseMsyncFlags(token);
    case 'mlock2-flags':
      return parseMlock2Flags(token);
    case 'mlockall-flags':
      return parseMlockallFlags(token);
    case 'open-flags':
      return parseOpenFlags(token);
    case 'whence':
      return parseWhence(token);
    case 'path':
      if (token === undefined) throw new ArgError(`missing ${what}`);
      return token;
    case 'mode':
      if (token === undefined || !/^[0-7]+$/.test(token))
        throw new ArgError(`bad ${what} '${token}' (octal, like 644)`);
      return Number.parseInt(token, 8);
    case 'fd':
      return Number(BigInt.asIntN(32, parseU64(token, what, last)));
    case 'offset':
      return parseNumber(token, what, last);
    default:
      return parseU64(token, what, last);
  }
}

/** `mmap ADDR LEN PROT FLAGS [FD] [OFFSET]` (the `vec` of mincore is the inspector's own buffer). */
function usageOf(d: SyscallDef): string {
  const words = d.args
    .filter((a) => a.kind !== 'vector')
    .map((a) => (a.optional === undefined ? a.name.toUpperCase() : `[${a.name.toUpperCase()}]`));
  return [d.name, ...words].join(' ');
}

/** One command per system call of the table that takes no kernel-side buffer. */
export function syscallCommands(shell: SyscallShell): Record<string, CommandDef> {
  const commands: Record<string, CommandDef> = {};
  for (const d of SYSCALL_LIST) {
    if (d.args.some((a) => a.kind === 'buffer')) continue;
    const typed = d.args.filter((a) => a.kind !== 'vector');
    commands[d.name] = {
      usage: usageOf(d),
      help: d.summary + (d.result === 'address' ? '; sets $' : ''),
      complete: (i) => COMPLETIONS[(typed[i] as SyscallArg | undefined)?.kind ?? 'addr'] ?? [],
      run: (tokens) => {
        if (tokens.length > typed.length)
          throw new ArgError(`too many arguments: '${tokens.slice(typed.length).join(' ')}'`);
        const args: SyscallArgValue[] = [];
        let vec: Uint8Array | null = null;
        let t = 0;
        for (const a of d.args) {
          if (a.kind === 'vector') {
            // One byte per page of the length before it (at most 1 Mi pages: a longer range answers EFAULT).
            const len = Number(args[args.length - 1] as bigint);
            vec = new Uint8Array(Math.min(Math.ceil(len / PAGE_SIZE), 1 << 20));
            args.push(vec);
            continue;
          }
          const token = tokens[t++];
          if (token === undefined && a.optional !== undefined) break;
          args.push(parseArg(a, token, shell.last));
        }
        const ret = shell.proc().syscall(d.name as SyscallName, args);
        const errno = d.result === 'break' ? undefined : errnoOf(ret);
        if (errno) shell.write(`= -1 ${errno}`);
        else {
          if (d.result === 'address') shell.last = ret;
          shell.write(`= ${hex(ret)}`);
          if (vec !== null) shell.write(`resident ${[...vec].map((b) => b & 1).join('')}`);
        }
      },
    };
  }
  return commands;
}
