/**
 * The implementation under test (`@pagewright/process-vm`) seen as a {@link VmTarget}, and a reference model set
 * up with the same layout as a freshly spawned implementation process.
 *
 * @module
 */

import {
  accessSignal,
  Machine,
  type MachineOptions,
  type Process,
  type ProcessHost,
  processTarget,
  SCENARIO_DIR,
} from '@pagewright/process-vm';
import type { VmaIndex } from '@pagewright/vma';
import { ModelMachine } from '../model/machine.js';
import type { ModelConfig } from '../model/process.js';
import type { MapsEntry, ProcDetails, VmaDetail, VmTarget } from '../scenario/target.js';

/** Parses `/proc/PID/maps` text into entries (with the name, for the initial layout). */
export function parseMaps(text: string): (MapsEntry & { name: string })[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+ ?\s*(.*)$/.exec(l);
      if (!m) throw new Error(`unparsable maps line: ${JSON.stringify(l)}`);
      return {
        start: Number.parseInt(m[1]!, 16),
        end: Number.parseInt(m[2]!, 16),
        perms: m[3]!,
        name: m[4]!.trim(),
      };
    });
}

/** Wraps an implementation process: process-vm's own scenario target, plus what the comparison looks at. */
export function implTarget<M extends ProcessHost>(
  p: Process<M>,
  wrapChild: (c: Process<M>) => VmTarget = implTarget,
): VmTarget {
  return {
    ...processTarget(p),
    fork: () => {
      const c = p.fork();
      return typeof c === 'number' ? c : wrapChild(c);
    },
    fetch32: (a) => {
      const r = p.fetch(a);
      return r < 0 && r >= -4 ? accessSignal(r) : r >>> 0;
    },
    setHart: (h) => {
      p.hartId = h % p.machine.harts.length;
    },
    details: () => procDetails(p),
  };
}

const SMAPS_FIELD = /^(\w+):\s+(\d+) kB$/;

/** Parses the implementation's smaps and status into {@link ProcDetails}. */
export function procDetails(p: Process): ProcDetails {
  const vmas: VmaDetail[] = [];
  let cur: VmaDetail | undefined;
  for (const l of p.smaps().split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ \S+ ?\s*(.*)$/.exec(l);
    if (head) {
      cur = {
        start: Number.parseInt(head[1]!, 16),
        end: Number.parseInt(head[2]!, 16),
        perms: head[3]!,
        offset: Number.parseInt(head[4]!, 16),
        name: head[5]!.trim(),
        rss: 0,
        referenced: 0,
        dirty: 0,
      };
      vmas.push(cur);
      continue;
    }
    const f = SMAPS_FIELD.exec(l);
    if (!f || !cur) continue;
    const pages = Number(f[2]) / 4;
    if (f[1] === 'Rss') cur.rss = pages;
    else if (f[1] === 'Referenced') cur.referenced = pages;
    else if (f[1] === 'Private_Dirty' || f[1] === 'Shared_Dirty') cur.dirty += pages;
  }
  const status = { VmSize: 0, VmLck: 0, VmData: 0, VmStk: 0 };
  for (const l of p.status().split('\n')) {
    const m = /^(\w+):\s+(\d+) kB$/.exec(l);
    if (m && m[1]! in status) status[m[1] as keyof typeof status] = Number(m[2]);
  }
  return { vmas, status };
}

/** A fresh implementation machine and process, plus a model process with the same layout. */
export function pairFor(
  options: MachineOptions,
  vmaIndex?: () => VmaIndex,
): {
  machine: Machine;
  process: Process<Machine>;
  model: ModelMachine;
  modelPid: number;
} {
  // A VMA index given as a factory (the Machine wraps it in CheckedVmaIndex, which also checks its answers).
  const machine = new Machine(vmaIndex ? { ...options, vmaIndex: () => vmaIndex() } : options);
  const process = machine.spawn();
  machine.files.mkdir(SCENARIO_DIR); // where scenario lines open their files (the model's files live there too)
  const config: ModelConfig = {
    taskSize: machine.limits.taskSize,
    mmapMinAddr: machine.limits.mmapMinAddr,
    // Top-down: mm->mmap_base. Bottom-up (legacy layout): TASK_UNMAPPED_BASE = PAGE_ALIGN(TASK_SIZE / 3), rounded up
    // (computed here, not read from the implementation, so that a wrong base shows as a divergence).
    mmapBase:
      machine.options.placement === 'bottomup'
        ? Math.ceil(Math.floor(machine.limits.taskSize / 3) / 4096) * 4096
        : process.vm.mmapBase,
    // the two built-in policies (a placement plug-in would need its own model)
    placement: machine.options.placement === 'bottomup' ? 'bottomup' : 'topdown',
    stackGuardGapPages: machine.limits.stackGuardGapPages,
    startBrk: process.vm.startBrk,
    stackLimit: machine.limits.stackLimit,
    // The implementation follows x86-64 Linux's access rule on every architecture (docs/ARCHITECTURE.md: "x86's
    // 'write or exec implies read' PTE rule", the conformance scenarios' kernel): a load from an exec-only page
    // succeeds. RISC-V Linux would answer SIGSEGV (arch/riscv/mm/fault.c access_error needs VM_READ|VM_WRITE).
    execImpliesRead: true,
  };
  const model = new ModelMachine(config);
  const modelPid = model.spawn();
  const mp = model.get(modelPid);
  mp.brk = process.vm.brk;
  for (const e of parseMaps(process.maps())) {
    const prot = (e.perms[0] === 'r' ? 1 : 0) | (e.perms[1] === 'w' ? 2 : 0) | (e.perms[2] === 'x' ? 4 : 0);
    mp.seedForeign(e.start, e.end, prot, e.name === '[stack]', e.name);
  }
  mp.startStack = process.vm.startStack;
  return { machine, process, model, modelPid };
}
