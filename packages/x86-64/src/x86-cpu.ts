/**
 * {@link X86Cpu}: one x86-64 logical processor's view of memory — CR0, CR3, CR4, IA32_EFER, RFLAGS.AC, PKRU and the
 * CPL, its PCID-tagged TLB with every invalidation of SDM §4.10.4, and the translated loads, stores and fetches.
 *
 * @module
 */

import {
  type MmuHart,
  type PagingArch,
  type PhysicalMemory,
  type Tlb,
  TranslatedAccess,
  type TranslationResult,
} from '@pagewright/core';
import {
  type ServableFlags,
  SetAssociativeTlb,
  TRANSLATION_CACHE_ENTRIES,
  TRANSLATION_CACHE_MASK,
  TranslationCache,
} from '@pagewright/tlb';
import { createX86Fault, type X86Fault, X86Vector } from './fault.js';
import { SERVABLE, servableBase } from './servable.js';
import {
  createX86WalkResult,
  SDM_WALK_OPTIONS,
  walkX86,
  X86Ctl,
  type X86WalkOptions,
  type X86WalkResult,
} from './walk.js';
import { createX86Arch, X86_64, X86PagingArch } from './x86-arch.js';
import { CR4_KNOWN, Cr0, Cr4, Efer, type X86CpuOptions } from './x86-cpu-options.js';

export { Cr0, Cr4, Efer, type X86CpuOptions } from './x86-cpu-options.js';

/** Returned for an `access` that is not 0 (load), 1 (store) or 2 (fetch). */
export const INVALID_ACCESS = -256;

/** The servable-table base of an access type that is not 0, 1 or 2 (no table: the access is invalid). */
const NO_SERVABLE_BASE = -1;
/** `SERVABLE` cut into its 128-entry `ServableFlags` tables: `SERVABLE_BY_BASE[servableBase(ctl, access) / 128]`. */
const SERVABLE_BY_BASE: readonly ServableFlags[] = Array.from({ length: SERVABLE.length / 128 }, (_, i) =>
  SERVABLE.subarray(i * 128, (i + 1) * 128),
);

/**
 * An x86-64 CPU. Linear addresses are numbers in the signed form of {@link X86PagingArch} (upper half negative);
 * {@link X86Cpu.translateAt} takes a signed page number and an offset, exact for every 57-bit address.
 *
 * Semantics:
 * - `translate` serves from the TLB when a cached translation allows the access under the *current* CR0.WP, CR4
 *   SMEP/SMAP/PKE, RFLAGS.AC and CPL, has A = 1, and D = 1 for a store; otherwise it walks (SDM §4.10.2.2 permits
 *   either for an entry whose rights do not allow the access). A successful walk fills the TLB, tagged with the
 *   current PCID (0 when CR4.PCIDE = 0) and global when the leaf has G = 1 under CR4.PGE. A fault is never cached,
 *   and a #PF invalidates the faulting page's entries of the current PCID (SDM §4.10.4.1, "page faults").
 * - A non-canonical address raises #GP(0) without a walk and leaves CR2 alone; a #PF writes CR2.
 * - With CR0.PG = 0 addresses are physical (integers in `[0, 2^32)`; others raise #GP).
 * - Invalid register writes (a reserved bit, a mode change the SDM forbids) change nothing and return false (#GP).
 */
export class X86Cpu extends TranslatedAccess implements MmuHart {
  /** The CPU number. */
  readonly id: number;
  /** The memory the CPU accesses. */
  readonly memory: PhysicalMemory;
  /** The widest paging hardware implemented (MAXPHYADDR, 1 GiB pages, LA57). */
  readonly arch: X86PagingArch;
  /** Options of every walk. */
  readonly walkOptions: X86WalkOptions;
  /** The last fault; valid after a negative return. */
  readonly fault: X86Fault = createX86Fault();
  /** The last walk's details (preallocated, rewritten by every walk). */
  readonly lastWalk: X86WalkResult = createX86WalkResult();

  /** Calls of {@link X86Cpu.translate} and {@link X86Cpu.translateAt} (including the accessors'). */
  get translations(): number {
    return this.cacheHits + this.uncached;
  }

