import { describe, expect, it } from 'vitest';
import {
  MAP_ANONYMOUS,
  MAP_GROWSDOWN,
  MAP_LOCKED,
  MAP_NORESERVE,
  MAP_PRIVATE,
  MAP_SHARED,
} from './mmap-flags.js';
import { PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE, parseProtString, protToString } from './prot.js';
import {
  formatVmFlags,
  hasVmFlags,
  mmapVmFlags,
  protToVmFlags,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_LOCKED,
  VM_MERGEABLE,
  VM_READ,
  VM_WRITE,
  vmFlagMnemonics,
  vmFlags,
  vmFlagsToMapsPerms,
  vmFlagsToProt,
} from './vm-flags.js';

describe('VmFlags', () => {
  it('converts prot to VM_READ/WRITE/EXEC and back', () => {
    expect(protToVmFlags(PROT_NONE)).toBe(0);
    expect(protToVmFlags(PROT_READ | PROT_WRITE)).toBe(VM_READ | VM_WRITE);
    expect(protToVmFlags(PROT_EXEC)).toBe(VM_EXEC);
    for (let p = 0; p < 8; p++) expect(vmFlagsToProt(protToVmFlags(p))).toBe(p);
  });

  it('computes the flags of a private anonymous rw mapping as smaps prints them', () => {
    const f = mmapVmFlags(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    expect(formatVmFlags(f)).toBe('rd wr mr mw me ac ');
    expect(vmFlagsToMapsPerms(f)).toBe('rw-p');
  });

  it('computes the flags of a shared anonymous mapping', () => {
    const f = mmapVmFlags(PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
    expect(formatVmFlags(f)).toBe('rd wr sh mr mw me ms ');
    expect(vmFlagsToMapsPerms(f)).toBe('rw-s');
  });

  it('handles write-only, NORESERVE, GROWSDOWN and LOCKED', () => {
    expect(vmFlagMnemonics(mmapVmFlags(PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS))).toEqual([
      'wr',
      'mr',
      'mw',
      'me',
      'ac',
    ]);
    const f = mmapVmFlags(
      PROT_READ,
      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_GROWSDOWN | MAP_LOCKED,
    );
    expect(vmFlagMnemonics(f)).toEqual(['rd', 'mr', 'mw', 'me', 'gd', 'lo', 'nr']);
    expect(hasVmFlags(f, VM_GROWSDOWN | VM_LOCKED)).toBe(true);
  });

  it('keeps bit 31 unsigned', () => {
    const f = vmFlags(VM_READ | VM_MERGEABLE);
    expect(f).toBe(0x80000001);
    expect(vmFlagMnemonics(f)).toEqual(['rd', 'mg']);
    expect(hasVmFlags(f, VM_MERGEABLE)).toBe(true);
  });

  it('prints and parses prot letters', () => {
    for (let p = 0; p < 8; p++) expect(parseProtString(protToString(p))).toBe(p);
    expect(parseProtString('rwz')).toBeUndefined();
  });
});
