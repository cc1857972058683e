/**
 * `ArgumentChecks`: the validation of the mapper's public arguments (page ranges, levels, leaf flags, frames). Each
 * check returns true, or records an {@link MapperError.InvalidArgument} (or `KernelShared`) in the mapper's error
 * record and returns false; none changes anything else.
 *
 * @module
 */

import { type PagingArch, PteFlag } from '@pagewright/core';
import { ALL_FLAGS } from './entry-facts.js';
import { recordError } from './error-record.js';
import { MapperError, type MapperErrorInfo } from './errors.js';

/** The argument checks of one mapper (its geometry is fixed at construction). */
export class ArgumentChecks {
  private readonly spans: readonly number[];
  private readonly maxPfn: number;

  constructor(
    private readonly arch: PagingArch,
    private readonly error: MapperErrorInfo,
    /** Number of pages of the address space. */
    private readonly vpnCount: number,
    /** First page of the kernel half, or `Infinity` when this mapper may edit it. */
    private readonly sharedFrom: number,
    /** The arch encodes inaccessible (PROT_NONE) entries. */
    private readonly protNone: boolean,
  ) {
    const spans: number[] = [];
    for (let l = 0; l < arch.levels; l++) spans.push(arch.entriesPerTable ** l);
    this.spans = spans;
    this.maxPfn = 2 ** arch.ppnBits;
  }

  /**
   * True when `[start, end)` is a non-empty range of pages aligned to `level` of a live mapper (`destroyed` false),
   * and — when `mutate` — outside the shared kernel half.
   */
  range(start: number, end: number, level: number, mutate: boolean, destroyed: boolean): boolean {
    if (destroyed) return this.bad(start, level, 'the mapper was destroyed');
    const { arch } = this;
    if (!Number.isInteger(level) || level < 0 || level > arch.maxLeafLevel || level >= arch.levels) {
      return this.bad(start, level, `bad level ${level}`);
    }
    const span = this.spans[level] as number;
    if (
      !Number.isInteger(start) ||
      !Number.isInteger(end) ||
      start < 0 ||
      end > this.vpnCount ||
      start >= end
    ) {
      return this.bad(start, level, `bad page range [0x${start.toString(16)}, 0x${end.toString(16)})`);
    }
    if (start % span !== 0 || end % span !== 0)
      return this.bad(start, level, `range not aligned to level ${level}`);
    if (mutate && end > this.sharedFrom) {
      recordError(
        this.error,
        MapperError.KernelShared,
        Math.max(start, this.sharedFrom),
        level,
        'the kernel half is shared',
      );
      return false;
    }
    return true;
  }

  /**
   * Flags of a leaf at `level`: R or X (W needs R), or — when `protNone` is allowed (an existing frame is placed or
   * kept) — none of R/W/X for an inaccessible level-0 entry.
   */
  flags(flags: number, vpn: number, level: number, protNone: boolean): boolean {
    const rwx = flags & 7;
    if (!Number.isInteger(flags) || (flags & ~ALL_FLAGS) !== 0) {
      return this.bad(vpn, 0, `bad leaf flags 0x${flags.toString(16)} (need R or X; W needs R)`);
    }
    if (rwx === 0) {
      if (!protNone) {
        return this.bad(vpn, level, `bad leaf flags 0x${flags.toString(16)} (need R or X; W needs R)`);
      }
      if (!this.protNone) {
        return this.bad(vpn, level, `${this.arch.name} cannot encode an inaccessible (PROT_NONE) entry`);
      }
      if (level !== 0) return this.bad(vpn, level, 'inaccessible (PROT_NONE) entries exist only at level 0');
      return true;
    }
    if ((rwx & (PteFlag.Write | PteFlag.Read)) === PteFlag.Write) {
      return this.bad(vpn, 0, `bad leaf flags 0x${flags.toString(16)} (W needs R)`);
    }
    return true;
  }

  /** True when `pfn` is a frame the arch can encode, aligned to `level`. */
  frame(pfn: number, level: number, vpn: number): boolean {
    const span = this.spans[level] as number;
    if (!Number.isInteger(pfn) || pfn < 0 || pfn + span > this.maxPfn) {
      return this.bad(vpn, level, `bad frame 0x${pfn.toString(16)}`);
    }
    if (pfn % span !== 0)
      return this.bad(vpn, level, `frame 0x${pfn.toString(16)} not aligned to level ${level}`);
    return true;
  }

  /** True when `floor ≤ start < end ≤ ceiling` holds for {@link PageMapper.freeTables}. */
  enclosing(start: number, end: number, floor: number, ceiling: number): boolean {
    if (
      Number.isInteger(floor) &&
      floor >= 0 &&
      floor <= start &&
      typeof ceiling === 'number' &&
      ceiling >= end
    )
      return true;
    return this.bad(start, 0, 'floor and ceiling must enclose the range');
  }

  private bad(vpn: number, level: number, message: string): false {
    recordError(this.error, MapperError.InvalidArgument, vpn, level, message);
    return false;
  }
}