  /** `TranslationCacheOwner`: the translations served by the translation cache so far (its TLB replays them). */
  get translationCacheHits(): number {
    return this.cacheHits;
  }
  /** Page walks. */
  walks = 0;
  /** Faults raised. */
  faults = 0;

  private readonly tlbField: Tlb;
  /** `tlb` when it is exactly a {@link SetAssociativeTlb} (which gets a translation cache), else null. */
  private readonly setTlb: SetAssociativeTlb | null;
  /**
   * The translation cache in front of {@link setTlb} (a detached one, never filled, with any other TLB), and
   * its arrays: a hit there is a TLB hit that the TLB replays to its statistics and policy later (see `TranslationCache`). It serves only
   * translations at the current `ctl` (not implicit supervisor accesses) and is cleared on every register, CPL,
   * AC, PKRU or PCID change.
   */
  private readonly cache: TranslationCache;
  private readonly cacheTags: Float64Array;
  private readonly cacheFrames: Float64Array;
  private readonly cacheSlots: Int32Array;
  private readonly cacheStamps: Float64Array;
  /** Translations served by the translation cache (see {@link X86Cpu.translationCacheHits}). */
  private cacheHits = 0;
  /** Calls of the translate methods not served by the translation cache. */
  private uncached = 0;
  private readonly four: X86PagingArch;
  private readonly five: X86PagingArch | null;
  private active: X86PagingArch;
  private cr0v: number = Cr0.PE | Cr0.PG | Cr0.WP;
  private cr4v: number = Cr4.PAE;
  private eferv: number = Efer.LME | Efer.LMA | Efer.NXE;
  private cr3Pfn = 0;
  private cr3Low = 0;
  private cplv = 0;
  private acv = false;
  private pkruv = 0;
  /** The TLB tag in use: CR3[11:0] with PCIDE, else 0. */
  private tag = 0;
  private paging = true;
  private ctl = 0;
  private implicitCtl = 0;
  private loadBase = 0;
  private storeBase = 0;
  private fetchBase = 0;

  /** @throws RangeError on bad options (cold) */
  constructor(options: X86CpuOptions) {
    super();
    if (!Number.isInteger(options.id) || options.id < 0)
      throw new RangeError('CPU id must be a non-negative integer');
    if (options.memory === undefined) throw new RangeError('X86Cpu needs a PhysicalMemory');
    this.id = options.id;
    this.memory = options.memory;
    this.tlbField = options.tlb ?? new SetAssociativeTlb({ sets: 16, ways: 4, policy: 'lru' });
    // Exactly the class, not a subclass: a subclass may change what lookup means.
    this.setTlb =
      this.tlbField.constructor === SetAssociativeTlb ? (this.tlbField as SetAssociativeTlb) : null;
    const cache =
      this.setTlb === null ? TranslationCache.detached(this) : this.setTlb.attachTranslationCache(this);
    this.cache = cache;
    this.cacheTags = cache.tags;
    this.cacheFrames = cache.frames;
    this.cacheSlots = cache.slots;
    this.cacheStamps = cache.stamps;
    const arch = options.arch ?? X86_64;
    if (!(arch instanceof X86PagingArch)) throw new RangeError('X86Cpu needs an X86PagingArch');
    this.arch = arch;
    const base = { maxPhyAddr: arch.maxPhyAddr, gbPages: arch.gbPages, nxe: true };
    this.four = arch.la57 ? createX86Arch({ ...base, la57: false }) : arch;
    this.five = arch.la57 ? arch : null;
    this.active = this.four;
    this.walkOptions = options.walkOptions ?? SDM_WALK_OPTIONS;
    if (options.la57 === true) {
      if (this.five === null) throw new RangeError('la57 needs an LA57 architecture');
      this.cr4v |= Cr4.LA57;
      this.active = this.five;
    }
    if (options.pge === true) this.cr4v |= Cr4.PGE;
    if (options.pcide === true) this.cr4v |= Cr4.PCIDE;
    if (options.smep === true) this.cr4v |= Cr4.SMEP;
    if (options.smap === true) this.cr4v |= Cr4.SMAP;
    if (options.pke === true) this.cr4v |= Cr4.PKE;
    if (options.wp === false) this.cr0v &= ~Cr0.WP;
    if (options.nxe === false) this.eferv &= ~Efer.NXE;
    this.recompute();
  }

