/**
 * mlock(2)'s errnos, one directed case each, with Linux's populate error mapping: `__mm_populate` →
 * `populate_vma_page_range` → `__get_user_pages` answers EFAULT for a VMA without access (no `FOLL_FORCE` on
 * PROT_NONE) and for a fault that ends in SIGBUS/SIGSEGV (`vm_fault_to_errno`), ENOMEM for `VM_FAULT_OOM`; then
 * `__mlock_posix_error_return` turns EFAULT into ENOMEM and ENOMEM into EAGAIN.
 */
import {
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
} from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { errnoOf } from './errno.js';
import { checkInvariants } from './invariants.js';
import { Machine } from './machine.js';

const P = 4096;
const RW = PROT_READ | PROT_WRITE;
const PRIV = MAP_PRIVATE | MAP_ANONYMOUS;
const A = 0x20000000;

function setup(options = {}) {
  const m = new Machine({ memoryBytes: 16 << 20, checkTlb: true, ...options });
  return { m, p: m.spawn() };
}

describe('mlock errnos and the populate error mapping', () => {
  it('a PROT_NONE VMA: populate answers EFAULT, mlock ENOMEM (the flag stays set, as in Linux)', () => {
    const { m, p } = setup();
    p.mmap(A, 2 * P, PROT_NONE, PRIV | MAP_FIXED);
    expect(p.vm.populate(A / P, A / P + 2, false)).toBe(-14);
    expect(errnoOf(p.mlock(A, 2 * P))).toBe('ENOMEM');
    expect(p.vm.lockedPages()).toBe(2);
    checkInvariants(m);
  });

  it('a fault that ends in SIGBUS (a shared mapping grown past its object): EFAULT → ENOMEM', () => {
    const { m, p } = setup();
    expect(p.mmap(A, P, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED)).toBe(A);
    expect(p.mremap(A, P, 2 * P, 0)).toBe(A); // grown in place; the object keeps one page
    expect(p.load8(A + P)).toBe(-3); // BUS_ADRERR
    expect(p.vm.populate(A / P, A / P + 2, false)).toBe(-14);
    expect(errnoOf(p.mlock(A, 2 * P))).toBe('ENOMEM');
    expect(p.load8(A)).toBe(0); // the page before the failure was populated
    checkInvariants(m);
  });

  it('no memory for the pages: populate answers ENOMEM, mlock EAGAIN, nobody is killed', () => {
    const { m, p } = setup({ memoryBytes: 1 << 20 });
    p.mmap(A, 2 << 20, RW, PRIV | MAP_FIXED);
    expect(p.vm.populate(A / P, A / P + 512, false)).toBe(-12);
    expect(errnoOf(p.mlock(A, 2 << 20))).toBe('EAGAIN');
    expect(p.killedBy).toBeNull();
    checkInvariants(m);
  });

  it('a hole in the range: ENOMEM after locking the part before it; past TASK_SIZE: ENOMEM', () => {
    const { m, p } = setup();
    p.mmap(A, P, RW, PRIV | MAP_FIXED);
    expect(errnoOf(p.mlock(A, 3 * P))).toBe('ENOMEM');
    expect(p.vm.lockedPages()).toBe(1);
    expect(errnoOf(p.mlock(2 ** 38, P))).toBe('ENOMEM');
    checkInvariants(m);
  });

  it('RLIMIT_MEMLOCK: ENOMEM past it, EPERM when it is 0 (can_do_mlock), before any range check', () => {
    const limited = setup({ limits: { memlockLimit: 2 * P } });
    limited.p.mmap(A, 4 * P, RW, PRIV | MAP_FIXED);
    expect(errnoOf(limited.p.mlock(A, 3 * P))).toBe('ENOMEM');
    expect(limited.p.mlock(A, 2 * P)).toBe(0);
    expect(limited.p.mlock(A, 2 * P)).toBe(0); // pages already locked do not count twice
    const none = setup({ limits: { memlockLimit: 0 } });
    none.p.mmap(A, P, RW, PRIV | MAP_FIXED);
    expect(errnoOf(none.p.mlock(A, P))).toBe('EPERM');
    expect(errnoOf(none.p.mlock(A, 0))).toBe('EPERM');
    expect(errnoOf(none.p.mlockall(1))).toBe('EPERM');
    expect(errnoOf(none.p.mlock2(A, P, 2))).toBe('EINVAL'); // mlock2 checks its flags first
  });

  it('EINVAL: mlock2 flags, a range that wraps past 2^64', () => {
    const { p } = setup();
    p.mmap(A, P, RW, PRIV | MAP_FIXED);
    expect(errnoOf(p.mlock2(A, P, 2))).toBe('EINVAL');
    expect(errnoOf(p.mlock(2n ** 64n - 4096n, 2 * P))).toBe('EINVAL');
  });

  it('MLOCK_ONFAULT populates nothing, so a PROT_NONE range locks without error', () => {
    const { m, p } = setup();
    p.mmap(A, P, PROT_NONE, PRIV | MAP_FIXED);
    expect(p.mlock2(A, P, 1)).toBe(0);
    expect(p.vm.lockedPages()).toBe(1);
    checkInvariants(m);
  });

  it('MAP_LOCKED and mlockall(MCL_CURRENT) ignore populate errors (ignore_errors)', () => {
    const { m, p } = setup();
    expect(p.mmap(A, P, PROT_NONE, PRIV | MAP_FIXED | 0x2000)).toBe(A);
    expect(p.mlockall(1)).toBe(0);
    checkInvariants(m);
  });
});
