import { SparsePhysicalMemory, StackFrameAllocator } from '@pagewright/frames';
import { FileSystem } from '../src/index.js';

/** A small machine for the tests: `frames` frames of RAM and a filesystem over them. */
export function makeFs(frames = 64) {
  const memory = new SparsePhysicalMemory({ size: frames * 4096 });
  const allocator = new StackFrameAllocator({ firstFrame: memory.baseFrame, frameCount: frames });
  const fs = new FileSystem({ memory, allocator });
  return { memory, allocator, fs };
}

/** Bytes `0, 1, 2, ...` (mod 251) of length `n`, offset by `seed`. */
export function pattern(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i + seed) % 251;
  return b;
}
