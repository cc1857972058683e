/**
 * {@link Hart}: one RISC-V hardware thread's view of memory — privilege, `satp`, SUM/MXR, its own TLB — and the
 * translated loads, stores and fetches built on it. It implements core's `MmuHart`, and translates with any
 * `PagingArch` (RISC-V's own walk for Sv39/Sv48, a generic walk over the interface for any other).
 *
 * @module
 */

import {
  type AccessContext,
  type MmuHart,
  type PagingArch,
  type PhysicalMemory,
  type Tlb,
  TranslatedAccess,
  type TranslationResult,
} from '@pagewright/core';
import {
  NEVER_SERVABLE,
  type ServableFlags,
  SetAssociativeTlb,
  TRANSLATION_CACHE_ENTRIES,
  TRANSLATION_CACHE_MASK,
  TranslationCache,
} from '@pagewright/tlb';
import { servableTables } from './cached-rights.js';
import { walkPagingArch } from './paging-arch-walk.js';
import { createSv39, RiscvPagingArch, SatpMode, Sv39 } from './riscv-arch.js';
import {
  type AdPolicy,
  createWalkResult,
  type PteReadFault,
  type WalkOptions,
  type WalkResult,
  walk,
} from './walk.js';

/** The `satp.MODE` of a hart by name. */
export type SatpModeName = 'bare' | 'sv39' | 'sv48';

/** Returned by {@link Hart.translate} and the accessors for an argument that is not an access type (0, 1, 2). */
export const INVALID_ACCESS = -256;

/** `satp.MODE` value this model uses for the one non-RISC-V architecture of a {@link Hart} (reserved for custom use). */
const GENERIC_MODE = 14;

/** Options of {@link Hart}. */
export interface HartOptions<A extends PagingArch = RiscvPagingArch> {
  /** Hart id (`mhartid`). */
  id: number;
  /** Physical memory, shared by every hart of a machine. */
  memory: PhysicalMemory;
  /** This hart's TLB (default: 16 sets × 4 ways, LRU). */
  tlb?: Tlb | undefined;
  /**
   * The widest paging mode the hart implements, with its extensions: `Sv39` (default; modes Bare and Sv39) or an
   * Sv48 instance (Bare, Sv39 and Sv48 — "Sv48 implies Sv39"). Any other `PagingArch` gives a hart with modes Bare
   * and that architecture, translated by a generic walk over the `PagingArch` interface ({@link walkPagingArch});
   * it needs 8-byte PTEs and at most 5 levels.
   */
  arch?: A | undefined;
  /** A/D policy (default `'hardware'`). */
  adPolicy?: AdPolicy | undefined;
  /** Fault for a PTE outside memory (default `'access'`, the spec's; `'page'` is QEMU 7.2's). */
  pteReadFault?: PteReadFault | undefined;
  /** Initial privilege (default 1, S-mode). */
  privilege?: number | undefined;
}

/** Where the last fault of a {@link Hart} is described (preallocated, rewritten on every fault). */
export interface HartFault {
  /** RISC-V cause (1, 5, 7, 12, 13, 15), or 0 after {@link INVALID_ACCESS}. */
  cause: number;
  /** The faulting VA (signed-number form), as `stval` would hold it. */
  tval: number;
}

/** Page-fault cause by access. */
const PAGE_FAULT = [13, 15, 12];
/** Access-fault cause by access. */
const ACCESS_FAULT = [5, 7, 1];