  // ---- MmuHart ------------------------------------------------------------------------------------------------

  /** This CPU's TLB (fixed at construction). */
  get tlb(): Tlb {
    return this.tlbField;
  }
  /** The PCID in use (CR3[11:0] with CR4.PCIDE = 1; 0 otherwise). */
  get asid(): number {
    return this.tag;
  }
  /** The root table's frame (CR3 bits MAXPHYADDR-1:12). */
  get rootPpn(): number {
    return this.cr3Pfn;
  }
  /** CR0.PG. */
  get translating(): boolean {
    return this.paging;
  }
  /** CPL 3. */
  get userMode(): boolean {
    return this.cplv === 3;
  }

  /**
   * MOV to CR3 of `rootPpn` and PCID `asid` **with the no-flush bit** (bit 63) when CR4.PCIDE = 1, so no TLB entry is
   * invalidated. Returns false and changes nothing when `arch` is not the paging mode in use (same name and
   * MAXPHYADDR), the frame is outside MAXPHYADDR, or the PCID is outside `[0, 4096)`. With CR4.PCIDE = 0 only
   * `asid` 0 is accepted, and the load invalidates PCID 0's non-global entries as the SDM requires (there is no
   * no-flush form without PCIDs).
   */
  switchAddressSpace(arch: PagingArch, asid: number, rootPpn: number): boolean {
    const a = this.active;
    if (arch !== a && !(arch.name === a.name && arch.ppnBits === a.ppnBits && arch.levels === a.levels))
      return false;
    if ((this.cr4v & Cr4.PCIDE) === 0 && asid !== 0) return false;
    return this.loadCr3(rootPpn, asid, (this.cr4v & Cr4.PCIDE) !== 0);
  }

  /** Enters user mode: CPL 3. */
  enterUserMode(): void {
    this.cpl = 3;
  }

  // ---- registers ----------------------------------------------------------------------------------------------

  /** CR0 (PE, WP, PG). */
  get cr0(): number {
    return this.cr0v;
  }
  /** CR4 (PAE, PGE, LA57, PCIDE, SMEP, SMAP, PKE). */
  get cr4(): number {
    return this.cr4v;
  }
  /** IA32_EFER (LME, LMA, NXE). */
  get efer(): number {
    return this.eferv;
  }
  /** CR3 as a u64 (cold): root address | PCID (or PWT/PCD bits without PCIDE). */
  get cr3(): bigint {
    return BigInt(this.cr3Pfn) * 4096n + BigInt(this.cr3Low);
  }
  /** The paging mode in use (4-level or LA57). */
  get activeArch(): X86PagingArch {
    return this.active;
  }
  /** The current privilege level: 0 or 3 (other values are ignored). */
  get cpl(): number {
    return this.cplv;
  }
  set cpl(v: number) {
    if (v !== 0 && v !== 3) return;
    this.cplv = v;
    this.recompute();
  }
  /** RFLAGS.AC (lets supervisor code reach user pages under SMAP). */
  get ac(): boolean {
    return this.acv;
  }
  set ac(v: boolean) {
    this.acv = v === true;
    this.recompute();
  }
  /** PKRU (WRPKRU): AD = bit 2k, WD = bit 2k+1 for key k. */
  get pkru(): number {
    return this.pkruv;
  }
  set pkru(v: number) {
    this.pkruv = v >>> 0;
    this.cache.clear();
  }

  /**
   * MOV to CR0. #GP (false, nothing changed) for PG without PE, for enabling paging with EFER.LME but not CR4.PAE,
   * and for clearing PG while CR4.PCIDE = 1. Clearing PG invalidates every TLB entry, global ones included
   * (SDM §4.10.4.1). A WP change invalidates nothing: cached rights are always judged under the current WP.
   */
  writeCr0(value: number): boolean {
    const v = value >>> 0;
    if ((v & ~(Cr0.PE | Cr0.WP | Cr0.PG)) !== 0) return false;
    const pg = (v & Cr0.PG) !== 0;
    if (pg && (v & Cr0.PE) === 0) return false;
    if (pg && !this.paging && (this.eferv & Efer.LME) !== 0 && (this.cr4v & Cr4.PAE) === 0) return false;
    if (!pg && this.paging && (this.cr4v & Cr4.PCIDE) !== 0) return false;
    const wasPaging = this.paging;
    this.cr0v = v;
    this.eferv = (this.eferv & ~Efer.LMA) | (pg && (this.eferv & Efer.LME) !== 0 ? Efer.LMA : 0);
    this.recompute();
    if (wasPaging && !pg) this.tlbField.flushAll();
    return true;
  }

