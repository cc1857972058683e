/**
 * The RISC-V Sv39/Sv48 page-table-entry layout (privileged spec, "Sv39: Page-Based 39-bit Virtual-Memory System",
 * `sv39pte.edn`/`sv48pte.edn`), handled as two unsigned 32-bit halves: `lo` = bits 31:0, `hi` = bits 63:32.
 *
 * | field    | PTE bits | where          |
 * | -------- | -------- | -------------- |
 * | V R W X U G A D | 0..7 | `lo` bits 0..7 |
 * | RSW      | 9:8      | `lo` bits 9:8  |
 * | PPN      | 53:10    | `lo` 31:10 (PPN[21:0]) and `hi` 21:0 (PPN[43:22]) |
 * | reserved | 60:54    | `hi` 28:22     |
 * | PBMT     | 62:61    | `hi` 30:29     |
 * | N        | 63       | `hi` 31        |
 *
 * Every helper here is branch-free integer math on the halves: no BigInt, no allocation.
 *
 * @module
 */

/** Valid. */
export const PTE_V = 0x01;
/** Readable. */
export const PTE_R = 0x02;
/** Writable. */
export const PTE_W = 0x04;
/** Executable. */
export const PTE_X = 0x08;
/** User-accessible. */
export const PTE_U = 0x10;
/** Global mapping. */
export const PTE_G = 0x20;
/** Accessed. */
export const PTE_A = 0x40;
/** Dirty. */
export const PTE_D = 0x80;
/** The two RSW bits (9:8), reserved for supervisor software; hardware ignores them. */
export const PTE_RSW_MASK = 0x300;

/** In `hi`: the reserved bits 60:54. */
export const PTE_HI_RESERVED_MASK = 0x1fc00000;
/** In `hi`: the PBMT field, bits 62:61. */
export const PTE_HI_PBMT_MASK = 0x60000000;
/** In `hi`: the N (NAPOT) bit, bit 63. */
export const PTE_HI_N = 0x80000000;
/** In `hi`: PPN[43:22], bits 53:32. */
export const PTE_HI_PPN_MASK = 0x3fffff;

/** Number of PPN bits held in `lo` (PPN[21:0]). */
const LO_PPN_SPAN = 0x400000; // 2^22

/** The 44-bit physical page number of a PTE. */
export function ptePpn(lo: number, hi: number): number {
  return (lo >>> 10) + (hi & PTE_HI_PPN_MASK) * LO_PPN_SPAN;
}

/** The arch-neutral {@link @pagewright/core!index.PteFlag} bits (R W X U G A D) of a PTE: bits 7:1 shifted down. */
export function pteNeutralFlags(lo: number): number {
  return (lo >>> 1) & 0x7f;
}

/** The RSW field (0..3). */
export function pteRsw(lo: number): number {
  return (lo >>> 8) & 3;
}

/** The PBMT field (0 = PMA, 1 = NC, 2 = IO, 3 = reserved). */
export function ptePbmt(hi: number): number {
  return (hi >>> 29) & 3;
}

/** The N (Svnapot) bit. */
export function pteNapot(hi: number): boolean {
  return (hi & PTE_HI_N) !== 0;
}

/** The reserved bits 60:54 as a 7-bit number (0 in every well-formed PTE). */
export function pteReserved(hi: number): number {
  return (hi >>> 22) & 0x7f;
}

/** Fields of a PTE for {@link encodePte}; omitted fields are zero. */
export interface PteFields {
  /** Physical page number, an integer in `[0, 2^44)`. */
  ppn?: number | undefined;
  /** The low byte D A G U X W R V (bits 7:0). */
  bits?: number | undefined;
  /** RSW, 0..3. */
  rsw?: number | undefined;
  /** PBMT, 0..3. */
  pbmt?: number | undefined;
  /** N bit. */
  napot?: boolean | undefined;
  /** Reserved bits 60:54 as a 7-bit number (only to build malformed PTEs in tests). */
  reserved?: number | undefined;
}

/**
 * Builds a PTE from its fields into `out` (cold path: validates and throws a `RangeError` on out-of-range fields).
 */
export function encodePte(fields: PteFields, out: { lo: number; hi: number }): { lo: number; hi: number } {
  const ppn = fields.ppn ?? 0;
  const bits = fields.bits ?? 0;
  const rsw = fields.rsw ?? 0;
  const pbmt = fields.pbmt ?? 0;
  const reserved = fields.reserved ?? 0;
  if (!(Number.isInteger(ppn) && ppn >= 0 && ppn < 2 ** 44))
    throw new RangeError(`PTE ppn out of range: ${ppn}`);
  if (!(Number.isInteger(bits) && bits >= 0 && bits <= 0xff))
    throw new RangeError(`PTE bits out of range: ${bits}`);
  if (!(Number.isInteger(rsw) && rsw >= 0 && rsw <= 3)) throw new RangeError(`PTE rsw out of range: ${rsw}`);
  if (!(Number.isInteger(pbmt) && pbmt >= 0 && pbmt <= 3))
    throw new RangeError(`PTE pbmt out of range: ${pbmt}`);
  if (!(Number.isInteger(reserved) && reserved >= 0 && reserved <= 0x7f)) {
    throw new RangeError(`PTE reserved field out of range: ${reserved}`);
  }
  out.lo = ((ppn % LO_PPN_SPAN) * 1024 + rsw * 256 + bits) >>> 0;
  out.hi =
    ((fields.napot ? PTE_HI_N : 0) | (pbmt << 29) | (reserved << 22) | Math.floor(ppn / LO_PPN_SPAN)) >>> 0;
  return out;
}