/**
 * A hart. Virtual addresses are numbers in the signed form of {@link RiscvPagingArch} (upper-half VAs negative;
 * the same form, over `vaBits`, for another architecture); physical addresses are non-negative numbers.
 *
 * Semantics:
 * - `translate` uses the TLB and walks on a miss, on a cached entry whose rights do not allow the access, or on a
 *   store to an entry cached with D = 0 (the A/D update must not use the cache); a successful walk fills the TLB.
 *   A fault is never cached. So a stale entry can only make an access *succeed* where memory says otherwise, the
 *   way real hardware does until `sfence.vma`.
 * - M-mode and `satp.MODE = Bare` do not translate (PA = VA).
 * - Writing satp neither flushes nor orders (spec); SUM, MXR, privilege and ASID changes act immediately.
 * - The accessors (`load*`, `store*`, `fetch`) also report an access fault (1/5/7) when the PA is not memory.
 *
 * As a core `MmuHart`:
 * - `tlb` is fixed at construction: it is a getter with no setter (assigning it throws a `TypeError` in strict
 *   mode), and every translation uses the TLB given to the constructor, whatever is done to the property.
 * - `translating` is true when `translate` goes through the page tables: `satp.MODE` ≠ Bare and privilege ≠ M.
 * - `userMode` is true in U-mode (privilege 0); `enterUserMode()` sets privilege 0 (SUM, MXR and satp unchanged).
 * - `switchAddressSpace(arch, asid, rootPpn)` is a `satp` write of the mode `arch` names (Sv39 or Sv48 for a
 *   {@link RiscvPagingArch} by its level count — the hart's own extensions apply; for a hart built with another
 *   architecture, exactly that instance) with that ASID and root, and no flush; false, with nothing changed, for
 *   an architecture the hart does not implement or an ASID/PPN out of range (as {@link Hart.writeSatp}).
 *
 * @example
 * ```ts
 * import { Access, PteFlag } from '@pagewright/core';
 * import { SparsePhysicalMemory } from '@pagewright/frames';
 * import { Hart, Sv39 } from '@pagewright/sv39';
 *
 * const memory = new SparsePhysicalMemory({ size: 16 * 2 ** 20 });
 * const root = memory.baseFrame; // three tables in the first frames, mapping page 0x10 to frame root + 3
 * const pte = { lo: 0, hi: 0 };
 * for (let level = 2; level > 0; level--) {
 *   Sv39.encodeTable(root + 3 - level, pte);
 *   memory.write64((root + 2 - level) * 4096 + Sv39.indexAt(0x10, level) * 8, pte.lo, pte.hi);
 * }
 * const leaf = PteFlag.Read | PteFlag.Write | PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
 * Sv39.encodeLeaf(root + 3, leaf, 0, pte);
 * memory.write64((root + 2) * 4096 + Sv39.indexAt(0x10, 0) * 8, pte.lo, pte.hi);
 *
 * const hart = new Hart({ id: 0, memory, arch: Sv39 });
 * hart.switchAddressSpace(Sv39, 1, root); // satp: Sv39, ASID 1, no flush
 * hart.enterUserMode();
 * console.log(hart.translate(0x10123, Access.Store) === (root + 3) * 4096 + 0x123); // true
 * console.log(hart.translate(0x20000, Access.Load), hart.fault.cause); // -13 13 (a load page fault)
 * console.log(hart.tlb.stats.misses, hart.tlb.stats.fills); // 2 1
 * ```
 */