  /**
   * MOV to CR4. #GP (false, nothing changed) for a bit this model does not implement, for LA57 without 5-level
   * hardware or changed in IA-32e mode, for clearing PAE in IA-32e mode, and for setting PCIDE outside IA-32e mode
   * or while CR3[11:0] ≠ 0. TLB effects (SDM §4.10.4.1): a change of PGE, or PCIDE 1 → 0, invalidates every entry
   * of every PCID, global ones included; setting SMEP invalidates the current PCID's non-global entries (this model
   * judges cached rights under the current SMEP anyway).
   */
  writeCr4(value: number): boolean {
    const v = value >>> 0;
    const old = this.cr4v;
    const lma = (this.eferv & Efer.LMA) !== 0;
    if ((v & ~CR4_KNOWN) !== 0) return false;
    if ((v & Cr4.LA57) !== 0 && this.five === null) return false;
    if (lma && ((v ^ old) & Cr4.LA57) !== 0) return false;
    if (lma && (v & Cr4.PAE) === 0) return false;
    if ((v & Cr4.PCIDE) !== 0 && (old & Cr4.PCIDE) === 0 && (!lma || (this.cr3Low & 0xfff) !== 0))
      return false;
    this.cr4v = v;
    this.active = (v & Cr4.LA57) !== 0 && this.five !== null ? this.five : this.four;
    this.recompute();
    const changed = v ^ old;
    if ((changed & Cr4.PGE) !== 0 || ((old & Cr4.PCIDE) !== 0 && (v & Cr4.PCIDE) === 0))
      this.tlbField.flushAll();
    else if ((changed & Cr4.SMEP) !== 0 && (v & Cr4.SMEP) !== 0) this.tlbField.flushAsid(this.tag);
    return true;
  }

  /**
   * WRMSR IA32_EFER. #GP (false) for bits other than LME/LMA/NXE, and for changing LME while paging is on. LMA is
   * read-only (it follows LME and CR0.PG). Invalidates nothing.
   */
  writeEfer(value: number): boolean {
    const v = value >>> 0;
    if ((v & ~(Efer.LME | Efer.LMA | Efer.NXE)) !== 0) return false;
    if (this.paging && ((v ^ this.eferv) & Efer.LME) !== 0) return false;
    const lma = this.paging && (v & Efer.LME) !== 0 ? Efer.LMA : 0;
    this.eferv = (v & ~Efer.LMA) | lma;
    this.recompute();
    return true;
  }

  /**
   * MOV to CR3 in numeric form: root table frame `rootPfn`, low bits `low` (the PCID with CR4.PCIDE = 1; PWT/PCD and
   * ignored bits otherwise), and bit 63 `noFlush`. #GP (false, nothing changed) for a frame outside MAXPHYADDR, low
   * bits outside `[0, 4096)`, or `noFlush` without PCIDE. TLB effects (SDM §4.10.4.1): with PCIDE = 0, every
   * non-global entry (all are PCID 0); with PCIDE = 1 and `noFlush` false, the non-global entries of the new PCID;
   * with `noFlush`, none.
   */
  loadCr3(rootPfn: number, low: number, noFlush = false): boolean {
    if (!(Number.isInteger(rootPfn) && rootPfn >= 0 && rootPfn < 2 ** this.arch.ppnBits)) return false;
    if (!(Number.isInteger(low) && low >= 0 && low < 4096)) return false;
    const pcide = (this.cr4v & Cr4.PCIDE) !== 0;
    if (noFlush && !pcide) return false;
    this.cr3Pfn = rootPfn;
    this.cr3Low = low;
    this.tag = pcide ? low : 0;
    this.cache.clear();
    if (!noFlush) this.tlbField.flushAsid(this.tag);
    return true;
  }

