import { EM_RISCV, ET_EXEC } from '../src/index.js';

/** A program header for {@link buildElf}; 64-bit fields as bigint or number. */
export interface PhdrSpec {
  type: number;
  flags?: number;
  offset?: bigint | number;
  vaddr?: bigint | number;
  filesz?: bigint | number;
  memsz?: bigint | number;
  align?: bigint | number;
}

/** Options of {@link buildElf}. */
export interface ElfSpec {
  type?: number;
  machine?: number;
  entry?: bigint | number;
  phoff?: bigint | number;
  phentsize?: number;
  phnum?: number;
  phdrs: PhdrSpec[];
  /** Extra bytes placed at file offsets (for PT_INTERP strings and segment data). */
  data?: { at: number; bytes: Uint8Array }[];
  /** Total file size (default: enough for the headers and the data). */
  size?: number;
}

/** Builds a little-endian ELF64 file from a spec (an independent writer, for tests). */
export function buildElf(spec: ElfSpec): Uint8Array {
  const phoff = BigInt(spec.phoff ?? 64);
  let size = 64 + 56 * spec.phdrs.length;
  for (const d of spec.data ?? []) size = Math.max(size, d.at + d.bytes.length);
  const buf = new Uint8Array(spec.size ?? size);
  const view = new DataView(buf.buffer);
  buf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  view.setUint16(16, spec.type ?? ET_EXEC, true);
  view.setUint16(18, spec.machine ?? EM_RISCV, true);
  view.setUint32(20, 1, true);
  view.setBigUint64(24, BigInt(spec.entry ?? 0x10000), true);
  view.setBigUint64(32, phoff, true);
  view.setUint16(52, 64, true);
  view.setUint16(54, spec.phentsize ?? 56, true);
  view.setUint16(56, spec.phnum ?? spec.phdrs.length, true);
  spec.phdrs.forEach((p, i) => {
    const o = Number(phoff) + 56 * i;
    if (o + 56 > buf.length) return;
    view.setUint32(o, p.type, true);
    view.setUint32(o + 4, p.flags ?? 4, true);
    view.setBigUint64(o + 8, BigInt(p.offset ?? 0), true);
    view.setBigUint64(o + 16, BigInt(p.vaddr ?? 0), true);
    view.setBigUint64(o + 24, BigInt(p.vaddr ?? 0), true);
    view.setBigUint64(o + 32, BigInt(p.filesz ?? 0), true);
    view.setBigUint64(o + 40, BigInt(p.memsz ?? p.filesz ?? 0), true);
    view.setBigUint64(o + 48, BigInt(p.align ?? 0x1000), true);
  });
  for (const d of spec.data ?? []) buf.set(d.bytes, d.at);
  return buf;
}

/** A NUL-terminated string. */
export function cString(s: string): Uint8Array {
  return new TextEncoder().encode(`${s}\0`);
}
