/**
 * The x86-64 paging-structure entry layout (Intel SDM Vol. 3A §4.5, Tables 4-15 to 4-20), handled as two unsigned
 * 32-bit halves: `lo` = bits 31:0, `hi` = bits 63:32.
 *
 * | bit(s) | name | meaning |
 * | ------ | ---- | ------- |
 * | 0      | P    | present |
 * | 1      | R/W  | writes allowed (0: read-only) |
 * | 2      | U/S  | user-mode accesses allowed (0: supervisor-only) |
 * | 3, 4   | PWT, PCD | cache attributes (never change a translation) |
 * | 5      | A    | accessed (set by the walker) |
 * | 6      | D    | dirty (leaves only, set by the walker on a write) |
 * | 7      | PS / PAT | page size in a PDPTE or PDE (1: a 1 GiB or 2 MiB leaf); PAT in a 4 KiB PTE; reserved in a PML4E/PML5E |
 * | 8      | G    | global (leaves; only with CR4.PGE) — Linux's `_PAGE_PROTNONE` when P = 0 |
 * | 12     | PAT  | in a PS leaf (the address field starts above it) |
 * | 51:12  | address | bits MAXPHYADDR-1:12 of the frame; bits 51:MAXPHYADDR are reserved |
 * | 62:59  | PK   | the protection key of a leaf (used with CR4.PKE) |
 * | 63     | XD   | execute-disable (with EFER.NXE; reserved without it) |
 *
 * Every helper is integer math on the halves: no BigInt, no allocation.
 *
 * @module
 */

/** Present. */
export const X86_P = 0x001;
/** Read/write. */
export const X86_RW = 0x002;
/** User/supervisor. */
export const X86_US = 0x004;
/** Page-level write-through. */
export const X86_PWT = 0x008;
/** Page-level cache disable. */
export const X86_PCD = 0x010;
/** Accessed. */
export const X86_A = 0x020;
/** Dirty. */
export const X86_D = 0x040;
/** Page size (PDPTE, PDE); the same bit is PAT in a 4 KiB PTE. */
export const X86_PS = 0x080;
/** PAT of a 4 KiB PTE (bit 7). */
export const X86_PAT_4K = 0x080;
/** Global. */
export const X86_G = 0x100;
/** PAT of a 2 MiB or 1 GiB leaf (bit 12). */
export const X86_PAT_LARGE = 0x1000;
/**
 * Linux's `_PAGE_PROTNONE`: the G bit position, meaningful only when P = 0 (a PROT_NONE page that keeps its frame;
 * `arch/x86/include/asm/pgtable_types.h`: `_PAGE_BIT_PROTNONE = _PAGE_BIT_GLOBAL`).
 */
export const X86_PROTNONE = X86_G;
/** In `hi`: XD (bit 63). */
export const X86_HI_XD = 0x8000_0000;
/** In `hi`: the protection-key field, bits 62:59. */
export const X86_HI_PK_MASK = 0x7800_0000;
/** In `hi`: the address bits 51:32 (MAXPHYADDR up to 52). */
export const X86_HI_ADDR_MASK = 0x000f_ffff;

/** `2^20`: the frame-number bits kept in `lo` (bits 31:12). */
const LO_PFN_SPAN = 0x10_0000;

/** Bits 51:12 of an entry as a frame number (bits above MAXPHYADDR included: check them separately). */
export function x86Pfn(lo: number, hi: number): number {
  return (lo >>> 12) + (hi & X86_HI_ADDR_MASK) * LO_PFN_SPAN;
}

/** The protection key (bits 62:59) of an entry, 0..15. */
export function x86Pkey(hi: number): number {
  return (hi >>> 27) & 0xf;
}

/**
 * In `hi`: the address bits at or above MAXPHYADDR (51:MAXPHYADDR), which are reserved in every entry
 * (SDM §4.5: "Reserved (must be 0)"). `maxPhyAddr` is an integer in `[32, 52]`.
 */
export function reservedAddressMaskHi(maxPhyAddr: number): number {
  // Bits 51:maxPhyAddr of the entry are bits 19:(maxPhyAddr-32) of hi.
  return (X86_HI_ADDR_MASK & ~((2 ** (maxPhyAddr - 32) - 1) >>> 0)) >>> 0;
}

/**
 * In `lo`: the bits of a PS leaf at `level` (1 = 2 MiB, 2 = 1 GiB) between PAT (bit 12) and the frame address —
 * bits 20:13 or 29:13 — reserved because the frame must be aligned to the page size (SDM Tables 4-17 and 4-18).
 */
export function largeLeafReservedLo(level: number): number {
  return level === 1 ? 0x001f_e000 : level === 2 ? 0x3fff_e000 : 0;
}