  /** MOV to CR3 of a u64 `value` (cold): bits 51:12 the root, 11:0 the PCID/PWT/PCD, 63 no-flush. */
  writeCr3(value: bigint): boolean {
    const v = BigInt.asUintN(64, value);
    const noFlush = v >> 63n === 1n;
    const body = v & ((1n << 63n) - 1n);
    if (body >> 52n !== 0n) return false;
    return this.loadCr3(Number(body >> 12n), Number(body & 0xfffn), noFlush);
  }

  // ---- invalidation -------------------------------------------------------------------------------------------

  /**
   * INVLPG `va` (a signed-number address; a non-canonical one is a no-op, as on the hardware). The SDM invalidates
   * the page's entries of the current PCID and its global entries of every PCID; the `Tlb` interface has no
   * "globals of this page" scope, so this uses `flushVa` (the page in every PCID), a superset. Invalidating more
   * than required is always permitted (a processor may drop any cached translation at any time, §4.10.2).
   */
  invlpg(va: number): void {
    if (!this.active.isCanonicalNumber(va)) return;
    this.invlpgAt(Math.floor(va / 4096));
  }

  /** INVLPG of the page with signed page number `vpn` (exact for 57-bit addresses); a bad number is a no-op. */
  invlpgAt(vpn: number): void {
    const half = this.active.pageSpan / 2;
    if (!(Number.isInteger(vpn) && vpn >= -half && vpn < half)) return;
    this.tlbField.flushVa(vpn < 0 ? vpn + this.active.pageSpan : vpn);
  }

  /**
   * INVPCID `type` with descriptor (`pcid`, `va`). Returns false (#GP) for a type outside 0..3, a PCID outside
   * `[0, 4096)`, or (type 0) a non-canonical address. Mapped onto the `Tlb` operations:
   * - 0, individual address: `flushVaAsid(page, pcid)` (global entries kept);
   * - 1, single context: `flushAsid(pcid)` (global entries kept);
   * - 2, all contexts including globals: `flushAll()`;
   * - 3, all contexts except globals: not one `Tlb` operation — every PCID holding a non-global entry is found with
   *   `forEach` and given `flushAsid` (exact; a cold path).
   */
  invpcid(type: number, pcid: number, va = 0): boolean {
    if (!(Number.isInteger(pcid) && pcid >= 0 && pcid < 4096)) return false;
    if (type === 0) {
      if (!this.active.isCanonicalNumber(va)) return false;
      const vpn = Math.floor(va / 4096);
      this.tlbField.flushVaAsid(vpn < 0 ? vpn + this.active.pageSpan : vpn, pcid);
      return true;
    }
    return this.invpcidContext(type, pcid);
  }

  /** INVPCID type 0 with a signed page number (exact for 57-bit addresses); false (#GP) for a bad page or PCID. */
  invpcidAt(pcid: number, vpn: number): boolean {
    const half = this.active.pageSpan / 2;
    if (!(Number.isInteger(pcid) && pcid >= 0 && pcid < 4096)) return false;
    if (!(Number.isInteger(vpn) && vpn >= -half && vpn < half)) return false;
    this.tlbField.flushVaAsid(vpn < 0 ? vpn + this.active.pageSpan : vpn, pcid);
    return true;
  }

  private invpcidContext(type: number, pcid: number): boolean {
    if (type === 1) this.tlbField.flushAsid(pcid);
    else if (type === 2) this.tlbField.flushAll();
    else if (type === 3) {
      const tags = new Set<number>();
      this.tlbField.forEach((e) => {
        if (!e.global) tags.add(e.asid);
      });
      for (const t of tags) this.tlbField.flushAsid(t);
    } else return false;
    return true;
  }

  // ---- translation --------------------------------------------------------------------------------------------

