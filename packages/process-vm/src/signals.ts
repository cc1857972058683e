/**
 * What a memory access can end in, as the process sees it: success, or a signal with Linux's `si_code`.
 *
 * Hot accessors return a number: the value (≥ 0) or one of the negative sentinels below; the details of the last
 * signal are in {@link AccessFault}. Cold accessors return an {@link AccessOutcome} union.
 *
 * @module
 */

/** Hot-path sentinel: SIGSEGV with `SEGV_MAPERR` (no mapping at the address). */
export const SEGV_MAPERR = -1;
/** Hot-path sentinel: SIGSEGV with `SEGV_ACCERR` (a mapping without the needed right). */
export const SEGV_ACCERR = -2;
/** Hot-path sentinel: SIGBUS with `BUS_ADRERR` (beyond the end of a shared object). */
export const BUS_ADRERR = -3;
/** Hot-path sentinel: the process was killed because memory ran out (Linux's OOM killer). */
export const OOM_KILL = -4;

/** A signal name. */
export type SignalName = 'SIGSEGV' | 'SIGBUS' | 'SIGKILL';
/** A `si_code` name. */
export type SignalCode = 'SEGV_MAPERR' | 'SEGV_ACCERR' | 'BUS_ADRERR' | 'OOM';

/** A delivered signal. */
export interface SignalInfo {
  /** The signal. */
  signal: SignalName;
  /** Its `si_code`. */
  code: SignalCode;
  /** The faulting address (`si_addr`). */
  addr: number;
}

/**
 * A cold access that was not attempted: its length is not a count of bytes (`NaN`, a fraction, a non-number:
 * `EINVAL`), or the bytes cannot be held in one buffer (`ENOMEM`, after every page was found accessible). No signal
 * was raised and nothing changed.
 */
export interface AccessRefused {
  /** Always `null`: no signal. */
  signal: null;
  /** Why. */
  code: 'EINVAL' | 'ENOMEM';
  /** The start address asked for (`NaN` when it was not a number). */
  addr: number;
}

/** The outcome of a cold access: `{ ok: true, ... }`, the signal it raised, or why it was refused. */
export type AccessOutcome<T> =
  | ({ ok: true } & T)
  | ({ ok: false } & SignalInfo)
  | ({ ok: false } & AccessRefused);

/** The preallocated record where hot accessors leave the last signal's details. */
export interface AccessFault {
  /** Sentinel of the last failed access (one of the constants above), 0 before any. */
  sentinel: number;
  /** Its address. */
  addr: number;
}

/** The signal described by a hot-path sentinel. */
export function signalOf(sentinel: number, addr: number): SignalInfo {
  switch (sentinel) {
    case SEGV_MAPERR:
      return { signal: 'SIGSEGV', code: 'SEGV_MAPERR', addr };
    case SEGV_ACCERR:
      return { signal: 'SIGSEGV', code: 'SEGV_ACCERR', addr };
    case BUS_ADRERR:
      return { signal: 'SIGBUS', code: 'BUS_ADRERR', addr };
    default:
      return { signal: 'SIGKILL', code: 'OOM', addr };
  }
}
