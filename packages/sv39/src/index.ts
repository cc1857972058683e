/**
 * `@pagewright/sv39`: the RISC-V Sv39/Sv48 MMU: page walk, ASID-tagged TLBs, harts and sfence.vma.
 *
 * @packageDocumentation
 */

export {};
