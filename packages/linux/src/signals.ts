/**
 * Signal numbers, default actions and `si_code`s as Linux defines them for RISC-V (include/uapi/asm-generic/signal.h,
 * include/uapi/asm-generic/siginfo.h, kernel/signal.c `sig_kernel_*`).
 *
 * @module
 */

/** Signal numbers. */
export const SIG = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
} as const;

/** The highest signal number (`_NSIG`). */
export const NSIG = 64;

/** `si_code` values by name (the fault codes are per signal; the numbers repeat). */
export const SI_CODE: Readonly<Record<string, number>> = {
  SEGV_MAPERR: 1,
  SEGV_ACCERR: 2,
  BUS_ADRALN: 1,
  BUS_ADRERR: 2,
  ILL_ILLOPC: 1,
  TRAP_BRKPT: 1,
  SI_USER: 0,
  SI_TKILL: -6,
};

/** `sa_flags` bits (asm-generic). */
export const SA = {
  NOCLDSTOP: 0x1,
  NOCLDWAIT: 0x2,
  SIGINFO: 0x4,
  ONSTACK: 0x0800_0000,
  RESTART: 0x1000_0000,
  NODEFER: 0x4000_0000,
  RESETHAND: 0x8000_0000,
} as const;

/** The handler values `SIG_DFL` and `SIG_IGN`. */
export const SIG_DFL = 0;
export const SIG_IGN = 1;

/** What a signal does when its handler is `SIG_DFL` (kernel/signal.c: `SIG_KERNEL_IGNORE_MASK`, `..._STOP_MASK`). */
export type DefaultAction = 'terminate' | 'ignore' | 'stop' | 'continue';

/** The default action of `sig` (real-time signals 32–64 terminate). */
export function defaultAction(sig: number): DefaultAction {
  switch (sig) {
    case SIG.SIGCHLD:
    case SIG.SIGURG:
    case SIG.SIGWINCH:
      return 'ignore';
    case SIG.SIGCONT:
      return 'continue';
    case SIG.SIGSTOP:
    case SIG.SIGTSTP:
    case SIG.SIGTTIN:
    case SIG.SIGTTOU:
      return 'stop';
    default:
      return 'terminate';
  }
}

/** The bit of `sig` in a 64-bit signal set held as a bigint. */
export function sigBit(sig: number): bigint {
  return 1n << BigInt(sig - 1);
}

/** Signals that can be neither caught nor blocked. */
export const UNBLOCKABLE = sigBit(SIG.SIGKILL) | sigBit(SIG.SIGSTOP);
