// A two-level paging architecture in the style of x86: 512-entry tables, 30-bit virtual addresses (a 512 MiB user
// half), no readable bit (present means readable), Write and User combined across both levels, no-execute in bit
// 63, PS (bit 7) for a 2 MiB leaf at the root level, A = bit 5, D = bit 6, G = bit 8. It implements
// @pagewright/core's PagingArch; the Machine runs it on the generic Hart, which walks any PagingArch.
//
// Use it from the command line:   pnpm -s pagewright demo --arch ./examples/plugins/two-level-paging-arch.mjs
// or from code:                   new Machine({ arch: twoLevel })
import { Access, PteFlag, PteKind } from '@pagewright/core';

const P = 1;
const RW = 2;
const US = 4;
const A = 0x20;
const D = 0x40;
const PS = 0x80;
const G = 0x100;
const NX_HI = 0x8000_0000;

/** @implements {import('@pagewright/core').PagingArch} */
export class TwoLevelArch {
  name = 'two-level';
  levels = 2;
  bitsPerLevel = 9;
  entriesPerTable = 512;
  pteSize = 8;
  vaBits = 30;
  ppnBits = 28;
  asidBits = 12;
  maxLeafLevel = 1;
  rightsCombineAcrossLevels = true;
  userStart = 0;
  userEnd = 2 ** 29;

  pageSizeAt(level) {
    return 4096 * 512 ** level;
  }
  indexAt(vpn, level) {
    return Math.floor(vpn / 512 ** level) % 512;
  }
  isCanonical(va) {
    const v = BigInt.asIntN(64, va);
    return v >= -(2n ** 29n) && v < 2n ** 29n;
  }
  kind(lo, hi, level) {
    if ((lo & P) === 0) return PteKind.Invalid;
    if (level === 1 && (lo & PS) === 0) return PteKind.Table;
    if (level === 0 && (lo & PS) !== 0) return PteKind.Malformed; // PS is reserved in a last-level entry
    if (level === 1 && this.ppn(lo, hi) % 512 !== 0) return PteKind.Malformed; // a misaligned 2 MiB leaf
    return PteKind.Leaf;
  }
  ppn(lo, hi) {
    return (lo >>> 12) + (hi & 0xff) * 2 ** 20;
  }
  flags(lo, hi) {
    return (
      PteFlag.Read |
      (lo & RW ? PteFlag.Write : 0) |
      (lo & US ? PteFlag.User : 0) |
      (hi & NX_HI ? 0 : PteFlag.Exec) |
      (lo & A ? PteFlag.Accessed : 0) |
      (lo & D ? PteFlag.Dirty : 0) |
      (lo & G ? PteFlag.Global : 0)
    );
  }
  bits(ppn, flags, extra, out) {
    out.lo =
      ((ppn % 2 ** 20) * 4096 +
        P +
        extra +
        (flags & PteFlag.Write ? RW : 0) +
        (flags & PteFlag.User ? US : 0) +
        (flags & PteFlag.Accessed ? A : 0) +
        (flags & PteFlag.Dirty ? D : 0) +
        (flags & PteFlag.Global ? G : 0)) >>>
      0;
    out.hi = (Math.floor(ppn / 2 ** 20) | (flags & PteFlag.Exec ? 0 : NX_HI)) >>> 0;
    return out;
  }
  encodeLeaf(ppn, flags, level, out) {
    return this.bits(ppn, flags, level === 1 ? PS : 0, out);
  }
  encodeTable(ppn, out) {
    // Table entries allow everything: the leaf decides (the rights combine, so a table entry could only take away).
    return this.bits(ppn, PteFlag.Write | PteFlag.User | PteFlag.Exec | PteFlag.Accessed, 0, out);
  }
  withFlags(lo, hi, flags, out) {
    return this.bits(this.ppn(lo, hi), flags, lo & PS, out);
  }
  leafAllows(flags, access, ctx) {
    const user = (flags & PteFlag.User) !== 0;
    if (ctx.privilege === 0 ? !user : user && (access === Access.Fetch || !ctx.sum)) return false;
    if (access === Access.Fetch) return (flags & PteFlag.Exec) !== 0;
    if (access === Access.Store) return (flags & PteFlag.Write) !== 0;
    return (flags & PteFlag.Read) !== 0 || (ctx.mxr && (flags & PteFlag.Exec) !== 0);
  }
}

/** The plug-in: a factory of the architecture (one instance per machine). */
export default function twoLevel() {
  return new TwoLevelArch();
}
