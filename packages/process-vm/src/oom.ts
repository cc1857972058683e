/**
 * What a page fault that cannot get memory ends in (Linux `mm/oom_kill.c`): the fault handler's `VM_FAULT_OOM`
 * reaches `pagefault_out_of_memory()`, which runs the OOM killer; the killer picks a victim and sends it `SIGKILL`,
 * which no process can catch or ignore. The victim's memory is released as at exit.
 *
 * Only a *user* fault goes this way. A fault taken by the kernel on a user address (`copy_from_user`,
 * `copy_to_user`: the `!user_mode(regs)` branch of `mm_fault_error` in `arch/riscv/mm/fault.c`) is fixed up to
 * `-EFAULT`, and `get_user_pages` (`__mm_populate`, `MADV_POPULATE_*`, `mlock`) turns `VM_FAULT_OOM` into `-ENOMEM`:
 * system calls answer ENOMEM and kill nobody.
 *
 * Which process dies is a policy: {@link OomKiller}, set on the machine (`machine.oomKiller`). The default,
 * {@link killFaultingTask}, kills the faulting process (what Linux does when the killer finds no better victim); a
 * policy that scores processes (`oom_badness`) can pick another one — the faulting access is then retried, as the
 * faulting task retries its fault in Linux once the victim's memory is free.
 *
 * @module
 */

import type { Machine } from './machine.js';
import type { Process } from './process.js';

/** Chooses the process the OOM killer ends when `faulting` cannot get memory for a page fault. */
export interface OomKiller {
  /**
   * The victim: `faulting` itself or another live process of `machine`. Must not throw; must return a live process
   * of `machine` (anything else kills `faulting`).
   */
  selectVictim(machine: Machine, faulting: Process): Process;
}

/** The default policy: the faulting process is the victim (Linux with no other killable task). */
export const killFaultingTask: OomKiller = {
  selectVictim: (_machine, faulting) => faulting,
};

/**
 * Linux `pagefault_out_of_memory` for a user fault of `faulting`: asks the machine's {@link OomKiller} for a victim
 * and kills it with `SIGKILL`. Returns true when `faulting` survived (another process died: retry the access).
 */
export function pagefaultOutOfMemory(machine: Machine, faulting: Process): boolean {
  const chosen = machine.oomKiller.selectVictim(machine, faulting);
  const victim =
    chosen != null &&
    chosen !== faulting &&
    machine.processes.get(chosen.pid) === chosen &&
    chosen.exitCode === null
      ? chosen
      : faulting;
  victim.kill('SIGKILL');
  return victim !== faulting;
}
