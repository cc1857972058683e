import { describe, expect, it } from 'vitest';
import {
  Access,
  accessFaultCause,
  bigIntToU64Pair,
  isPageFault,
  PteFlag,
  pageFaultCause,
  pteFlagsToString,
  u64PairToBigInt,
} from './hardware.js';

describe('hardware vocabulary', () => {
  it('maps access types to RISC-V causes', () => {
    expect(pageFaultCause(Access.Fetch)).toBe(12);
    expect(pageFaultCause(Access.Load)).toBe(13);
    expect(pageFaultCause(Access.Store)).toBe(15);
    expect(accessFaultCause(Access.Fetch)).toBe(1);
    expect(accessFaultCause(Access.Load)).toBe(5);
    expect(accessFaultCause(Access.Store)).toBe(7);
    expect(isPageFault(13)).toBe(true);
    expect(isPageFault(5)).toBe(false);
  });

  it('round-trips 64-bit words through U64Pair', () => {
    const p = { lo: 0, hi: 0 };
    for (const x of [0n, 1n, 0xffffffffn, 0x100000000n, 0xdeadbeefcafebaben, 0xffffffffffffffffn]) {
      expect(u64PairToBigInt(bigIntToU64Pair(x, p))).toBe(x);
    }
    expect(bigIntToU64Pair(-1n, p)).toEqual({ lo: 0xffffffff, hi: 0xffffffff });
  });

  it('prints flags', () => {
    expect(pteFlagsToString(PteFlag.Read | PteFlag.Write | PteFlag.User | PteFlag.Accessed)).toBe('rw-u-a-');
  });
});
