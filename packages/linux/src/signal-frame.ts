/**
 * Signal delivery as RISC-V Linux does it (arch/riscv/kernel/signal.c, kernel/signal.c): the `rt_sigframe` pushed
 * on the user stack (or the alternate one), the handler entered with `a0` = signal, `a1` = `&frame->info`, `a2` =
 * `&frame->uc` and `ra` = the vDSO's `__vdso_rt_sigreturn`, and `rt_sigreturn` restoring the registers, the FP
 * state and the mask from the frame.
 *
 * Frame layout (1088 bytes, 16-aligned): `siginfo` (128) then `ucontext`: `uc_flags` (8), `uc_link` (8),
 * `uc_stack` (24), `uc_sigmask` (8, padded to 128 bytes of glibc's sigset), `uc_mcontext` at +176: `sc_regs`
 * (pc, x1–x31: 256 bytes), then the FP state (`f0`–`f31` as doubles, `fcsr`), whose reserved word is 0 and whose
 * last 8 bytes are the END context header (magic 0, size 0) — no vector state.
 *
 * The `[vdso]` pages hold no code in this model: the return address is `[vdso] + 0x800`, and the illegal
 * instruction the hart meets there stands for the trampoline's `li a7, 139; ecall` (`isTrampoline`).
 *
 * @module
 */

import type { SignalStop } from '@pagewright/rv64';
import type { LinuxKernel } from './kernel.js';
import { defaultAction, SA, SI_CODE, SIG, SIG_DFL, SIG_IGN, sigBit, UNBLOCKABLE } from './signals.js';
import type { Task } from './task.js';

/** `sizeof(struct rt_sigframe)` on RISC-V without the vector extension. */
export const FRAME_SIZE = 1088;
const UC = 128;
const MCONTEXT = UC + 176;
const FP = MCONTEXT + 256;
/** Where the trampoline is, from the start of the `[vdso]` text. */
export const TRAMPOLINE_OFFSET = 0x800;

/** True when `sp` is on `task`'s alternate stack (`on_sig_stack`). */
function onSigStack(task: Task, sp: number): boolean {
  const s = task.altStack;
  return s.flags !== 2 && sp > s.sp && sp - s.sp <= s.size;
}

/** The alternate stack's `ss_flags` as `sigaltstack` reports them. */
export function altStackFlags(task: Task, sp: number): number {
  if (task.altStack.flags === 2) return 2; // SS_DISABLE
  return onSigStack(task, sp) ? 1 : 0; // SS_ONSTACK
}

/** Register x`i` of the hart as an unsigned 64-bit value. */
function reg(task: Task, i: number): bigint {
  const h = task.hart;
  return (BigInt((h.hi[i] as number) >>> 0) << 32n) | BigInt((h.lo[i] as number) >>> 0);
}

/**
 * Pushes a frame for `sig` and enters its handler. Returns false when the frame cannot be written (the caller
 * then kills the task with SIGSEGV, `force_sigsegv`).
 */
function setupFrame(task: Task, sig: number, code: number, addr: number, pid: number): boolean {
  const act = task.actions[sig];
  if (act === undefined) return false;
  const sp = Number(BigInt.asIntN(64, reg(task, 2)));
  let top = sp;
  if ((act.flags & BigInt(SA.ONSTACK)) !== 0n && task.altStack.flags !== 2 && !onSigStack(task, sp))
    top = task.altStack.sp + task.altStack.size;
  else if (onSigStack(task, sp) && !onSigStack(task, sp - FRAME_SIZE)) return false; // would overflow it
  const frame = Math.floor((top - FRAME_SIZE) / 16) * 16;
  if (frame <= 0) return false;
  const b = new Uint8Array(FRAME_SIZE);
  const v = new DataView(b.buffer);
  v.setInt32(0, sig, true);
  v.setInt32(8, code, true);
  if (pid !== 0) {
    v.setInt32(16, pid, true); // si_pid, si_uid = 0
  } else {
    v.setBigInt64(16, BigInt(addr), true); // si_addr
  }
  v.setBigUint64(UC + 16, BigInt(task.altStack.sp), true);
  v.setInt32(UC + 24, altStackFlags(task, sp), true);
  v.setBigUint64(UC + 32, BigInt(task.altStack.size), true);
  v.setBigUint64(UC + 40, task.blocked, true);
  const h = task.hart;
  v.setBigInt64(MCONTEXT, BigInt(h.pc), true);
  for (let i = 1; i < 32; i++) v.setBigUint64(MCONTEXT + i * 8, reg(task, i), true);
  for (let i = 0; i < 32; i++) v.setBigUint64(FP + i * 8, h.freg(i), true);
  v.setUint32(FP + 256, (h.frm << 5) | h.fflags, true);
  if (task.process.copyToUser(frame, b) !== 0) return false;
  h.setReg('ra', task.vdso === 0 ? 0 : task.vdso + TRAMPOLINE_OFFSET);
  h.setReg('sp', frame);
  h.setReg('a0', sig);
  h.setReg('a1', frame);
  h.setReg('a2', frame + UC);
  h.pc = Number(BigInt.asIntN(64, act.handler)) & ~1;
  task.blocked |= act.mask | ((act.flags & BigInt(SA.NODEFER)) === 0n ? sigBit(sig) : 0n);
  task.blocked &= ~UNBLOCKABLE;
  if ((act.flags & BigInt(SA.RESETHAND)) !== 0n) act.handler = BigInt(SIG_DFL);
  task.frames++;
  return true;
}

