/**
 * What a page fault that cannot get memory ends in (Linux `mm/oom_kill.c`): the allocation that fails (after
 * reclaim, when the machine has swap) runs the OOM killer; the killer picks a victim and sends it `SIGKILL`, which
 * no process can catch or ignore. The victim's memory is released as at exit, and a fault of another process is
 * retried.
 *
 * Only a *user* fault goes this way. A fault taken by the kernel on a user address (`copy_from_user`,
 * `copy_to_user`: the `!user_mode(regs)` branch of `mm_fault_error` in `arch/riscv/mm/fault.c`) is fixed up to
 * `-EFAULT`, and `get_user_pages` (`__mm_populate`, `MADV_POPULATE_*`, `mlock`) turns `VM_FAULT_OOM` into `-ENOMEM`:
 * system calls answer ENOMEM and kill nobody.
 *
 * Which process dies is a policy: {@link OomKiller}, set on the machine (`machine.oomKiller`).
 * - {@link linuxOomKiller} is Linux's `select_bad_process`: the process with the highest {@link oomBadness} (RSS +
 *   swap entries + page-table pages, plus `oom_score_adj` in thousandths of RAM + swap), ties going to the later
 *   process; processes with `oom_score_adj` −1000 are never chosen. There is no init task here: every process can be
 *   chosen. When none can, Linux panics ("System is deadlocked on memory"); the machine kills the faulting process.
 * - {@link killFaultingTask} (the machine's default) kills the faulting process — what Linux does when it is the
 *   worst one.
 *
 * @module
 */

import type { Machine } from './machine.js';
import type { Process } from './process.js';

/** The lowest `oom_score_adj`: never chosen by the OOM killer (`OOM_SCORE_ADJ_MIN`). */
export const OOM_SCORE_ADJ_MIN = -1000;
/** The highest `oom_score_adj` (`OOM_SCORE_ADJ_MAX`). */
export const OOM_SCORE_ADJ_MAX = 1000;
/** What {@link oomBadness} answers for a process the killer never chooses (Linux `LONG_MIN`). */
export const OOM_UNKILLABLE = Number.NEGATIVE_INFINITY;

/** Chooses the process the OOM killer ends when `faulting` cannot get memory for a page fault. */
export interface OomKiller {
  /**
   * The victim: `faulting` itself or another live process of `machine`. Must not throw; must return a live process
   * of `machine` (anything else kills `faulting`).
   */
  selectVictim(machine: Machine, faulting: Process): Process;
}

/** The default policy: the faulting process is the victim (Linux when it is the worst process). */
export const killFaultingTask: OomKiller = {
  selectVictim: (_machine, faulting) => faulting,
};

/** Linux's `totalpages` for an unconstrained OOM: RAM frames plus swap slots. */
export function oomTotalPages(machine: Machine): number {
  return machine.allocator.totalFrames + (machine.reclaim?.swap.slots ?? 0);
}

/**
 * Linux `oom_badness(p, totalpages)`: resident pages (`get_mm_rss`: present PTEs, the zero page not counted) + swap
 * entries (`MM_SWAPENTS`) + page-table pages (`mm_pgtables_bytes / PAGE_SIZE`), plus `oom_score_adj ·
 * (totalpages / 1000)`; {@link OOM_UNKILLABLE} for a dead process or `oom_score_adj` −1000.
 */
export function oomBadness(process: Process, totalPages: number): number {
  const adj = process.oomScoreAdj;
  if (process.exitCode !== null || process.vm.destroyed || adj === OOM_SCORE_ADJ_MIN) return OOM_UNKILLABLE;
  const vm = process.vm;
  const points = vm.residentPages() + vm.pageTable.swap.size + vm.pageTable.tableBytes / 4096;
  return points + adj * Math.floor(totalPages / 1000);
}

/**
 * `/proc/PID/oom_score` (fs/proc/base.c `proc_oom_score`): the badness scaled to [0, 2000],
 * `(1000 + badness · 1000 / totalpages) · 2 / 3` in integer arithmetic; 0 for an unkillable process.
 */
export function oomScore(machine: Machine, process: Process): number {
  const total = oomTotalPages(machine);
  const badness = oomBadness(process, total);
  if (badness === OOM_UNKILLABLE) return 0;
  const points = Math.floor(((1000 + Math.trunc((badness * 1000) / total)) * 2) / 3);
  return Math.max(0, points);
}

/**
 * Writes `/proc/PID/oom_score_adj` (`oom_score_adj_write`): an integer in [−1000, 1000], else `-EINVAL` (-22) and
 * nothing changes. Returns 0.
 */
export function setOomScoreAdj(process: Process, adj: number): number {
  if (!(Number.isInteger(adj) && adj >= OOM_SCORE_ADJ_MIN && adj <= OOM_SCORE_ADJ_MAX)) return -22;
  process.oomScoreAdj = adj;
  return 0;
}

/**
 * Linux's OOM killer (`select_bad_process` over every live process, `oom_evaluate_task`): the highest
 * {@link oomBadness}, the later process on a tie; the faulting process when none is killable.
 */
export const linuxOomKiller: OomKiller = {
  selectVictim(machine, faulting) {
    const total = oomTotalPages(machine);
    let chosen: Process | null = null;
    let chosenPoints = OOM_UNKILLABLE;
    for (const p of machine.processes.values()) {
      const points = oomBadness(p, total);
      if (points === OOM_UNKILLABLE || points < chosenPoints) continue;
      chosen = p;
      chosenPoints = points;
    }
    return chosen ?? faulting;
  },
};

/**
 * The OOM kill for a user fault of `faulting`: asks the machine's {@link OomKiller} for a victim and kills it with
 * `SIGKILL` (counted as `oom_kill` in the machine's vmstat when it has reclaim). Returns true when `faulting`
 * survived (another process died: retry the access).
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
  machine.reclaim?.events.add('oom_kill');
  return victim !== faulting;
}
