/**
 * What the ELF gABI requires of a program that Linux does not enforce.
 *
 * @module
 */

import { ELFCLASS64, ELFDATA2LSB, EV_CURRENT, PT_INTERP, PT_LOAD, PT_PHDR } from './elf-constants.js';
import type { ElfFile } from './parse.js';

/** Which gABI rule a file breaks. */
export type ElfIssueCode =
  | 'class-not-64'
  | 'data-not-lsb'
  | 'ident-version'
  | 'e-version'
  | 'load-unsorted'
  | 'load-overlap'
  | 'align-not-power-of-two'
  | 'align-incongruent'
  | 'phdr-after-load'
  | 'phdr-not-loaded'
  | 'interp-after-load'
  | 'multiple-interp';

/** One rule a file breaks that Linux tolerates. */
export interface ElfIssue {
  /** Which rule. */
  readonly code: ElfIssueCode;
  /** A human explanation. */
  readonly message: string;
  /** The program header concerned, when one is. */
  readonly segment?: number | undefined;
}

/**
 * The gABI rules `load_elf_binary` does not enforce, for reports and strict loaders: `EI_CLASS` 64, `EI_DATA`
 * little-endian, versions current; `PT_LOAD` entries sorted by `p_vaddr` and not overlapping in pages; `p_align`
 * 0, 1 or a power of two with `p_vaddr ≡ p_offset (mod p_align)`; `PT_PHDR` and `PT_INTERP` before every
 * `PT_LOAD`, `PT_PHDR` inside a `PT_LOAD`; at most one `PT_INTERP`. An empty list means none is broken.
 * Linux loads such files anyway (see `planExec`), so these are findings, not errors.
 */
export function checkElfConformance(elf: ElfFile): ElfIssue[] {
  const issues: ElfIssue[] = [];
  const h = elf.header;
  if (h.class !== ELFCLASS64) issues.push({ code: 'class-not-64', message: `EI_CLASS ${h.class}` });
  if (h.data !== ELFDATA2LSB) issues.push({ code: 'data-not-lsb', message: `EI_DATA ${h.data}` });
  if (h.identVersion !== EV_CURRENT)
    issues.push({ code: 'ident-version', message: `EI_VERSION ${h.identVersion}` });
  if (h.version !== EV_CURRENT) issues.push({ code: 'e-version', message: `e_version ${h.version}` });
  const loads = elf.programHeaders.filter((p) => p.type === PT_LOAD);
  const firstLoad = loads[0]?.index ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < loads.length; i++) {
    const a = loads[i - 1]!;
    const b = loads[i]!;
    if (b.vaddr < a.vaddr)
      issues.push({
        code: 'load-unsorted',
        message: `PT_LOAD ${b.index} below PT_LOAD ${a.index}`,
        segment: b.index,
      });
    else if (a.memsz > 0n && (b.vaddr & ~0xfffn) < ((a.vaddr + a.memsz + 0xfffn) & ~0xfffn))
      issues.push({
        code: 'load-overlap',
        message: `PT_LOAD ${b.index} shares pages with PT_LOAD ${a.index}`,
        segment: b.index,
      });
  }
  for (const p of loads) {
    if (p.align > 1n && (p.align & (p.align - 1n)) !== 0n)
      issues.push({ code: 'align-not-power-of-two', message: `p_align ${p.align}`, segment: p.index });
    else if (p.align > 1n && (p.vaddr - p.offset) % p.align !== 0n)
      issues.push({
        code: 'align-incongruent',
        message: 'p_vaddr and p_offset differ modulo p_align',
        segment: p.index,
      });
  }
  const interps = elf.programHeaders.filter((p) => p.type === PT_INTERP);
  if (interps.length > 1)
    issues.push({ code: 'multiple-interp', message: `${interps.length} PT_INTERP entries` });
  for (const p of interps)
    if (p.index > firstLoad)
      issues.push({ code: 'interp-after-load', message: 'PT_INTERP after a PT_LOAD', segment: p.index });
  for (const p of elf.programHeaders.filter((q) => q.type === PT_PHDR)) {
    if (p.index > firstLoad)
      issues.push({ code: 'phdr-after-load', message: 'PT_PHDR after a PT_LOAD', segment: p.index });
    const inside = loads.some((l) => l.offset <= p.offset && p.offset + p.filesz <= l.offset + l.filesz);
    if (!inside)
      issues.push({ code: 'phdr-not-loaded', message: 'PT_PHDR is not inside a PT_LOAD', segment: p.index });
  }
  return issues;
}
