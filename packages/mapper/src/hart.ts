/**
 * The parts of a CPU the mapper uses, as views of core's {@link MmuHart}: any `MmuHart` — `@pagewright/sv39`'s
 * `Hart`, `@pagewright/x86-64`'s `X86Cpu`, a user's own CPU model — is both. The mapper never imports an
 * architecture package.
 *
 * @module
 */

import type { MmuHart } from '@pagewright/core';

/**
 * A CPU as a flusher or the stale-TLB detector sees it: its id, its TLB and the address space it runs (ASID / PCID
 * and root frame). The address space of a mapper is active on a CPU whose `rootPpn` equals the mapper's root.
 */
export interface TlbHart extends Pick<MmuHart, 'id' | 'tlb' | 'asid' | 'rootPpn'> {}

/**
 * A CPU the `AsidAllocator` switches between address spaces: a {@link TlbHart} with
 * `MmuHart.switchAddressSpace` (RISC-V: a `satp` write; x86-64: a CR3 load with the PCID no-flush bit).
 */
export interface SwitchableHart extends TlbHart, Pick<MmuHart, 'switchAddressSpace'> {}
