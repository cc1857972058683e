/**
 * The typed errors of the mapper. Hot paths return a {@link MapperResult}: a value (a frame, a count) or one of the
 * negative {@link MapperError} codes, with the details in the mapper's {@link MapperErrorInfo} record;
 * {@link MapperFailure} is the throwable form for cold paths.
 *
 * The codes lie in `[-1006, -1001]`, apart from every other domain's negative results — `NO_FRAME` and
 * `TLB_MISS` (-1), `-errno` (-1 … -133), the CPUs' `-cause`/`-vector` (-1 … -18, `INVALID_ACCESS` -256) — so a
 * result passed on from another layer unconverted is never taken for a mapper error (or the reverse).
 *
 * Names follow the rust-osdev `x86_64` crate (`MapToError`, `UnmapError`, `FlagUpdateError`).
 *
 * @module
 */

import type { DomainResult } from '@pagewright/core';

/** Negative result codes of mapper operations (a non-negative result is a success). */
export const MapperError = {
  /** The frame allocator ran out in the middle of the operation; nothing was changed. */
  FrameAllocationFailed: -1001,
  /** A page of the target range already has a mapping (or a page table sits where a huge leaf should go). */
  PageAlreadyMapped: -1002,
  /** The page is not mapped (single-page `unmap`/`protect`, or `lookup`). */
  NotMapped: -1003,
  /** A huge leaf above the requested level covers the page (mapping a smaller page inside a huge page). */
  ParentEntryHugePage: -1004,
  /** Bad argument: VPN outside the address space, misaligned huge page, frame out of range, bad flags. */
  InvalidArgument: -1005,
  /** The page lies in the kernel half, which a user mapper shares with its {@link KernelSpace} and may not edit. */
  KernelShared: -1006,
} as const;
/** One of {@link MapperError}. */
export type MapperError = (typeof MapperError)[keyof typeof MapperError];

/**
 * What a mapper operation returns: a value (≥ 0: a frame, a page or leaf count) or a {@link MapperError}. A number
 * at run time, its own type at compile time (core's `DomainResult`): not interchangeable with a frame allocation's
 * `FrameResult` or a CPU's `TranslationResult`.
 */
export type MapperResult = DomainResult<'mapper'>;

const NAMES: Record<number, string> = {
  [MapperError.FrameAllocationFailed]: 'FrameAllocationFailed',
  [MapperError.PageAlreadyMapped]: 'PageAlreadyMapped',
  [MapperError.NotMapped]: 'NotMapped',
  [MapperError.ParentEntryHugePage]: 'ParentEntryHugePage',
  [MapperError.InvalidArgument]: 'InvalidArgument',
  [MapperError.KernelShared]: 'KernelShared',
};

/** The name of a {@link MapperError} code (`"NotMapped"`), `"Ok"` for a non-negative result, else `Unknown(code)`. */
export function mapperErrorName(code: number): string {
  return code >= 0 ? 'Ok' : (NAMES[code] ?? `Unknown(${code})`);
}

/** True when `result` is one of the {@link MapperError} codes (not any negative number: those are other domains'). */
export function isMapperError(result: number): result is MapperError {
  return NAMES[result] !== undefined;
}

/** Details of the last failed operation; a preallocated record the mapper overwrites on every failure. */
export interface MapperErrorInfo {
  /** The {@link MapperError} code (0 when no operation has failed yet). */
  code: MapperError | 0;
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
