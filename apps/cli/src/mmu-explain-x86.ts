/**
 * `pagewright --arch x86-64 mmu --explain FILE.vec`: every access of an x86-64 vector file walked level by level in
 * words (`walkX86Trace` from `@pagewright/x86-64`), each followed by the runner's own JSON result line.
 *
 * The commands are replayed on an `X86Cpu` of this module's own, the way the vector runner carries them out (register
 * writes, flushes, the accesses themselves), so every walk sees the tables, A/D bits and registers the real run saw.
 * The result lines come from `runX86Vectors` itself. With `tlb manual` an access may be answered from the TLB; the
 * walk shown is then what the tables say, and the line says so.
 *
 * @module
 */
import type { U64Pair } from '@pagewright/core';
import { SetAssociativeTlb } from '@pagewright/sv39';
import {
  Cr0,
  Cr4,
  Efer,
  QEMU_WALK_OPTIONS,
  walkX86Trace,
  X86_64_LA57,
  X86Cpu,
  X86Ctl,
  X86VectorMemory,
  type X86WalkTrace,
} from '@pagewright/x86-64';

const MARKER = 0x0badc0de;
const LEVEL_NAMES = ['PTE', 'PDE', 'PDPTE', 'PML4E', 'PML5E'];
const CR4_BITS: Readonly<Record<string, number>> = {
  smep: Cr4.SMEP,
  smap: Cr4.SMAP,
  pge: Cr4.PGE,
  pcide: Cr4.PCIDE,
  pke: Cr4.PKE,
};

/** The walk's control word (`X86Ctl`) for an access by `cpu` as it stands (CPL, AC, CR0/CR4/EFER). */
export function x86CtlOf(cpu: X86Cpu): number {
  let ctl = 0;
  if ((cpu.cr0 & Cr0.WP) !== 0) ctl |= X86Ctl.Wp;
  if ((cpu.efer & Efer.NXE) !== 0) ctl |= X86Ctl.Nxe;
  if ((cpu.cr4 & Cr4.SMEP) !== 0) ctl |= X86Ctl.Smep;
  if ((cpu.cr4 & Cr4.PKE) !== 0) ctl |= X86Ctl.Pke;
  if ((cpu.cr4 & Cr4.PGE) !== 0) ctl |= X86Ctl.Pge;
  if (cpu.cpl === 3) ctl |= X86Ctl.User;
  else if ((cpu.cr4 & Cr4.SMAP) !== 0 && !cpu.ac) ctl |= X86Ctl.SmapBlock;
  return ctl;
}

/** One traced x86 walk as indented lines. */
export function describeX86Trace(t: X86WalkTrace, indent = '  '): string[] {
  const lines = t.levels.map((l) => {
    const where = `${LEVEL_NAMES[l.level] ?? `level ${l.level}`}: table 0x${l.tableFrame.toString(16)}[${l.index}] at 0x${l.entryAddr.toString(16)} = ${l.raw} ${l.bits}`;
    if (l.kind === 'not-present') return `${indent}${where}: not present`;
    if (l.kind === 'table')
      return `${indent}${where}: points to the next table, frame 0x${l.pfn.toString(16)}`;
    return `${indent}${where}: a leaf (${['4 KiB', '2 MiB', '1 GiB'][l.level] ?? '?'} page) → frame 0x${l.pfn.toString(16)}`;
  });
  lines.push(`${indent}→ ${t.stop}`);
  return lines;
}

/**
 * The explanation lines of an x86-64 vector file: one block per load/store/fetch, each ending with the matching
 * line of `results` (what `runX86Vectors` printed for the same file); peeks print their result line alone.
 */
