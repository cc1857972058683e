/**
 * {@link RecordingMemory}: a read-only view of a {@link PhysicalMemory} that records every 64-bit read and keeps
 * every 64-bit write to itself — what a walk tracer runs the real page walk over, so that the trace is the walk's
 * own reads and the walk's A/D write-back is reported instead of done.
 *
 * @module
 */

import type { U64Pair } from './hardware.js';
import type { PhysicalMemory } from './physical-memory.js';

/** One 64-bit read that reached the underlying memory. */
export interface RecordedRead {
  /** The address read. */
  readonly pa: number;
  /** False when `pa` was not memory (then `lo` and `hi` are 0). */
  readonly ok: boolean;
  /** Bits 31:0 read (unsigned). */
  readonly lo: number;
  /** Bits 63:32 read (unsigned). */
  readonly hi: number;
}

/** One 64-bit write kept by the view (the underlying memory never sees it). */
export interface RecordedWrite {
  /** The address written (inside memory). */
  readonly pa: number;
  /** Bits 31:0 written (unsigned). */
  readonly lo: number;
  /** Bits 63:32 written (unsigned). */
  readonly hi: number;
}

/**
 * A view of `inner` that changes nothing in it.
 * - `read64` of an address the view wrote returns the last value written there (a locked read-modify-write sees
 *   its own write) and is not recorded; any other `read64` goes to `inner` and is appended to {@link reads}.
 * - `write64` inside memory is appended to {@link writes} and returns true; outside memory it returns false and
 *   records nothing. Every other write and frame operation changes nothing and answers as `inner` would
 *   (whether the range is memory).
 * - The other reads go to `inner` unrecorded.
 *
 * Cold: it allocates a record per access.
 */
export class RecordingMemory implements PhysicalMemory {
  /** The reads that reached `inner`, in order. */
  readonly reads: RecordedRead[] = [];
  /** The 64-bit writes kept, in order. */
  readonly writes: RecordedWrite[] = [];

  /** @param inner - the memory read through */
  constructor(private readonly inner: PhysicalMemory) {}

  get base(): number {
    return this.inner.base;
  }
  get size(): number {
    return this.inner.size;
  }
  get baseFrame(): number {
    return this.inner.baseFrame;
  }
  get frameCount(): number {
    return this.inner.frameCount;
  }

  /** The first recorded read of `pa`, if any. */
  firstRead(pa: number): RecordedRead | undefined {
    return this.reads.find((r) => r.pa === pa);
  }

  contains(pa: number, len: number): boolean {
    return this.inner.contains(pa, len);
  }
  containsFrame(pfn: number): boolean {
    return this.inner.containsFrame(pfn);
  }
  read8(pa: number): number {
    return this.inner.read8(pa);
  }
  read16(pa: number): number {
    return this.inner.read16(pa);
  }
  read32(pa: number): number {
    return this.inner.read32(pa);
  }
  read64(pa: number, out: U64Pair): boolean {
    const written = this.writes.findLast((w) => w.pa === pa);
    if (written !== undefined) {
      out.lo = written.lo;
      out.hi = written.hi;
      return true;
    }
    const ok = this.inner.read64(pa, out);
    this.reads.push({ pa, ok, lo: ok ? out.lo >>> 0 : 0, hi: ok ? out.hi >>> 0 : 0 });
    return ok;
  }
  write8(pa: number): boolean {
    return this.inner.contains(pa, 1);
  }
  write16(pa: number): boolean {
    return this.inner.contains(pa, 2);
  }
  write32(pa: number): boolean {
    return this.inner.contains(pa, 4);
  }
  write64(pa: number, lo: number, hi: number): boolean {
    if (!this.inner.contains(pa, 8)) return false;
    this.writes.push({ pa, lo: lo >>> 0, hi: hi >>> 0 });
    return true;
  }
  readBytes(pa: number, dst: Uint8Array): boolean {
    return this.inner.readBytes(pa, dst);
  }
  writeBytes(pa: number, src: Uint8Array): boolean {
    return this.inner.contains(pa, src.length);
  }
  fill(pa: number, len: number): boolean {
    return this.inner.contains(pa, len);
  }
  zeroFrame(pfn: number): boolean {
    return this.inner.containsFrame(pfn);
  }
  copyFrame(dst: number, src: number): boolean {
    return this.inner.containsFrame(dst) && this.inner.containsFrame(src);
  }
  isFrameZero(pfn: number): boolean {
    return this.inner.isFrameZero(pfn);
  }
}
