/**
 * A user page fault that cannot get memory ends in the OOM killer (Linux `pagefault_out_of_memory`): the victim —
 * by default the faulting process — dies by SIGKILL and its memory comes back; system calls that run out of memory
 * keep answering ENOMEM (or EAGAIN for mlock) and kill nobody.
 */
import { MAP_ANONYMOUS, MAP_POPULATE, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { errnoOf } from './errno.js';
import { checkInvariants } from './invariants.js';
import { Machine } from './machine.js';
import type { Process } from './process.js';
import { OOM_KILL } from './signals.js';

const P = 4096;
const RW = PROT_READ | PROT_WRITE;
const PRIV = MAP_PRIVATE | MAP_ANONYMOUS;
const MADV_POPULATE_WRITE = 23;

function small() {
  const m = new Machine({ memoryBytes: 1 << 20, checkTlb: true });
  return { m, p: m.spawn() };
}

/** Touches pages of a fresh 2 MiB mapping until a store fails; returns that store's result and the page. */
function touchUntilFailure(p: Process): { r: number; page: number } {
  const a = p.mmap(0, 2 << 20, RW, PRIV);
  for (let i = 0; i < 512; i++) {
    const r = p.store8(a + i * P, 1);
    if (r !== 0) return { r, page: a + i * P };
  }
  throw new Error('memory did not run out');
}

describe('OOM: a user fault without memory kills the faulting process (SIGKILL)', () => {
  it('the process dies by SIGKILL, every frame comes back, later calls answer as a dead task', () => {
    const { m, p } = small();
    const { r, page } = touchUntilFailure(p);
    expect(r).toBe(OOM_KILL);
    expect(p.lastFault).toEqual({ sentinel: OOM_KILL, addr: page });
    expect(p.killedBy).toBe('SIGKILL');
    expect(p.exitCode).toBe(137);
    expect(p.waitStatus).toBe(9);
    expect(m.processes.has(p.pid)).toBe(false);
    expect(m.framesInUse()).toBe(1); // only the zero page
    checkInvariants(m);
    // Dead: system calls ESRCH, accesses the kill's sentinel, kernel copies ESRCH.
    expect(errnoOf(p.mmap(0, P, RW, PRIV))).toBe('ESRCH');
    expect(errnoOf(p.munmap(0x400000, P))).toBe('ESRCH');
    expect(errnoOf(p.brk(0))).toBe('ESRCH');
    expect(p.load8(0x400000)).toBe(OOM_KILL);
    expect(p.store8(0x401000, 1)).toBe(OOM_KILL);
    expect(errnoOf(p.copyFromUser(0x400000, 4) as number)).toBe('ESRCH');
    expect(errnoOf(p.fork() as number)).toBe('ESRCH');
    expect(errnoOf(p.exec())).toBe('ESRCH');
    expect(errnoOf(p.kill('SIGKILL'))).toBe('ESRCH');
    p.exit(0); // idempotent: still killed by SIGKILL
    expect(p.killedBy).toBe('SIGKILL');
    expect(p.waitStatus).toBe(9);
  });

  it('read, write and fill end the same way (they are user accesses)', () => {
    for (const op of ['read', 'write', 'fill'] as const) {
      const { m, p } = small();
      const a = p.mmap(0, 2 << 20, RW, PRIV);
      const r =
        op === 'read'
          ? p.write(a, new Uint8Array(2 << 20)) // reads map the zero page: write to run out
          : op === 'write'
            ? p.write(a, new Uint8Array(2 << 20).fill(3))
            : p.fill(a, 2 << 20, 3);
      expect(r).toMatchObject({ ok: false, signal: 'SIGKILL', code: 'OOM' });
      expect(p.killedBy).toBe('SIGKILL');
      expect(m.framesInUse()).toBe(1);
      checkInvariants(m);
    }
  });

  it('system calls that run out of memory answer ENOMEM / EAGAIN and kill nobody', () => {
    const { m, p } = small();
    const a = p.mmap(0, 2 << 20, RW, PRIV);
    expect(errnoOf(p.mlock(a, 2 << 20))).toBe('EAGAIN'); // __mlock_posix_error_return: ENOMEM → EAGAIN
    expect(p.killedBy).toBeNull();
    expect(p.munlock(a, 2 << 20)).toBe(0);
    expect(p.munmap(a, 2 << 20)).toBe(0);
    const b = p.mmap(0, 2 << 20, RW, PRIV);
    expect(errnoOf(p.madvise(b, 2 << 20, MADV_POPULATE_WRITE))).toBe('ENOMEM');
    expect(p.munmap(b, 2 << 20)).toBe(0);
    const c = p.mmap(0, 2 << 20, RW, PRIV | MAP_POPULATE); // populate errors are ignored
    expect(c).toBeGreaterThan(0);
    expect(p.munmap(c, 2 << 20)).toBe(0);
    expect(p.killedBy).toBeNull();
    expect(p.exitCode).toBeNull();
    checkInvariants(m);
  });

  it('a kernel-side copy that finds no memory answers EFAULT (no kill)', () => {
    const { m, p } = small();
    const a = p.mmap(0, 2 << 20, RW, PRIV);
    expect(errnoOf(p.copyToUser(a, new Uint8Array(2 << 20).fill(1)))).toBe('EFAULT');
    expect(p.killedBy).toBeNull();
    expect(p.mmap(0, P, RW, PRIV)).toBeGreaterThan(0);
    checkInvariants(m);
  });

  it('the machine hook can choose another victim: it dies and the faulting access is retried', () => {
    const { m, p } = small();
    const hog = p.fork() as Process;
    // The hog takes most of memory (its own frames), then the parent runs out.
    const h = hog.mmap(0, 2 << 20, RW, PRIV);
    let i = 0;
    for (; i < 512 && hog.store8(h + i * P, 1) === 0; i++);
    expect(hog.killedBy).toBe('SIGKILL'); // default policy: the hog killed itself at its own failing fault
    const hog2 = p.fork() as Process;
    const h2 = hog2.mmap(0, 2 << 20, RW, PRIV);
    for (let k = 0; k < i - 8; k++) expect(hog2.store8(h2 + k * P, 1)).toBe(0);
    const seen: number[] = [];
    m.oomKiller = {
      selectVictim: (_machine, faulting) => {
        seen.push(faulting.pid);
        return faulting === p ? hog2 : faulting;
      },
    };
    const a = p.mmap(0, 2 << 20, RW, PRIV);
    let stored = 0;
    for (; stored < 64; stored++) expect(p.store8(a + stored * P, 1)).toBe(0);
    expect(seen).toEqual([p.pid]);
    expect(hog2.killedBy).toBe('SIGKILL');
    expect(p.killedBy).toBeNull();
    checkInvariants(m);
  });

  it('a hook that answers no live process kills the faulting one', () => {
    const { m, p } = small();
    m.oomKiller = { selectVictim: () => null as unknown as Process };
    expect(touchUntilFailure(p).r).toBe(OOM_KILL);
    expect(p.killedBy).toBe('SIGKILL');
    checkInvariants(m);
  });
});