export function explainX86Vectors(text: string, results: readonly string[]): string[] {
  const memory = new X86VectorMemory();
  const out: string[] = [];
  const word: U64Pair = { lo: 0, hi: 0 };
  let cpu: X86Cpu | null = null;
  let next = 0;
  let i = 0;
  let auto = true;
  for (const line of text.split('\n')) {
    const tokens = line.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) continue;
    const [cmd, a0 = '0'] = tokens as [string, string | undefined];
    if (cmd === 'case') {
      memory.reset();
      // As the runner builds it: an LA57-capable CPU in 4-level paging (`paging 5` turns LA57 on).
      cpu = new X86Cpu({
        id: 0,
        memory,
        tlb: new SetAssociativeTlb({ sets: 16, ways: 4, policy: 'lru' }),
        arch: X86_64_LA57,
        walkOptions: QEMU_WALK_OPTIONS,
      });
      i = 0;
      auto = true;
      out.push(`case ${a0}`);
      continue;
    }
    if (cmd === 'end' || cpu === null) continue;
    const c = cpu;
    i++;
    const flushAll = () => {
      c.writeCr4(c.cr4 ^ Cr4.PGE);
      c.writeCr4(c.cr4 ^ Cr4.PGE);
    };
    const on = a0 === '1';
    if (cmd === 'paging' && a0 === '5') {
      c.writeCr0(c.cr0 & ~Cr0.PG);
      c.writeCr4(c.cr4 | Cr4.LA57);
      c.writeCr0(c.cr0 | Cr0.PG);
    } else if (cmd === 'pte') {
      const v = BigInt(tokens[2] ?? '0');
      memory.write64(Number(BigInt(a0)), Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn));
    } else if (cmd === 'cr3') c.writeCr3(BigInt(a0));
    else if (cmd === 'wp') {
      c.writeCr0(on ? c.cr0 | Cr0.WP : c.cr0 & ~Cr0.WP);
      flushAll();
    } else if (cmd === 'nxe') {
      c.writeEfer(on ? c.efer | Efer.NXE : c.efer & ~Efer.NXE);
      flushAll();
    } else if (cmd in CR4_BITS) {
      const mask = CR4_BITS[cmd] as number;
      c.writeCr4(on ? c.cr4 | mask : c.cr4 & ~mask);
      flushAll();
    } else if (cmd === 'pkru') {
      c.pkru = Number(BigInt(a0));
      flushAll();
    } else if (cmd === 'cpl') c.cpl = Number(a0);
    else if (cmd === 'ac') c.ac = on;
    else if (cmd === 'tlb') auto = a0 === 'auto';
    else if (cmd === 'flush') flushAll();
    else if (cmd === 'invlpg') {
      const va = BigInt(a0);
      if (c.activeArch.isCanonical(va)) c.invlpgAt(c.activeArch.toSignedVpn(va));
    } else if (cmd === 'peek') out.push(`  ${i}. peek ${a0}`, `       ${results[next++] ?? ''}`);
    else if (cmd === 'load' || cmd === 'store' || cmd === 'fetch') {
      const access = cmd === 'load' ? 0 : cmd === 'store' ? 1 : 2;
      const raw = BigInt(a0);
      if (auto) flushAll();
      const arch = c.activeArch;
      const la57 = arch.levels === 5 ? '5-level' : '4-level';
      out.push(
        `  ${i}. ${cmd} ${a0} (${la57}, CPL ${c.cpl}, CR0.WP ${(c.cr0 & Cr0.WP) !== 0 ? 1 : 0}, root frame 0x${(Number(c.cr3 >> 12n) & 0xffffffffff).toString(16)})`,
      );
      if (!arch.isCanonical(raw)) out.push('       → #GP: the address is not canonical');
      else {
        const svpn = arch.toSignedVpn(raw);
        const vpn = svpn < 0 ? svpn + arch.pageSpan : svpn;
        const root = Number((c.cr3 >> 12n) & 0xffffffffffn);
        const t = walkX86Trace(
          arch,
          memory,
          root,
          vpn,
          Number(raw & 0xfffn),
          access,
          x86CtlOf(c),
          c.pkru,
          c.walkOptions,
        );
        if (!auto)
          out.push(
            '       (tlb manual: the CPU may answer from its TLB; the walk shows what the tables say)',
          );
        out.push(...describeX86Trace(t, '       '));
      }
      // Carry the access out as the runner does, so later walks see its A/D bits and data.
      const r = arch.isCanonical(raw)
        ? c.translateAt(arch.toSignedVpn(raw), Number(raw & 0xfffn), access)
        : c.translate(Number.NaN, access);
      if (r >= 0 && cmd === 'store') memory.write64(r, MARKER, MARKER);
      else if (r >= 0 && cmd === 'load') memory.read64(r, word);
      out.push(`       ${results[next++] ?? ''}`);
    }
  }
  return out;
}