  /**
   * Translates `va` (signed form) for `access` (0 load, 1 store, 2 fetch) at the current CPL: the physical address,
   * or `-14` (#PF) / `-13` (#GP) with {@link X86Cpu.fault} filled; {@link INVALID_ACCESS} for a bad access type.
   * Never allocates or throws. Does not check that the PA is memory (the accessors do).
   */
  translate(va: number, access: number): TranslationResult {
    const u = va >>> 0;
    if (u === va && this.paging) {
      // The translation cache first: one compare (a bad access type gives an index no valid entry has). This
      // method stays small so that V8 inlines it into the caller's loop.
      const vpn = u >>> 12;
      const k = access * TRANSLATION_CACHE_ENTRIES + (vpn & TRANSLATION_CACHE_MASK);
      if (this.cacheTags[k] === vpn) {
        const t = this.cacheHits + 1;
        this.cacheHits = t;
        this.cacheStamps[this.cacheSlots[k] as number] = t;
        return (this.cacheFrames[k] as number) * 4096 + (u & 0xfff);
      }
      this.uncached++;
      // The unary plus (here and below) tells V8 the call's result is a number: the inlined hit path's
      // result then stays an unboxed double instead of being boxed (one heap number per hit) to merge with it.
      return +this.lookup(vpn, u & 0xfff, access, this.ctl);
    }
    return +this.translateSlow(va, access, this.ctl);
  }

  /**
   * Translates the address with signed page number `vpn` and page offset `offset` — exact for every 57-bit
   * address. Same results as {@link X86Cpu.translate}; a `vpn` outside the canonical range (or a bad offset) is #GP.
   */
  translateAt(vpn: number, offset: number, access: number): TranslationResult {
    this.uncached++;
    if (access !== 0 && access !== 1 && access !== 2) return this.invalidAccess();
    if (!this.paging) return this.untranslated(vpn * 4096 + offset);
    const span = this.active.pageSpan;
    if (!(Number.isInteger(vpn) && vpn >= -span / 2 && vpn < span / 2 && (offset & 0xfff) === offset)) {
      return this.generalProtection();
    }
    return this.lookup(vpn < 0 ? vpn + span : vpn, offset, access, this.ctl);
  }

  /**
   * An *implicit* supervisor-mode access (a descriptor-table or shadow-stack-like access the CPU makes by itself,
   * whatever the CPL): supervisor rules, error-code U = 0, and SMAP blocks user pages regardless of RFLAGS.AC
   * (SDM §4.6.1).
   */
  translateImplicit(va: number, access: number): TranslationResult {
    return this.translateSlow(va, access, this.implicitCtl);
  }

  private translateSlow(va: number, access: number, ctl: number): number {
    this.uncached++;
    if (access !== 0 && access !== 1 && access !== 2) return this.invalidAccess();
    if (!this.paging) return this.untranslated(va);
    if (!this.active.isCanonicalNumber(va)) return this.generalProtection();
    const vpn = Math.floor(va / 4096);
    const off = va - vpn * 4096;
    return this.lookup(vpn < 0 ? vpn + this.active.pageSpan : vpn, off, access, ctl);
  }

  /** TLB hit test, else a walk; `vpn` is the unsigned page number (the TLB tag). */
  private lookup(vpn: number, off: number, access: number, ctl: number): number {
    const base =
      ctl === this.ctl
        ? access === 0
          ? this.loadBase
          : access === 1
            ? this.storeBase
            : access === 2
              ? this.fetchBase
              : NO_SERVABLE_BASE
        : access === 0 || access === 1 || access === 2
          ? servableBase(ctl, access)
          : NO_SERVABLE_BASE;
    if (base < 0) return this.invalidAccess();
    const setTlb = this.setTlb;
    if (setTlb !== null && ctl === this.ctl) {
      const k = access * TRANSLATION_CACHE_ENTRIES + (vpn & TRANSLATION_CACHE_MASK);
      const servable = SERVABLE_BY_BASE[base / 128] as ServableFlags;
      const ppn = setTlb.lookupPpnCached(vpn, this.tag, servable, this.cache, k);
      return ppn >= 0 ? ppn * 4096 + off : this.walkAndFill(vpn, off, access, ctl);
    }
    const tlb = this.tlbField;
    const slot = tlb.lookup(vpn, this.tag);
    if (slot >= 0 && SERVABLE[base + (tlb.flagsOf(slot) & 0x7f)] === 1)
      return tlb.translate(slot, vpn) * 4096 + off;
    return this.walkAndFill(vpn, off, access, ctl);
  }

