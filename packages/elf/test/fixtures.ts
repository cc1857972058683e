import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '..', 'fixtures');

/** The fixture binaries built by fixtures/build.sh. */
export const FIXTURES = [
  'riscv64-static',
  'riscv64-static-pie',
  'riscv64-pie-interp',
  'riscv64-execstack',
  'x86_64-static',
  'x86_64-static-pie',
  'x86_64-execstack',
  'x86_64-pie-interp',
] as const;

/** A fixture's bytes. */
export function fixture(name: (typeof FIXTURES)[number]): Uint8Array {
  return new Uint8Array(readFileSync(join(dir, name)));
}

/** What `readelf -lhW` printed for a fixture at build time. */
export interface ReadelfRecord {
  type: string;
  machine: string;
  entry: bigint;
  phoff: bigint;
  phentsize: number;
  phnum: number;
  interpreter: string | null;
  phdrs: {
    type: string;
    offset: bigint;
    vaddr: bigint;
    paddr: bigint;
    filesz: bigint;
    memsz: bigint;
    flags: string;
    align: bigint;
  }[];
}

/** Parses the recorded readelf text of a fixture. */
export function readelf(name: (typeof FIXTURES)[number]): ReadelfRecord {
  const text = readFileSync(join(dir, `${name}.readelf.txt`), 'utf8');
  const field = (label: string) => {
    const m = new RegExp(`^\\s*${label}:\\s+(.*)$`, 'm').exec(text);
    if (!m) throw new Error(`readelf ${name}: no ${label}`);
    return m[1]!.trim();
  };
  const phdrs: ReadelfRecord['phdrs'] = [];
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim().startsWith('Type') && l.includes('VirtAddr'));
  for (const line of lines.slice(start + 1)) {
    const m =
      /^\s+(\S+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(.{3})\s+(0x[0-9a-f]+)$/.exec(
        line,
      );
    if (m) {
      phdrs.push({
        type: m[1]!,
        offset: BigInt(m[2]!),
        vaddr: BigInt(m[3]!),
        paddr: BigInt(m[4]!),
        filesz: BigInt(m[5]!),
        memsz: BigInt(m[6]!),
        flags: m[7]!,
        align: BigInt(m[8]!),
      });
    } else if (line.trim() === '' && phdrs.length > 0) break;
  }
  const interp = /\[Requesting program interpreter: (.*)\]/.exec(text);
  return {
    type: field('Type').split(' ')[0]!,
    machine: field('Machine'),
    entry: BigInt(field('Entry point address')),
    phoff: BigInt(field('Start of program headers').split(' ')[0]!),
    phentsize: Number(field('Size of program headers').split(' ')[0]),
    phnum: Number(field('Number of program headers')),
    interpreter: interp ? interp[1]! : null,
    phdrs,
  };
}
