/**
 * The typed errors of the mapper. Hot paths return one of the negative {@link MapperError} codes and put the
 * details in the mapper's {@link MapperErrorInfo} record; {@link MapperFailure} is the throwable form for cold paths.
 *
 * Names follow the rust-osdev `x86_64` crate (`MapToError`, `UnmapError`, `FlagUpdateError`).
 *
 * @module
 */

/** Negative result codes of mapper operations (a non-negative result is a success). */
export const MapperError = {
  /** The frame allocator ran out in the middle of the operation; nothing was changed. */
  FrameAllocationFailed: -1,
  /** A page of the target range already has a mapping (or a page table sits where a huge leaf should go). */
  PageAlreadyMapped: -2,
  /** The page is not mapped (single-page `unmap`/`protect`, or `lookup`). */
  NotMapped: -3,
  /** A huge leaf above the requested level covers the page (mapping a smaller page inside a huge page). */
  ParentEntryHugePage: -4,
  /** Bad argument: VPN outside the address space, misaligned huge page, frame out of range, bad flags. */
  InvalidArgument: -5,
  /** The page lies in the kernel half, which a user mapper shares with its {@link KernelSpace} and may not edit. */
  KernelShared: -6,
} as const;
/** One of {@link MapperError}. */
export type MapperError = (typeof MapperError)[keyof typeof MapperError];

const NAMES: Record<number, string> = {
  [-1]: 'FrameAllocationFailed',
  [-2]: 'PageAlreadyMapped',
  [-3]: 'NotMapped',
  [-4]: 'ParentEntryHugePage',
  [-5]: 'InvalidArgument',
  [-6]: 'KernelShared',
};

/** The name of a {@link MapperError} code (`"NotMapped"`), or `"Ok"` for a non-negative result. */
export function mapperErrorName(code: number): string {
  return code >= 0 ? 'Ok' : (NAMES[code] ?? `Unknown(${code})`);
}

/** True when `result` is one of the {@link MapperError} codes. */
export function isMapperError(result: number): boolean {
  return result < 0;
}

/** Details of the last failed operation; a preallocated record the mapper overwrites on every failure. */
export interface MapperErrorInfo {
  /** The {@link MapperError} code (0 when no operation has failed yet). */
  code: number;
  /** The virtual page at which the operation failed. */
  vpn: number;
  /** The table level involved (the level of the blocking huge leaf for `ParentEntryHugePage`). */
  level: number;
  /** A human explanation. */
  message: string;
}

/** The throwable form of a mapper error, for callers that prefer exceptions (see {@link expectOk}). */
export class MapperFailure extends Error {
  /**
   * @param code - the {@link MapperError} code
   * @param vpn - the virtual page involved
   * @param detail - a human explanation
   */
  constructor(
    readonly code: MapperError,
    readonly vpn: number,
    detail = '',
  ) {
    super(`${mapperErrorName(code)} at vpn 0x${vpn.toString(16)}${detail ? `: ${detail}` : ''}`);
    this.name = 'MapperFailure';
  }
}

/**
 * Returns `result` when it is not an error code, otherwise throws a {@link MapperFailure} built from `info`.
 *
 * ```ts
 * const pfn = expectOk(mapper.map(vpn, flags), mapper.error);
 * ```
 */
export function expectOk(result: number, info: MapperErrorInfo): number {
  if (result >= 0) return result;
  throw new MapperFailure(result as MapperError, info.vpn, info.message);
}

/** Thrown when the mapper finds its own tables in a state it never creates (a bug, or memory written behind its back). */
export class PageTableCorruption extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PageTableCorruption';
  }
}
