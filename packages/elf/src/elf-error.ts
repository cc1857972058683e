/**
 * The typed error every ELF entry point throws.
 *
 * @module
 */

/** The errnos `load_elf_binary` answers with for what a file contains. */
export type ElfErrno = 'ENOEXEC' | 'EINVAL' | 'EIO' | 'ENOMEM' | 'EOVERFLOW' | 'ELIBBAD' | 'EPERM' | 'EFAULT';

/** Linux errno numbers of {@link ElfErrno} (`ELIBBAD` is 80 in asm-generic/errno.h). */
export const ELF_ERRNO_NUMBERS: Readonly<Record<ElfErrno, number>> = Object.freeze({
  EPERM: 1,
  EIO: 5,
  ENOEXEC: 8,
  ENOMEM: 12,
  EFAULT: 14,
  EINVAL: 22,
  EOVERFLOW: 75,
  ELIBBAD: 80,
});

/** Which rule a file broke (stable identifiers for tests and reports). */
export type ElfErrorReason =
  | 'bad-magic'
  | 'bad-type'
  | 'bad-machine'
  | 'bad-class'
  | 'bad-phentsize'
  | 'bad-phnum'
  | 'phdrs-unreadable'
  | 'interp-size'
  | 'interp-unreadable'
  | 'interp-not-terminated'
  | 'interp-header-unreadable'
  | 'interp-bad-magic'
  | 'interp-bad-machine'
  | 'interp-phdrs'
  | 'interp-bad-type'
  | 'empty-image'
  | 'segment-offset-misaligned'
  | 'segment-offset-overflow'
  | 'segment-length-overflow'
  | 'segment-address-range'
  | 'segment-bounds'
  | 'bss-unwritable'
  | 'bad-entry';

/**
 * Thrown for an ELF file Linux's `load_elf_binary` (or `load_elf_interp`) refuses, with the errno it returns.
 *
 * `pointOfNoReturn` tells whether Linux gets the error after `begin_new_exec` — after the old address space is
 * gone: then `execve` does not return to the old program, which is killed with `SIGSEGV`
 * (`bprm->point_of_no_return`). Errors found before it (header, program headers, interpreter path and header)
 * leave the caller's process intact.
 */
export class ElfError extends Error {
  /** The errno number (`ENOEXEC` → 8). */
  readonly errnoNumber: number;

  /**
   * @param errno - the errno name Linux returns
   * @param reason - which rule was broken
   * @param detail - a human explanation
   * @param pointOfNoReturn - true when Linux reports it after `begin_new_exec`
   */
  constructor(
    readonly errno: ElfErrno,
    readonly reason: ElfErrorReason,
    detail: string,
    readonly pointOfNoReturn = false,
  ) {
    super(`${errno} (${reason}): ${detail}`);
    this.name = 'ElfError';
    this.errnoNumber = ELF_ERRNO_NUMBERS[errno];
  }

  /** `-errno`, what `execve` returns. */
  toReturnValue(): number {
    return -this.errnoNumber;
  }
}
