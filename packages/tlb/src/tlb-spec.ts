/**
 * TLBs named by options: {@link parseTlbSpec} reads the `SETSxWAYS[:POLICY]` / `off` strings of `--tlb`, and
 * {@link resolveTlb} turns a per-CPU TLB `PluginSpec` (a spec string, an instance or a factory) into the TLB of one
 * hart, for a machine's composition root.
 *
 * @module
 */

import {
  type HartPluginContext,
  isClassConstructor,
  PluginContractError,
  type PluginSpec,
  type Rng,
  type Tlb,
} from '@pagewright/core';
import { NoTlb } from './no-tlb.js';
import { REPLACEMENT_POLICY_NAMES } from './policy-registry.js';
import { SetAssociativeTlb } from './set-associative-tlb.js';

/**
 * Builds a TLB from a spec string, as the CLI's `--tlb` flag gives it:
 * - `SETSxWAYS[:POLICY]` — e.g. `16x4:lru` is 16 sets × 4 ways (64 entries) with LRU; `1x64:fifo` is fully
 *   associative; `256x1` is direct-mapped (policy defaults to `lru`). POLICY is a name in
 *   `BUILTIN_REPLACEMENT_POLICIES` (`lru`, `fifo`, `random`, `plru`).
 * - `off` or `none` — a {@link NoTlb}.
 *
 * @param rng - randomness for `random` (default seed 1)
 * @throws RangeError with the reason on malformed input
 */
export function parseTlbSpec(spec: string, rng?: Rng): Tlb {
  if (typeof spec !== 'string') throw new RangeError('TLB spec must be a string like "16x4:lru"');
  const text = spec.trim().toLowerCase();
  if (text === 'off' || text === 'none') return new NoTlb();
  const m = /^(\d+)x(\d+)(?::([a-z]+))?$/.exec(text);
  if (!m) {
    throw new RangeError(`bad TLB spec "${spec}": expected SETSxWAYS[:POLICY] (e.g. "16x4:lru") or "off"`);
  }
  const sets = Number(m[1]);
  const ways = Number(m[2]);
  try {
    return new SetAssociativeTlb({ sets, ways, policy: m[3] ?? 'lru', rng });
  } catch (e) {
    throw new RangeError(`bad TLB spec "${spec}": ${(e as Error).message}`);
  }
}

/**
 * How a machine option names the TLB of each hart: a spec string for {@link parseTlbSpec} (`"16x4:lru"`, `"off"`),
 * a ready `Tlb` instance (only for a single-hart machine: a TLB belongs to one CPU), or a factory called once per
 * hart with that hart's `HartPluginContext` (use `context.rng`, `context.hartIndex`).
 */
export type TlbSpec = PluginSpec<Tlb, string, HartPluginContext>;

const TLB_METHODS = [
  'lookup',
  'translate',
  'flagsOf',
  'setFlags',
  'insert',
  'flushAll',
  'flushAsid',
  'flushVa',
  'flushVaAsid',
  'forEach',
  'resetStats',
] as const;

/** True when `x` has the shape of a core `Tlb` (a numeric `capacity`, `stats`, and every method). */
export function isTlb(x: unknown): x is Tlb {
  if (typeof x !== 'object' || x === null) return false;
  const t = x as Record<string, unknown>;
  return (
    typeof t.capacity === 'number' &&
    typeof t.stats === 'object' &&
    t.stats !== null &&
    TLB_METHODS.every((m) => typeof t[m] === 'function')
  );
}

/**
 * The TLB of hart `context.hartIndex` that `spec` names (cold; call once per hart): a string →
 * `parseTlbSpec(spec, context.rng)`; an instance → itself; a factory → what it returns for `context`.
 *
 * @throws RangeError for a malformed spec string, a class given where a factory is expected, or a value that is
 *   not a spec; `PluginContractError` when a factory returns something that is not a `Tlb`
 */
export function resolveTlb(spec: TlbSpec, context: HartPluginContext): Tlb {
  if (typeof spec === 'string') return parseTlbSpec(spec, context.rng);
  if (typeof spec === 'function') {
    if (isClassConstructor(spec)) {
      throw new RangeError('a TLB class is not a factory: pass (context) => new MyTlb(…) or a spec string');
    }
    const made: unknown = spec(context);
    if (!isTlb(made)) {
      throw new PluginContractError(
        'Tlb factory',
        `the factory for hart ${context.hartIndex} returned something that is not a Tlb`,
      );
    }
    return made;
  }
  if (isTlb(spec)) return spec;
  throw new RangeError(
    `a TLB is a spec string ("SETSxWAYS[:POLICY]" with POLICY in ${REPLACEMENT_POLICY_NAMES.join(', ')}, or "off"), a Tlb or a factory`,
  );
}