  private walkAndFill(vpn: number, off: number, access: number, ctl: number): number {
    this.walks++;
    const w = this.lastWalk;
    const r = walkX86(
      this.active,
      this.memory,
      this.cr3Pfn,
      vpn,
      off,
      access,
      ctl,
      this.pkruv,
      this.walkOptions,
      w,
    );
    if (r < 0) {
      // SDM §4.10.4.1: a page fault invalidates the faulting page's TLB entries of the current PCID.
      this.tlbField.flushVaAsid(vpn, this.tag);
      const span = this.active.pageSpan;
      const signed = vpn >= span / 2 ? vpn - span : vpn;
      this.faults++;
      const f = this.fault;
      f.vector = X86Vector.PageFault;
      f.errorCode = w.errorCode;
      f.cr2Vpn = signed;
      f.cr2Offset = off;
      f.cr2 = signed * 4096 + off;
      return r;
    }
    this.tlbField.insert(vpn, this.tag, w.level, w.pfn, w.flags, w.global);
    return r;
  }

  private untranslated(pa: number): number {
    if (Number.isInteger(pa) && pa >= 0 && pa < 2 ** 32) return pa;
    return this.generalProtection();
  }

  private generalProtection(): number {
    this.faults++;
    this.fault.vector = X86Vector.GeneralProtection;
    this.fault.errorCode = 0;
    return -X86Vector.GeneralProtection;
  }

  private invalidAccess(): number {
    this.fault.vector = 0;
    this.fault.errorCode = 0;
    return INVALID_ACCESS;
  }

  private machineCheck(): number {
    this.faults++;
    this.fault.vector = X86Vector.MachineCheck;
    this.fault.errorCode = 0;
    return -X86Vector.MachineCheck;
  }

  /** Recomputes what depends on the registers, the CPL and AC: the walk's control word and the hit tables. */
  private recompute(): void {
    this.cache.clear();
    this.paging = (this.cr0v & Cr0.PG) !== 0;
    let common = 0;
    if ((this.cr0v & Cr0.WP) !== 0) common |= X86Ctl.Wp;
    if ((this.eferv & Efer.NXE) !== 0) common |= X86Ctl.Nxe;
    if ((this.cr4v & Cr4.SMEP) !== 0) common |= X86Ctl.Smep;
    if ((this.cr4v & Cr4.PKE) !== 0) common |= X86Ctl.Pke;
    if ((this.cr4v & Cr4.PGE) !== 0) common |= X86Ctl.Pge;
    const smap = (this.cr4v & Cr4.SMAP) !== 0;
    this.ctl = common | (this.cplv === 3 ? X86Ctl.User : smap && !this.acv ? X86Ctl.SmapBlock : 0);
    this.implicitCtl = common | (smap ? X86Ctl.SmapBlock : 0);
    this.loadBase = servableBase(this.ctl, 0);
    this.storeBase = servableBase(this.ctl, 1);
    this.fetchBase = servableBase(this.ctl, 2);
  }

  /** `TranslatedAccess.memoryFault`: x86 has no access fault; a PA that is not memory is a machine check (#MC). */
  protected memoryFault(): number {
    return this.machineCheck();
  }
}

/**
 * Builds the CPU a machine uses as hart `hartIndex`: shared `memory`, this CPU's `tlb`, 64-bit mode with paging on
 * and the features Linux x86-64 enables — CR0.WP, EFER.NXE, CR4.PGE, CR4.PCIDE (so that `switchAddressSpace` never
 * flushes), CR4.SMEP and CR4.SMAP — and the SDM's walk semantics. `arch` picks 4-level (default) or LA57.
 */
export function createX86Cpu(
  memory: PhysicalMemory,
  tlb: Tlb,
  hartIndex: number,
  options: { arch?: X86PagingArch | undefined; walkOptions?: X86WalkOptions | undefined } = {},
): X86Cpu {
  const arch = options.arch ?? X86_64;
  return new X86Cpu({
    id: hartIndex,
    memory,
    tlb,
    arch,
    la57: arch.la57,
    walkOptions: options.walkOptions,
    pge: true,
    pcide: true,
    smep: true,
    smap: true,
  });
}
