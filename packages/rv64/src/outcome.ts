/**
 * Why {@link Rv64Hart.run} stopped: an `ecall` for the system-call layer, a signal, or the instruction limit.
 *
 * @module
 */

/** The signals a user-mode hart raises by itself. */
export type Rv64Signal = 'SIGSEGV' | 'SIGBUS' | 'SIGILL' | 'SIGTRAP' | 'SIGKILL';

/** Linux's `si_code` of each signal. `OOM` is the OOM killer's SIGKILL (no `siginfo`). */
export type Rv64SignalCode =
  | 'SEGV_MAPERR'
  | 'SEGV_ACCERR'
  | 'BUS_ADRERR'
  | 'BUS_ADRALN'
  | 'ILL_ILLOPC'
  | 'TRAP_BRKPT'
  | 'OOM';

/**
 * `ecall`: the program asks for a system call. `pc` already points past the `ecall` (as the kernel's `sepc += 4`),
 * so the caller serves the call, writes the result to `a0` and calls `run` again.
 */
export interface EcallStop {
  /** Discriminant. */
  readonly reason: 'ecall';
  /** Instructions retired by this `run` (the `ecall` included). */
  readonly instructions: number;
  /** The address of the `ecall` instruction. */
  readonly pc: number;
  /** The system-call number (`a7`, its low 32 bits as a signed number: Linux numbers are small). */
  readonly number: number;
  /** `a0`–`a5`, each as an unsigned 64-bit value. */
  readonly args: readonly [bigint, bigint, bigint, bigint, bigint, bigint];
}

/** A signal: the instruction at `pc` did not complete (the `pc` still points at it, as `sepc`). */
export interface SignalStop {
  /** Discriminant. */
  readonly reason: 'signal';
  /** Instructions retired by this `run` before the one that raised the signal. */
  readonly instructions: number;
  /** The instruction that raised it. */
  readonly pc: number;
  /** The signal. */
  readonly signal: Rv64Signal;
  /** Its `si_code`. */
  readonly code: Rv64SignalCode;
  /**
   * `si_addr`: the faulting data or instruction address for SIGSEGV/SIGBUS, the instruction's address for SIGILL
   * and SIGTRAP. Addresses with bit 63 set are negative numbers (the register's signed value).
   */
  readonly addr: number;
}

/** The instruction limit was reached; `pc` is the next instruction. */
export interface LimitStop {
  /** Discriminant. */
  readonly reason: 'limit';
  /** Instructions retired by this `run` (the limit). */
  readonly instructions: number;
  /** The next instruction. */
  readonly pc: number;
}

/** Why `run` returned. */
export type RunOutcome = EcallStop | SignalStop | LimitStop;
