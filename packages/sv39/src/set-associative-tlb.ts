/**
 * The TLBs, re-exported from `@pagewright/tlb` (where they live, shared by every architecture) so that existing
 * `@pagewright/sv39` importers keep working.
 *
 * @module
 */

export {
  isTlb,
  NoTlb,
  parseTlbSpec,
  resolveTlb,
  SetAssociativeTlb,
  type SetAssociativeTlbOptions,
  type TlbSpec,
} from '@pagewright/tlb';
