/**
 * A page walk for people: the translation of one virtual address level by level, read from physical memory through
 * the machine's {@link PagingArch} (no TLB, no A/D update, no fault: nothing in the machine changes).
 *
 * @module
 */
import {
  type PagingArch,
  type PhysicalMemory,
  PteKind,
  pteFlagsToString,
  type U64Pair,
} from '@pagewright/core';

/** What a PTE is, for people (`protnone`: Linux's inaccessible V = 0 entry that still holds a frame). */
export type PteKindName = 'invalid' | 'table' | 'leaf' | 'malformed' | 'protnone';

/** The kind of the PTE `lo`/`hi` found at `level`. */
export function pteKindName(arch: PagingArch, lo: number, hi: number, level: number): PteKindName {
  const kind = arch.kind(lo, hi, level);
  if (kind === PteKind.Table) return 'table';
  if (kind === PteKind.Leaf) return 'leaf';
  if (kind === PteKind.Malformed) return 'malformed';
  return arch.isProtNone?.(lo, hi) === true ? 'protnone' : 'invalid';
}

/** One level of a walk. */
export interface WalkLevel {
  /** Table level (levels − 1 is the root, 0 the 4 KiB leaf level). */
  level: number;
  /** Frame of the table read at this level. */
  tableFrame: number;
  /** Index of the entry in that table. */
  index: number;
  /** Physical address of the PTE. */
  pteAddr: number;
  /** The PTE's two halves. */
  lo: number;
  hi: number;
  kind: PteKindName;
  /** Frame the PTE holds (next table or mapped page); meaningless for an invalid entry. */
  ppn: number;
  /** `v` + the arch-neutral `rwxugad` letters (`-` for an absent bit). */
  bits: string;
}

/** A whole walk: its levels and where it stopped. */
export interface AddressWalk {
  va: number;
  levels: WalkLevel[];
  /** Why the walk stopped. */
  stop: 'leaf' | 'invalid' | 'protnone' | 'malformed' | 'not-in-memory' | 'outside-user-half';
  /** The physical address on a leaf, else -1. */
  pa: number;
  /** Bytes the leaf maps (4 KiB, or a superpage), 0 without a leaf. */
  pageSize: number;
}

/** The 16 hex digits of a PTE. */
export function pteHex(lo: number, hi: number): string {
  return `0x${(hi >>> 0).toString(16).padStart(8, '0')}${(lo >>> 0).toString(16).padStart(8, '0')}`;
}

/** The `v` bit (valid for the hardware) and the arch-neutral flags of a PTE, as letters. */
export function pteBits(arch: PagingArch, lo: number, hi: number, kind: PteKindName): string {
  const valid = kind === 'table' || kind === 'leaf' || kind === 'malformed';
  return `${valid ? 'v' : '-'}${pteFlagsToString(kind === 'invalid' ? 0 : arch.flags(lo, hi))}`;
}

/** Walks user address `va` from the root table in frame `root`. */
export function walkAddress(arch: PagingArch, memory: PhysicalMemory, root: number, va: number): AddressWalk {
  const levels: WalkLevel[] = [];
  if (!(Number.isSafeInteger(va) && va >= arch.userStart && va < arch.userEnd))
    return { va, levels, stop: 'outside-user-half', pa: -1, pageSize: 0 };
  const vpn = Math.floor(va / 4096);
  const pair: U64Pair = { lo: 0, hi: 0 };
  let table = root;
  for (let level = arch.levels - 1; level >= 0; level--) {
    const index = arch.indexAt(vpn, level);
    const pteAddr = table * 4096 + index * arch.pteSize;
    if (!memory.read64(pteAddr, pair)) return { va, levels, stop: 'not-in-memory', pa: -1, pageSize: 0 };
    const { lo, hi } = pair;
    const kind = pteKindName(arch, lo, hi, level);
    const ppn = arch.ppn(lo, hi, level);
    levels.push({
      level,
      tableFrame: table,
      index,
      pteAddr,
      lo,
      hi,
      kind,
      ppn,
      bits: pteBits(arch, lo, hi, kind),
    });
    if (kind === 'table') {
      table = ppn;
      continue;
    }
    if (kind !== 'leaf') return { va, levels, stop: kind, pa: -1, pageSize: 0 };
    const size = arch.pageSizeAt(level);
    return { va, levels, stop: 'leaf', pa: ppn * 4096 + (va % size), pageSize: size };
  }
  return { va, levels, stop: 'malformed', pa: -1, pageSize: 0 };
}
