/**
 * `PROT_*`: the protection argument of mmap and mprotect, with Linux's values (include/uapi/asm-generic/mman-common.h).
 *
 * @module
 */

/** Page cannot be accessed. */
export const PROT_NONE = 0x0;
/** Page can be read. */
export const PROT_READ = 0x1;
/** Page can be written. */
export const PROT_WRITE = 0x2;
/** Page can be executed. */
export const PROT_EXEC = 0x4;
/** Page may be used for atomic operations (accepted and ignored by Linux on most architectures). */
export const PROT_SEM = 0x8;
/** mprotect flag: extend the change to the start of a growsdown VMA. */
export const PROT_GROWSDOWN = 0x01000000;
/** mprotect flag: extend the change to the end of a growsup VMA. */
export const PROT_GROWSUP = 0x02000000;

/** The bits that describe access rights (everything but the two mprotect-only flags). */
export const PROT_ACCESS_MASK = PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM;

/** Every bit Linux accepts in a protection argument. */
export const PROT_VALID_MASK = PROT_ACCESS_MASK | PROT_GROWSDOWN | PROT_GROWSUP;

/** `rwx` letters for a protection value, as in `/proc/PID/maps` without the sharing letter (`r-x`). */
export function protToString(prot: number): string {
  return `${prot & PROT_READ ? 'r' : '-'}${prot & PROT_WRITE ? 'w' : '-'}${prot & PROT_EXEC ? 'x' : '-'}`;
}

/**
 * Parses `rwx` letters with `-` for an absent right (`"rw-"`, `"---"`). Returns `undefined` for anything else.
 */
export function parseProtString(s: string): number | undefined {
  if (!/^[r-][w-][x-]$/.test(s)) return undefined;
  return (s[0] === 'r' ? PROT_READ : 0) | (s[1] === 'w' ? PROT_WRITE : 0) | (s[2] === 'x' ? PROT_EXEC : 0);
}