export class Hart<A extends PagingArch = RiscvPagingArch>
  extends TranslatedAccess
  implements AccessContext, MmuHart
{
  /** Hart id. */
  readonly id: number;
  /** The memory the hart accesses. */
  readonly memory: PhysicalMemory;
  /** The widest architecture implemented. */
  readonly arch: A;
  /** Options given to every walk. */
  readonly walkOptions: WalkOptions;
  /** The last fault (cause and tval); valid after a negative return. */
  readonly fault: HartFault = { cause: 0, tval: 0 };
  /** The last walk's details (preallocated, rewritten by every walk). */
  readonly lastWalk: WalkResult = createWalkResult();

  /**
   * Calls of {@link Hart.translate} (including those made by the accessors): counted lazily, as the hits of the
   * translation cache (its clock) plus every other call, so the hit path counts nothing.
   */
  get translations(): number {
    return this.cacheHits + this.uncached;
  }

  /** `TranslationCacheOwner`: the translations served by the translation cache so far (its TLB replays them). */
  get translationCacheHits(): number {
    return this.cacheHits;
  }
  /** Page walks performed (TLB misses, and re-walks for rights or D). */
  walks = 0;
  /** Translations or accesses that faulted. */
  faults = 0;

  /** `satp.ASID` (assigning it directly acts like a `satp` write of that ASID, with no flush). */
  get asid(): number {
    return this.asidValue;
  }
  set asid(v: number) {
    this.asidValue = v;
    this.cache.clear();
  }
  /** `satp.PPN`: the root page-table frame. */
  rootPpn = 0;

  /** The TLB given to the constructor: the one every translation uses. */
  private readonly tlbRef: Tlb;
  private asidValue = 0;
  /**
   * The translation cache in front of {@link setTlb} (a detached one, never filled, with any other TLB), and its
   * arrays: a hit there is a TLB hit replayed to the TLB later (see `TranslationCache`). Cleared on every change of
   * ASID, satp or rights.
   */
  private readonly cache: TranslationCache;
  private readonly cacheTags: Float64Array;
  private readonly cacheFrames: Float64Array;
  private readonly cacheSlots: Int32Array;
  private readonly cacheStamps: Float64Array;
  /** Translations served by the translation cache (see {@link Hart.translationCacheHits}). */
  private cacheHits = 0;
  /** Calls of `translate` not served by the translation cache. */
  private uncached = 0;
  private mode: number = SatpMode.Bare;
  private active: RiscvPagingArch;
  private readonly sv39: RiscvPagingArch;
  private readonly sv48: RiscvPagingArch | null;
  /** `arch` when it is not a {@link RiscvPagingArch} (walked by {@link walkPagingArch}), else null. */
  private readonly generic: PagingArch | null;
  /** The canonical signed-VA range of the current mode: `[vaMin, vaMin + vaSpan)`. */
  private vaMin: number;
  private vaMax: number;
  private vaSpan: number;
  /** `servableTables(arch)`: the ServableFlags table of each (privilege, SUM, MXR) context × access. */
  private readonly servable: readonly ServableFlags[];
  private priv = 1;
  private sumBit = false;
  private mxrBit = false;
  /** `tlb` when it is exactly a {@link SetAssociativeTlb} (the one-call hit path), else null. */
  private readonly setTlb: SetAssociativeTlb | null;
  /** True when translations happen (satp not Bare, privilege not M): then a VA in `[0, 2^32)` takes the fast path. */
  private translatesNow = false;
  /** `translatesNow` and every VA in `[0, 2^32)` is canonical in the current mode: the 32-bit fast path. */
  private fast32 = false;
  /** The servable table of (privilege, SUM, MXR) for loads, stores and fetches, recomputed on each change. */
  private loadServable: ServableFlags = NEVER_SERVABLE;
  private storeServable: ServableFlags = NEVER_SERVABLE;
  private fetchServable: ServableFlags = NEVER_SERVABLE;

  /** @throws RangeError on bad options (cold). */
  constructor(options: HartOptions<A>) {
    super();
    if (!Number.isInteger(options.id) || options.id < 0)
      throw new RangeError(`hart id must be a non-negative integer`);
    if (options.memory === undefined) throw new RangeError('Hart needs a PhysicalMemory');
    this.id = options.id;
    this.memory = options.memory;
    const tlb = options.tlb ?? new SetAssociativeTlb({ sets: 16, ways: 4, policy: 'lru' });
    this.tlbRef = tlb;
    // Exactly the class, not a subclass: a subclass may change what lookup/translate/flagsOf mean.
    this.setTlb = tlb.constructor === SetAssociativeTlb ? (tlb as SetAssociativeTlb) : null;
    const cache =
      this.setTlb === null ? TranslationCache.detached(this) : this.setTlb.attachTranslationCache(this);
    this.cache = cache;
    this.cacheTags = cache.tags;
    this.cacheFrames = cache.frames;
    this.cacheSlots = cache.slots;
    this.cacheStamps = cache.stamps;
    const arch: PagingArch = options.arch ?? Sv39;
    this.arch = arch as A;
    if (arch instanceof RiscvPagingArch) {
      this.generic = null;
      this.sv39 = arch.levels === 3 ? arch : createSv39(arch.options);
      this.sv48 = arch.levels === 4 ? arch : null;
    } else {
      checkGenericArch(arch);
      this.generic = arch;
      this.sv39 = Sv39;
      this.sv48 = null;
    }
    this.active = this.sv39;
    this.vaMin = this.sv39.vaMin;
    this.vaMax = this.sv39.vaMax;
    this.vaSpan = this.sv39.vaSpan;
    this.servable = servableTables(arch);
    const adPolicy = options.adPolicy ?? 'hardware';
    const pteReadFault = options.pteReadFault ?? 'access';
    if (adPolicy !== 'hardware' && adPolicy !== 'svade')
      throw new RangeError(`unknown A/D policy "${adPolicy}"`);
    if (pteReadFault !== 'page' && pteReadFault !== 'access') {
      throw new RangeError(`unknown pteReadFault "${pteReadFault}"`);
    }
    this.walkOptions = Object.freeze({ adPolicy, pteReadFault });
    const privilege = options.privilege ?? 1;
    if (privilege !== 0 && privilege !== 1 && privilege !== 3)
      throw new RangeError(`privilege must be 0, 1 or 3`);
    this.priv = privilege;
    this.recomputePermissions();
  }

  /** Effective privilege: 0 U, 1 S, 3 M. Other values are ignored. */
  get privilege(): number {
    return this.priv;
  }
  set privilege(p: number) {
    if (p !== 0 && p !== 1 && p !== 3) return;
    this.priv = p;
    this.recomputePermissions();
  }
  /** `mstatus.SUM`. */
  get sum(): boolean {
    return this.sumBit;
  }
  set sum(v: boolean) {
    this.sumBit = v === true;
    this.recomputePermissions();
  }
  /** `mstatus.MXR`. */
  get mxr(): boolean {
    return this.mxrBit;
  }
  set mxr(v: boolean) {
    this.mxrBit = v === true;
    this.recomputePermissions();
  }

  /** This hart's TLB: the one given to the constructor, for the hart's whole life (a getter: not assignable). */
  get tlb(): Tlb {
    return this.tlbRef;
  }

  /** `MmuHart.translating`: `satp.MODE` ≠ Bare and privilege ≠ M, so `translate` goes through the page tables. */
  get translating(): boolean {
    return this.translatesNow;
  }

  /** `MmuHart.userMode`: true in U-mode (privilege 0). */
  get userMode(): boolean {
    return this.priv === 0;
  }

  /** `MmuHart.enterUserMode`: privilege 0 (U-mode); SUM, MXR, satp and the TLB are unchanged. */
  enterUserMode(): void {
    this.privilege = 0;
  }

  /**
   * `MmuHart.switchAddressSpace`: writes `satp` with the mode of `arch`, `asid` and `rootPpn`, without a flush.
   * A {@link RiscvPagingArch} names Sv39 or Sv48 by its levels (the hart's own extensions apply); on a hart built
   * with another architecture, exactly that instance names its mode. Returns false, with nothing changed, for an
   * architecture the hart does not implement, or an ASID or PPN out of range.
   */
  switchAddressSpace(arch: PagingArch, asid: number, rootPpn: number): boolean {
    if (arch instanceof RiscvPagingArch) {
      if (this.generic !== null) return false;
      return this.writeSatp(arch.levels === 3 ? 'sv39' : 'sv48', asid, rootPpn);
    }
    if (arch !== this.generic) return false;
    return this.writeSatp(arch.name, asid, rootPpn);
  }

  /** `satp.MODE` by name: `'bare'`, `'sv39'`, `'sv48'`, or the name of a non-RISC-V architecture in use. */
  get satpMode(): SatpModeName | (string & {}) {
    if (this.mode === GENERIC_MODE && this.generic !== null) return this.generic.name;
    return this.mode === SatpMode.Bare ? 'bare' : this.mode === SatpMode.Sv39 ? 'sv39' : 'sv48';
  }

  /**
   * The RISC-V architecture of the current mode (Sv39 when Bare). On a hart built with a non-RISC-V architecture
   * it is Sv39 and unused: see {@link Hart.pagingArch}.
   */
  get activeArch(): RiscvPagingArch {
    return this.active;
  }

  /** The architecture whose tables the current mode walks (the RISC-V mode's, or the non-RISC-V one; Sv39 when Bare). */
  get pagingArch(): PagingArch {
    return this.mode === GENERIC_MODE && this.generic !== null ? this.generic : this.active;
  }

  /** The whole `satp` register as a u64 (cold). */
  get satp(): bigint {
    return (BigInt(this.mode) << 60n) | (BigInt(this.asid) << 44n) | BigInt(this.rootPpn);
  }

  /**
   * Writes `satp`. A MODE the hart does not implement (anything but Bare, Sv39 and — on an Sv48 hart — Sv48), an
   * ASID outside `[0, 2^16)` or a PPN outside `[0, 2^44)` makes the whole write have no effect and returns false.
   * On a hart built with a non-RISC-V architecture, the modes are Bare and that architecture's `name`, with the
   * ASID below `2^asidBits` and the PPN below `2^ppnBits`.
   * Does not flush the TLB (the spec: "writing satp neither orders nor invalidates").
   */
  writeSatp(mode: SatpModeName | (string & {}) | number, asid: number, ppn: number): boolean {
    const generic = this.generic;
    let m: number;
    if (mode === 'bare' || mode === SatpMode.Bare) m = SatpMode.Bare;
    else if (generic !== null) {
      if (mode !== generic.name) return false;
      m = GENERIC_MODE;
    } else if (mode === 'sv39' || mode === SatpMode.Sv39) m = SatpMode.Sv39;
    else if ((mode === 'sv48' || mode === SatpMode.Sv48) && this.sv48 !== null) m = SatpMode.Sv48;
    else return false;
    const asidLimit = generic === null ? 2 ** 16 : 2 ** generic.asidBits;
    const ppnLimit = generic === null ? 2 ** 44 : 2 ** generic.ppnBits;
    if (!(Number.isInteger(asid) && asid >= 0 && asid < asidLimit)) return false;
    if (!(Number.isInteger(ppn) && ppn >= 0 && ppn < ppnLimit)) return false;
    this.mode = m;
    this.active = m === SatpMode.Sv48 && this.sv48 !== null ? this.sv48 : this.sv39;
    if (m === GENERIC_MODE && generic !== null) {
      this.vaSpan = 2 ** generic.vaBits;
      this.vaMin = -this.vaSpan / 2;
      this.vaMax = this.vaSpan / 2;
    } else {
      this.vaMin = this.active.vaMin;
      this.vaMax = this.active.vaMax;
      this.vaSpan = this.active.vaSpan;
    }
    this.asid = asid;
    this.rootPpn = ppn;
    this.recomputePermissions();
    return true;
  }

  /**
   * `sfence.vma`: with no arguments, everything; `asid` only: that ASID's non-global entries; `vpn` only: the
   * entries for that page in every ASID; both: that page in that ASID, global entries kept. `vpn` is a virtual page
   * number (VA / 4096; an upper-half page may be given negative). ASID bits above 16 are ignored (spec: "rs2 bits
   * above ASIDLEN are ignored"); a `vpn` that is not an integer page of the current mode is a no-op.
   */
  sfenceVma(vpn?: number, asid?: number): void {
    const tlb = this.tlbRef;
    if (vpn === undefined) {
      if (asid === undefined) tlb.flushAll();
      else tlb.flushAsid(asid & 0xffff);
      return;
    }
    const pages = this.vaSpan / 4096;
    if (!(Number.isInteger(vpn) && vpn >= -pages / 2 && vpn < pages)) return;
    const n = vpn < 0 ? vpn + pages : vpn;
    if (asid === undefined) tlb.flushVa(n);
    else tlb.flushVaAsid(n, asid & 0xffff);
  }

  /**
   * Translates `va` for `access` (0 load, 1 store/AMO, 2 fetch): the physical address (≥ 0), or `-cause` with
   * {@link Hart.fault} filled ({@link INVALID_ACCESS} for a bad access type). Never allocates or throws.
   * Does not check that the PA is memory (the accessors do).
   */
  translate(va: number, access: number): TranslationResult {
    const u = va >>> 0;
    if (u === va && this.fast32) {
      // An integer VA in [0, 2^32), canonical in the current mode (Sv39, Sv48), so 32-bit shifts are exact. The
      // translation cache first: one compare (a bad access type gives an index no valid entry has). This method
      // stays small so that V8 inlines it into the caller's loop.
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
      return +this.lookupTlb(va, access, vpn, u & 0xfff, k);
    }
    return +this.translateGeneral(va, access);
  }

  /** {@link translate} of a VA outside the 32-bit fast path. */
  private translateGeneral(va: number, access: number): number {
    if (!this.translatesNow) {
      this.uncached++;
      return this.untranslated(va, access);
    }
    if (!(va >= this.vaMin && va < this.vaMax)) {
      this.uncached++;
      return this.slowPath(va, access, -1);
    }
    const v = va < 0 ? va + this.vaSpan : va;
    const off = v & 0xfff; // exact: ToInt32 keeps the low 32 bits of any integer below 2^53
    const vpn = (v - off) / 4096; // a non-integer VA gives a non-integer vpn, which no entry matches
    const k = access * TRANSLATION_CACHE_ENTRIES + (vpn & TRANSLATION_CACHE_MASK);
    if (this.cacheTags[k] === vpn) {
      const t = this.cacheHits + 1;
      this.cacheHits = t;
      this.cacheStamps[this.cacheSlots[k] as number] = t;
      return (this.cacheFrames[k] as number) * 4096 + off;
    }
    this.uncached++;
    return this.lookupTlb(va, access, vpn, off, k);
  }

  /** The TLB lookup after a translation-cache miss (`k`: the cache index of `vpn` and `access`), else a walk. */
  private lookupTlb(va: number, access: number, vpn: number, off: number, k: number): number {
    const servable =
      access === 0
        ? this.loadServable
        : access === 1
          ? this.storeServable
          : access === 2
            ? this.fetchServable
            : NEVER_SERVABLE;
    const setTlb = this.setTlb;
    if (setTlb !== null) {
      const ppn = setTlb.lookupPpnCached(vpn, this.asidValue, servable, this.cache, k);
      return ppn >= 0 ? ppn * 4096 + off : this.slowPath(va, access, vpn);
    }
    const tlb = this.tlbRef;
    const slot = tlb.lookup(vpn, this.asidValue);
    if (slot >= 0 && servable[tlb.flagsOf(slot) & 0x7f] !== 0) return tlb.translate(slot, vpn) * 4096 + off;
    return this.slowPath(va, access, vpn);
  }

  private untranslated(va: number, access: number): number {
    if (access !== 0 && access !== 1 && access !== 2) return this.invalidAccess(va);
    if (Number.isInteger(va) && va >= 0) return va;
    return this.raise(ACCESS_FAULT[access] as number, va);
  }

  private invalidAccess(va: number): number {
    this.fault.cause = 0;
    this.fault.tval = va;
    return INVALID_ACCESS;
  }

  private raise(cause: number, va: number): number {
    this.faults++;
    this.fault.cause = cause;
    this.fault.tval = va;
    return -cause;
  }

  private slowPath(va: number, access: number, vpn: number): number {
    if (access !== 0 && access !== 1 && access !== 2) return this.invalidAccess(va);
    this.walks++;
    const r =
      this.mode === GENERIC_MODE && this.generic !== null
        ? walkPagingArch(
            this.generic,
            this.memory,
            this.rootPpn,
            va,
            access,
            this,
            this.walkOptions,
            this.lastWalk,
          )
        : walk(this.active, this.memory, this.rootPpn, va, access, this, this.walkOptions, this.lastWalk);
    if (r < 0) return this.raise(-r, va);
    const w = this.lastWalk;
    if (vpn >= 0) this.tlbRef.insert(vpn, this.asidValue, w.level, Math.floor(r / 4096), w.flags, w.global);
    return r;
  }

  /** Recomputes what depends on privilege, SUM, MXR and satp.MODE: the fast-path switch and the rights bits. */
  private recomputePermissions(): void {
    this.cache.clear();
    this.translatesNow = this.mode !== SatpMode.Bare && this.priv !== 3;
    this.fast32 = this.translatesNow && this.vaMax >= 2 ** 32;
    const base = ((this.priv === 0 ? 0 : 4) + (this.sumBit ? 2 : 0) + (this.mxrBit ? 1 : 0)) * 3;
    this.loadServable = this.servable[base] as ServableFlags;
    this.storeServable = this.servable[base + 1] as ServableFlags;
    this.fetchServable = this.servable[base + 2] as ServableFlags;
  }

  /** `TranslatedAccess.memoryFault`: a PA that is not memory is an access fault (1 fetch, 5 load, 7 store). */
  protected memoryFault(va: number, access: number): number {
    return this.raise(ACCESS_FAULT[access] as number, va);
  }
}

/** Refuses (cold) a non-RISC-V architecture the generic walk cannot handle. */
function checkGenericArch(arch: PagingArch): void {
  if (arch.pteSize !== 8)
    throw new RangeError(`Hart walks 8-byte PTEs only; ${arch.name} has ${arch.pteSize}`);
  if (!(Number.isInteger(arch.levels) && arch.levels >= 1 && arch.levels <= 5)) {
    throw new RangeError(`Hart walks 1 to 5 levels; ${arch.name} has ${arch.levels}`);
  }
  if (!(arch.vaBits >= 13 && arch.vaBits <= 53)) {
    throw new RangeError(`Hart needs 13 to 53 VA bits; ${arch.name} has ${arch.vaBits}`);
  }
  if (!(arch.asidBits >= 0 && arch.asidBits <= 16)) {
    throw new RangeError(`Hart needs 0 to 16 ASID bits; ${arch.name} has ${arch.asidBits}`);
  }
}

/** Page-fault cause for an access type (0 load → 13, 1 store → 15, 2 fetch → 12). */
export function pageFaultFor(access: number): number {
  return PAGE_FAULT[access] ?? 13;
}
