/**
 * Fault accounting (Linux `mm_account_fault`, mm/memory.c): every fault that reaches `handle_mm_fault` — a VMA was
 * found and allows the access — counts as `pgfault` in `/proc/vmstat`, failed ones (SIGBUS, out of memory)
 * included; a successful one also counts for its task as a major fault (it had to read the page: a swap-in) or a
 * minor one (`min_flt`, `maj_flt`: fields 10 and 12 of `/proc/PID/stat`). Faults of the kernel on the task's behalf
 * (populating, `mlock`) count as well, as `get_user_pages`' do.
 *
 * @module
 */

import { VM_EVENT, type VmEvents } from '@pagewright/reclaim';
import { SEGV_ACCERR, SEGV_MAPERR } from './signals.js';

/** A task's fault counters (`task_struct.min_flt`, `maj_flt`): kept across exec, zero in a fork child. */
export interface TaskFaults {
  minor: number;
  major: number;
}

/** Accounts a fault that ended in `result` (0 or a signal sentinel); `major` when it read the page in. */
export function accountFault(vmstat: VmEvents, task: TaskFaults, result: number, major: boolean): void {
  if (result === SEGV_MAPERR || result === SEGV_ACCERR) return; // refused before handle_mm_fault
  const counts = vmstat.counts;
  counts[VM_EVENT.pgfault] = (counts[VM_EVENT.pgfault] as number) + 1;
  if (result !== 0) return; // VM_FAULT_ERROR: pgfault only
  if (major) task.major++;
  else task.minor++;
}

/** exec: the new address space's counters continue the task's (`to` gets `from`'s counts added). */
export function carryFaults(to: TaskFaults, from: TaskFaults): void {
  to.minor += from.minor;
  to.major += from.major;
}
