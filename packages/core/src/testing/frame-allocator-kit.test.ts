import { describe, expect, it } from 'vitest';
import { type FrameAllocator, FrameError, NO_FRAME } from '../frame-allocator.js';
import { checkFrameAllocator, FRAME_ALLOCATOR_RULES, type FrameRange } from './frame-allocator-kit.js';
import { assertContract, ContractViolationError } from './kit.js';

/** Per-frame states of the reference allocator. */
const NEVER = -1;
const FREED = -2;
const INTERIOR = -3;
/** Used by one broken variant: freed, but never handed out again. */
const LOST = -4;

/**
 * The simplest allocator that keeps every rule: lowest-first search over one state per frame (`NEVER`, `FREED`,
 * `INTERIOR`, or the order of the live block it heads). The broken variants below each change one behaviour.
 */
class ReferenceAllocator implements FrameAllocator {
  name = 'reference';
  readonly firstFrame: number;
  readonly totalFrames: number;
  maxOrder = 8;
  protected readonly state: number[];
  protected free_: number;

  constructor(range: FrameRange) {
    this.firstFrame = range.firstFrame;
    this.totalFrames = range.frameCount;
    this.state = new Array<number>(range.frameCount).fill(NEVER);
    this.free_ = range.frameCount;
  }

  get freeFrames(): number {
    return this.free_;
  }

  alloc(): number {
    return this.allocBlock(0);
  }

  allocContiguous(order: number): number {
    if (!(Number.isInteger(order) && order >= 0 && order <= this.maxOrder)) return NO_FRAME;
    return this.allocBlock(order);
  }

  protected fits(start: number, n: number): boolean {
    return start + n <= this.firstFrame + this.totalFrames;
  }

  protected allocBlock(order: number): number {
    const n = 2 ** order;
    for (let p = Math.ceil(this.firstFrame / n) * n; this.fits(p, n); p += n) {
      let free = true;
      for (let i = 0; i < n && free; i++) free = this.isFree(p + i);
      if (!free) continue;
      for (let i = 1; i < n; i++) this.state[p + i - this.firstFrame] = INTERIOR;
      this.state[p - this.firstFrame] = order;
      this.free_ -= n;
      return p;
    }
    return NO_FRAME;
  }

  protected isFree(p: number): boolean {
    const s = this.state[p - this.firstFrame];
    return s === NEVER || s === FREED;
  }

  free(pfn: number, order = 0): void {
    this.checkArgs(pfn, order);
    this.checkState(pfn, order);
    this.release(pfn, order);
  }

  protected release(pfn: number, order: number): void {
    const n = 2 ** order;
    for (let i = 1; i < n; i++) this.state[pfn + i - this.firstFrame] = NEVER;
    this.state[pfn - this.firstFrame] = FREED;
    this.free_ += n;
  }

  protected checkArgs(pfn: number, order: number): void {
    const end = this.firstFrame + this.totalFrames;
    if (!(Number.isInteger(pfn) && pfn >= this.firstFrame && pfn < end))
      throw new FrameError('out-of-range', pfn);
    if (!(Number.isInteger(order) && order >= 0 && order <= this.maxOrder))
      throw new FrameError('wrong-order', pfn);
    this.checkAlignmentAndEnd(pfn, order);
  }

  protected checkAlignmentAndEnd(pfn: number, order: number): void {
    if (pfn % 2 ** order !== 0) throw new FrameError('misaligned', pfn);
    if (pfn + 2 ** order > this.firstFrame + this.totalFrames) throw new FrameError('out-of-range', pfn);
  }

  protected checkState(pfn: number, order: number): void {
    const s = this.state[pfn - this.firstFrame] as number;
    if (s === INTERIOR) throw new FrameError('not-allocated', pfn, 'inside a block');
    if (s === FREED) throw new FrameError('double-free', pfn);
    if (s === NEVER) throw new FrameError('not-allocated', pfn);
    if (s !== order) throw new FrameError('wrong-order', pfn);
  }

  isAllocated(pfn: number): boolean {
    const s = this.state[pfn - this.firstFrame];
    return Number.isInteger(pfn) && s !== undefined && s !== NEVER && s !== FREED;
  }
}

