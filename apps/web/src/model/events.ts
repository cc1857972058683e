/**
 * Events for people: one line per {@link MmEvent}, and counts per kind.
 *
 * @module
 */
import type { MmEvent } from '@pagewright/core';
import { errnoOf } from '@pagewright/process-vm';
import { hex } from './hex.js';

const ACCESS = ['load', 'store', 'fetch'];

/** One line describing `e`. */
export function formatEvent(e: MmEvent): string {
  switch (e.kind) {
    case 'syscall': {
      const ret = typeof e.ret === 'number' ? e.ret : Number(e.ret);
      const errno = e.errno ?? (e.name === 'brk' ? undefined : errnoOf(ret));
      return `pid ${e.pid}: ${e.name}(${e.args.map((a) => hex(a)).join(', ')}) = ${errno ? `-1 ${errno}` : hex(e.ret)}`;
    }
    case 'fault':
      return `pid ${e.pid}: ${ACCESS[e.access] ?? e.access} fault at ${hex(e.va)} (cause ${e.cause}) → ${e.outcome}`;
    case 'cow.break':
      return `pid ${e.pid}: COW break of page ${hex(e.vpn * 4096)}: frame ${hex(e.oldPfn)} → ${hex(e.newPfn)}${e.reused ? ' (reused)' : ' (copied)'}`;
    case 'vma.split':
      return `pid ${e.pid}: VMA ${hex(e.start)}-${hex(e.end)} split at ${hex(e.at)}`;
    case 'vma.merge':
      return `pid ${e.pid}: VMAs merged into ${hex(e.start)}-${hex(e.end)}`;
    case 'frame.alloc':
      return `frame ${hex(e.pfn)} allocated (order ${e.order})`;
    case 'frame.free':
      return `frame ${hex(e.pfn)} freed (order ${e.order})`;
    case 'mmu.walk':
      return `hart ${e.hart}: walk of ${hex(e.va)} (${ACCESS[e.access] ?? e.access}), ${e.levels} levels${e.fault ? `, fault ${e.fault}` : ''}`;
    case 'tlb.flush':
      return `hart ${e.hart}: sfence.vma (${e.scope}${e.scope.includes('asid') ? ` asid ${e.asid}` : ''}${e.scope.startsWith('va') ? ` page ${hex(e.vpn * 4096)}` : ''})`;
    case 'tlb.shootdown':
      return `TLB shootdown: asid ${e.asid}, ${e.harts} harts, ${e.ipis} IPIs, ${e.full ? 'full' : `${e.pages} pages`}`;
    default:
      return JSON.stringify(e);
  }
}

/** `kind → count` of `events`, in first-seen order. */
export function countByKind(events: readonly MmEvent[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  return [...counts];
}
