/**
 * Fault injection on a whole machine: every frame allocation of the machine goes through frames'
 * {@link FailingAllocator}, and {@link snapshot} captures everything a failed operation must leave as it was.
 *
 * The Machine has no option to wrap its allocator (its FramePool captures the allocator when it is built), so
 * {@link installFailingAllocator} reroutes the allocator object's own `alloc`/`allocContiguous` through a
 * FailingAllocator that wraps the original methods. (A `MachineOptions` hook would be cleaner; see README.)
 *
 * @module
 */

import { type FrameAllocator, PteFlag } from '@pagewright/core';
import { FailingAllocator } from '@pagewright/frames';
import type { Machine, Process } from '@pagewright/process-vm';

/** Makes every allocation of `machine` pass through a FailingAllocator, returned for arming. */
export function installFailingAllocator(machine: Machine): FailingAllocator {
  const a = machine.allocator;
  const alloc = a.alloc.bind(a);
  const allocContiguous = a.allocContiguous.bind(a);
  const inner: FrameAllocator = {
    get name() {
      return a.name;
    },
    get firstFrame() {
      return a.firstFrame;
    },
    get totalFrames() {
      return a.totalFrames;
    },
    get freeFrames() {
      return a.freeFrames;
    },
    get maxOrder() {
      return a.maxOrder;
    },
    alloc,
    allocContiguous,
    free: (pfn, order) => a.free(pfn, order),
    isAllocated: (pfn) => a.isAllocated(pfn),
  };
  const failing = new FailingAllocator(inner);
  const patch = a as unknown as { alloc: () => number; allocContiguous: (o: number) => number };
  patch.alloc = () => failing.alloc();
  patch.allocContiguous = (o: number) => failing.allocContiguous(o);
  return failing;
}

function frameDigest(machine: Machine, pfn: number): number {
  let h = 0;
  const base = pfn * 4096;
  for (let o = 0; o < 4096; o += 4) h = (Math.imul(h, 31) + machine.memory.read32(base + o)) | 0;
  return h;
}

/**
 * Everything observable about `procs` and the machine's frames: each process's maps, break and page-table leaves
 * (page, frame, PTE flags, the frame's reference count and a digest of its contents), its table-frame count, and the
 * allocator's free count and live data frames. Two equal snapshots mean nothing changed. `maskWrite` ignores the
 * PTE write bit (a failed fork may leave the parent's PTEs write-protected, as Linux does).
 */
export function snapshot(machine: Machine, procs: readonly Process[], maskWrite = false): string {
  const out: string[] = [`free=${machine.allocator.freeFrames} live=${machine.refs.live}`];
  for (const p of procs) {
    out.push(`pid ${p.pid} brk=${p.vm.brk} tables=${p.vm.pageTable.tableFrames}`, p.maps());
    p.vm.pageTable.visit(0, p.vm.limits.taskSize / 4096, (vpn, pfn, flags) => {
      if (maskWrite) flags &= ~PteFlag.Write;
      out.push(`${vpn.toString(16)}:${pfn}:${flags}:${machine.refs.count(pfn)}:${frameDigest(machine, pfn)}`);
    });
  }
  return out.join('\n');
}
