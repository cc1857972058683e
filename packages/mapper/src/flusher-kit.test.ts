import { assertContract, checkTlbFlusher, type TlbFlusherTarget } from '@pagewright/core/testing';
import { describe, it } from 'vitest';
import type { TlbHart } from './hart.js';
import { InactiveFlusher } from './inactive-flusher.js';
import { PageFlush, PageFlushAll } from './page-flush.js';
import { TlbShootdown } from './tlb-shootdown.js';

/** The kit's TLBs as harts running the address space (root frame 77) under the target's tag. */
function harts(target: TlbFlusherTarget): TlbHart[] {
  return target.tlbs.map((tlb, id) => ({ id, tlb, asid: target.asid, rootPpn: 77 }));
}

describe('every built-in TlbFlusher passes the contract kit', () => {
  it('PageFlush (one hart)', () => {
    assertContract(
      checkTlbFlusher((t) => new PageFlush(harts(t)[0] as TlbHart), { name: 'PageFlush', cpus: 1 }),
    );
  });
  it('PageFlushAll (one hart)', () => {
    assertContract(
      checkTlbFlusher((t) => new PageFlushAll(harts(t)[0] as TlbHart), { name: 'PageFlushAll', cpus: 1 }),
    );
  });
  for (const threshold of [1, 32, 1000]) {
    it(`TlbShootdown over three harts, threshold ${threshold}`, () => {
      assertContract(
        checkTlbFlusher((t) => new TlbShootdown({ harts: harts(t), rootPpn: 77, initiator: 0, threshold }), {
          name: `TlbShootdown/${threshold}`,
          // With a threshold of 1 a single page already collapses into a flush of the whole tag, which keeps
          // other tags' entries: every rule holds.
        }),
      );
    });
  }
  it('InactiveFlusher (an address space active nowhere)', () => {
    assertContract(
      checkTlbFlusher(() => new InactiveFlusher(), { name: 'InactiveFlusher', invalidates: false }),
    );
  });
});
