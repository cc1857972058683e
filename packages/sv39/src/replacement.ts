/**
 * The TLB replacement policies, re-exported from `@pagewright/tlb` (where they live, shared by every architecture)
 * so that existing `@pagewright/sv39` importers keep working.
 *
 * @module
 */

export {
  BUILTIN_REPLACEMENT_POLICIES,
  createReplacementPolicy,
  FifoPolicy,
  isReplacementPolicy,
  isReplacementPolicyName,
  LruPolicy,
  RandomPolicy,
  REPLACEMENT_POLICY_NAMES,
  type ReplacementPolicy,
  type ReplacementPolicyContext,
  type ReplacementPolicyName,
  type ReplacementPolicySpec,
  resolveReplacementPolicy,
  TreePlruPolicy,
} from '@pagewright/tlb';