/** One deliberately broken allocator per rule: each breaks exactly the rule it is filed under. */
const BROKEN: Record<string, (range: FrameRange) => FrameAllocator> = {
  identity: (r) => Object.assign(new ReferenceAllocator(r), { name: '' }),
  'alloc-unique': (r) =>
    // Once more than half the frames are allocated, one alloc() hands out the previous frame again.
    new (class extends ReferenceAllocator {
      private duplicated = false;
      private last = NO_FRAME;
      override alloc(): number {
        if (!this.duplicated && this.last !== NO_FRAME && this.free_ < this.totalFrames / 2) {
          this.duplicated = true;
          return this.last;
        }
        this.last = super.alloc();
        return this.last;
      }
    })(r),
  'alloc-in-range': (r) =>
    // Checks that a block starts inside the range, not that it ends inside it.
    new (class extends ReferenceAllocator {
      protected override fits(start: number, n: number): boolean {
        return n === 1 ? super.fits(start, n) : start < this.firstFrame + this.totalFrames;
      }
      protected override isFree(p: number): boolean {
        return p >= this.firstFrame + this.totalFrames || super.isFree(p);
      }
    })(r),
  exhaustion: (r) =>
    // allocContiguous throws instead of returning NO_FRAME when nothing is left.
    new (class extends ReferenceAllocator {
      override allocContiguous(order: number): number {
        if (this.free_ === 0) throw new RangeError('out of frames');
        return super.allocContiguous(order);
      }
    })(r),
  'contiguous-aligned': (r) =>
    // Places blocks of order 4 and more 4 frames past an 8-frame boundary.
    new (class extends ReferenceAllocator {
      protected override allocBlock(order: number): number {
        if (order < 4) return super.allocBlock(order);
        const n = 2 ** order;
        for (
          let p = Math.ceil(this.firstFrame / 8) * 8 + 4;
          p + n <= this.firstFrame + this.totalFrames;
          p += 8
        ) {
          let free = true;
          for (let i = 0; i < n && free; i++) free = this.isFree(p + i);
          if (!free) continue;
          for (let i = 1; i < n; i++) this.state[p + i - this.firstFrame] = INTERIOR;
          this.state[p - this.firstFrame] = order;
          this.free_ -= n;
          return p;
        }
        return NO_FRAME;
      }
    })(r),
  'contiguous-order-limit': (r) =>
    // Rounds a fractional order down instead of refusing it.
    new (class extends ReferenceAllocator {
      override allocContiguous(order: number): number {
        return super.allocContiguous(Number.isFinite(order) ? Math.floor(order) : order);
      }
    })(r),
  'free-frames': (r) =>
    // Forgets to count the frames of a freed block beyond its head.
    new (class extends ReferenceAllocator {
      protected override release(pfn: number, order: number): void {
        super.release(pfn, order);
        this.free_ -= 2 ** order - 1;
      }
    })(r),
  'is-allocated': (r) =>
    // Reports only block heads and single frames as allocated.
    new (class extends ReferenceAllocator {
      override isAllocated(pfn: number): boolean {
        return super.isAllocated(pfn) && this.state[pfn - this.firstFrame] !== INTERIOR;
      }
    })(r),
  reuse: (r) =>
    // Loses single frames on free: they are counted free but never handed out again.
    new (class extends ReferenceAllocator {
      protected override release(pfn: number, order: number): void {
        super.release(pfn, order);
        if (order === 0) this.state[pfn - this.firstFrame] = LOST;
      }
      protected override checkState(pfn: number, order: number): void {
        if (this.state[pfn - this.firstFrame] === LOST) throw new FrameError('double-free', pfn);
        super.checkState(pfn, order);
      }
      override isAllocated(pfn: number): boolean {
        return super.isAllocated(pfn) && this.state[pfn - this.firstFrame] !== LOST;
      }
    })(r),
  'free-out-of-range': (r) =>
    // Says 'not-allocated' for a non-integer frame.
    new (class extends ReferenceAllocator {
      protected override checkArgs(pfn: number, order: number): void {
        if (Number.isFinite(pfn) && !Number.isInteger(pfn)) throw new FrameError('not-allocated', pfn);
        super.checkArgs(pfn, order);
      }
    })(r),
  'free-not-allocated': (r) =>
    // Accepts a free of a frame never handed out (and counts it as freed).
    new (class extends ReferenceAllocator {
      protected override checkState(pfn: number, order: number): void {
        if (this.state[pfn - this.firstFrame] === NEVER) return;
        super.checkState(pfn, order);
      }
    })(r),
  'free-double': (r) =>
    // Says 'not-allocated' for a second free.
    new (class extends ReferenceAllocator {
      protected override checkState(pfn: number, order: number): void {
        if (this.state[pfn - this.firstFrame] === FREED) throw new FrameError('not-allocated', pfn);
        super.checkState(pfn, order);
      }
    })(r),
  'free-wrong-order': (r) =>
    // Frees part of a block when given a smaller order than its allocation's.
    new (class extends ReferenceAllocator {
      protected override checkState(pfn: number, order: number): void {
        const s = this.state[pfn - this.firstFrame] as number;
        if (s >= 0 && order < s) return;
        super.checkState(pfn, order);
      }
    })(r),
  'free-misaligned': (r) =>
    // Checks whether the frame is inside a block before its alignment.
    new (class extends ReferenceAllocator {
      protected override checkArgs(pfn: number, order: number): void {
        const end = this.firstFrame + this.totalFrames;
        if (!(Number.isInteger(pfn) && pfn >= this.firstFrame && pfn < end))
          throw new FrameError('out-of-range', pfn);
        if (!(Number.isInteger(order) && order >= 0 && order <= this.maxOrder))
          throw new FrameError('wrong-order', pfn);
        const s = this.state[pfn - this.firstFrame] as number;
        if (s === INTERIOR) throw new FrameError('not-allocated', pfn);
        this.checkAlignmentAndEnd(pfn, order);
      }
    })(r),
  'free-error-precedence': (r) =>
    // Checks the block's end before its alignment.
    new (class extends ReferenceAllocator {
      protected override checkAlignmentAndEnd(pfn: number, order: number): void {
        if (pfn + 2 ** order > this.firstFrame + this.totalFrames) throw new FrameError('out-of-range', pfn);
        super.checkAlignmentAndEnd(pfn, order);
      }
    })(r),
  'first-frame-offset': (r) =>
    // Aligns blocks relative to firstFrame instead of absolutely.
    new (class extends ReferenceAllocator {
      protected override allocBlock(order: number): number {
        const n = 2 ** order;
        for (let p = this.firstFrame; p + n <= this.firstFrame + this.totalFrames; p += n) {
          let free = true;
          for (let i = 0; i < n && free; i++) free = this.isFree(p + i);
          if (!free) continue;
          for (let i = 1; i < n; i++) this.state[p + i - this.firstFrame] = INTERIOR;
          this.state[p - this.firstFrame] = order;
          this.free_ -= n;
          return p;
        }
        return NO_FRAME;
      }
      protected override checkAlignmentAndEnd(pfn: number, order: number): void {
        if ((pfn - this.firstFrame) % 2 ** order !== 0) throw new FrameError('misaligned', pfn);
        if (pfn + 2 ** order > this.firstFrame + this.totalFrames) throw new FrameError('out-of-range', pfn);
      }
    })(r),
};