/** Delivers `sig` by its disposition: a handler's frame, the default action, or nothing when ignored. */
function deliver(k: LinuxKernel, task: Task, sig: number, code: number, addr: number, pid: number): void {
  const act = task.actions[sig];
  const handler = act?.handler ?? 0n;
  if (sig === SIG.SIGKILL || handler === BigInt(SIG_DFL)) {
    if (sig === SIG.SIGKILL || defaultAction(sig) === 'terminate') k.exitTask(task, sig, true);
    return; // ignore, stop and continue are not modelled beyond being no-ops
  }
  if (handler === BigInt(SIG_IGN)) return;
  if (!setupFrame(task, sig, code, addr, pid)) k.exitTask(task, SIG.SIGSEGV, true);
}

/**
 * A synchronous signal from the hart (`force_sig_fault`): when it is blocked or ignored, its handler is reset to
 * `SIG_DFL` and it is unblocked, so a fault the program cannot handle always ends it.
 */
export function forceSignal(k: LinuxKernel, task: Task, sig: number, code: string, addr: number): void {
  const act = task.actions[sig];
  if (act !== undefined) {
    const blocked = (task.blocked & sigBit(sig)) !== 0n;
    if (blocked || act.handler === BigInt(SIG_IGN)) {
      act.handler = BigInt(SIG_DFL);
      task.blocked &= ~sigBit(sig);
    }
  }
  deliver(k, task, sig, SI_CODE[code] ?? 0, addr, 0);
}

/** Delivers the first pending signal that is not blocked (one per return to user space, as Linux). */
export function deliverPending(k: LinuxKernel, task: Task): void {
  const i = task.pending.findIndex((p) => p.sig === SIG.SIGKILL || (task.blocked & sigBit(p.sig)) === 0n);
  if (i < 0) return;
  const [p] = task.pending.splice(i, 1);
  if (p !== undefined) deliver(k, task, p.sig, p.code, p.addr, p.pid);
}

/** True when the hart stopped at the signal trampoline (a handler returned). */
export function isTrampoline(task: Task, out: SignalStop): boolean {
  return task.vdso !== 0 && out.pc === task.vdso + TRAMPOLINE_OFFSET;
}

/** `rt_sigreturn`: restores what the frame at `sp` holds; a frame that cannot be read kills with SIGSEGV. */
export function sigreturn(k: LinuxKernel, task: Task): null {
  const sp = Number(BigInt.asIntN(64, reg(task, 2)));
  const b = task.process.copyFromUser(sp, FRAME_SIZE);
  if (typeof b === 'number') {
    forceSignal(k, task, SIG.SIGSEGV, 'SI_KERNEL', 0);
    return null;
  }
  const v = new DataView(b.buffer, b.byteOffset, FRAME_SIZE);
  const h = task.hart;
  task.blocked = v.getBigUint64(UC + 40, true) & ~UNBLOCKABLE;
  for (let i = 1; i < 32; i++) h.setReg(i, v.getBigUint64(MCONTEXT + i * 8, true));
  for (let i = 0; i < 32; i++) h.setFreg(i, v.getBigUint64(FP + i * 8, true));
  const fcsr = v.getUint32(FP + 256, true);
  h.fflags = fcsr & 31;
  h.frm = (fcsr >> 5) & 7;
  h.pc = Number(v.getBigInt64(MCONTEXT, true)) & ~1;
  if (task.frames > 0) task.frames--;
  return null;
}