describe('FrameAllocator contract kit', () => {
  it('passes the reference allocator', () => {
    const report = checkFrameAllocator((r) => new ReferenceAllocator(r), { name: 'reference' });
    expect(report.failed).toEqual([]);
    expect(report.passed).toEqual(FRAME_ALLOCATOR_RULES.map((r) => r.id));
  });

  it.each([0, 1, 2, 3])('passes the reference allocator limited to maxOrder %i', (maxOrder) => {
    const report = checkFrameAllocator((r) => Object.assign(new ReferenceAllocator(r), { maxOrder }));
    expect(report.failed).toEqual([]);
  });

  it('has one broken allocator per rule', () => {
    expect(Object.keys(BROKEN).sort()).toEqual(FRAME_ALLOCATOR_RULES.map((r) => r.id).sort());
  });

  it.each(Object.keys(BROKEN))('names exactly the rule %s when only it is broken', (rule) => {
    const report = checkFrameAllocator(BROKEN[rule] as (r: FrameRange) => FrameAllocator, { name: rule });
    expect(report.failed.map((f) => f.rule)).toEqual([rule]);
    expect(() => assertContract(report)).toThrow(ContractViolationError);
  });

  it('reports a factory that returns nothing, or throws, on every rule', () => {
    const report = checkFrameAllocator(() => undefined as unknown as FrameAllocator);
    expect(report.passed).toEqual([]);
    expect(report.failed).toHaveLength(FRAME_ALLOCATOR_RULES.length);
  });

  it('states every rule in the interface TSDoc words it reports', () => {
    for (const r of FRAME_ALLOCATOR_RULES) {
      expect(r.id).toMatch(/^[a-z-]+$/);
      expect(r.text.length).toBeGreaterThan(20);
    }
  });
});
