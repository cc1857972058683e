import {
  EM_X86_64,
  ET_DYN,
  ET_EXEC,
  ET_REL,
  PF_R,
  PF_W,
  PF_X,
  PT_GNU_STACK,
  PT_INTERP,
  PT_LOAD,
} from '../src/index.js';
import { buildElf, cString, type PhdrSpec } from './build-elf.js';

/** Where fixtures/record-exec.ts writes the cases (interpreter paths inside the files point here). */
export const CASE_DIR = '/tmp/pagewright-exec-cases';

/** x86-64 `mov eax, 60; mov edi, 42; syscall`: exit(42). */
const EXIT_42 = new Uint8Array([0xb8, 0x3c, 0, 0, 0, 0xbf, 0x2a, 0, 0, 0, 0x0f, 0x05]);

/** The exit code sits at file offset 0x1800, past even the largest program header table here. */
const CODE_AT = 0x1800;
const CODE: PhdrSpec = {
  type: PT_LOAD,
  flags: PF_R | PF_X,
  offset: 0,
  vaddr: 0x400000,
  filesz: 0x2000,
  memsz: 0x2000,
};

function program(opts: {
  phdrs?: PhdrSpec[];
  type?: number;
  entry?: bigint | number;
  phentsize?: number;
  phnum?: number;
  phoff?: number;
  base?: number;
  extra?: { at: number; bytes: Uint8Array }[];
  size?: number;
}): Uint8Array {
  const base = opts.base ?? 0x400000;
  return buildElf({
    machine: EM_X86_64,
    type: opts.type ?? ET_EXEC,
    entry: opts.entry ?? base + CODE_AT,
    phdrs: opts.phdrs ?? [{ ...CODE, vaddr: base }],
    ...(opts.phentsize !== undefined ? { phentsize: opts.phentsize } : {}),
    ...(opts.phnum !== undefined ? { phnum: opts.phnum } : {}),
    ...(opts.phoff !== undefined ? { phoff: opts.phoff } : {}),
    data: [{ at: CODE_AT, bytes: EXIT_42 }, ...(opts.extra ?? [])],
    size: opts.size ?? 0x4000,
  });
}

const interp = (target: string, at = 0x180): PhdrSpec => ({
  type: PT_INTERP,
  offset: at,
  filesz: `${CASE_DIR}/${target}`.length + 1,
});
const interpData = (target: string, at = 0x180) => [{ at, bytes: cString(`${CASE_DIR}/${target}`) }];

/** One exec case: the file, and the case whose file its PT_INTERP names. */
export interface ExecCase {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly interpreter?: string;
}

const main6 = { ...CODE, vaddr: 0x600000 };

/** Small x86-64 programs, valid and broken, each exec'ed on Linux by fixtures/record-exec.ts. */
export const EXEC_CASES: readonly ExecCase[] = [
  { name: 'ok', bytes: program({}) },
  { name: 'bad-magic', bytes: new Uint8Array(0x200).fill(0x41) },
  { name: 'et-rel', bytes: program({ type: ET_REL }) },
  { name: 'phentsize-32', bytes: program({ phentsize: 32 }) },
  { name: 'phnum-0', bytes: program({ phnum: 0 }) },
  { name: 'phnum-74', bytes: program({ phdrs: Array(74).fill(CODE) }) },
  {
    name: 'phnum-1170',
    bytes: program({ phdrs: [...Array(1169).fill({ type: 0 }), CODE], phoff: 0x4000, size: 0x15000 }),
  },
  { name: 'phnum-1171', bytes: program({ phdrs: Array(1171).fill(CODE), phoff: 0x4000, size: 0x15000 }) },
  { name: 'phdrs-past-eof', bytes: program({ phoff: 0x3ff0 }) },
  {
    name: 'class32-data-msb',
    bytes: (() => {
      const b = program({});
      b[4] = 1;
      b[5] = 2;
      return b;
    })(),
  },
  { name: 'interp-size-1', bytes: program({ phdrs: [{ type: PT_INTERP, offset: 0x180, filesz: 1 }, CODE] }) },
  {
    name: 'interp-not-terminated',
    bytes: program({ phdrs: [{ type: PT_INTERP, offset: CODE_AT, filesz: 7 }, CODE] }),
  },
  {
    name: 'interp-past-eof',
    bytes: program({ phdrs: [{ type: PT_INTERP, offset: 0x3ff0, filesz: 0x20 }, CODE] }),
  },
  {
    name: 'interp-elibbad',
    bytes: program({ phdrs: [interp('bad-magic'), main6], base: 0x600000, extra: interpData('bad-magic') }),
    interpreter: 'bad-magic',
  },
  {
    name: 'interp-et-rel',
    bytes: program({ phdrs: [interp('et-rel'), main6], base: 0x600000, extra: interpData('et-rel') }),
    interpreter: 'et-rel',
  },
  {
    name: 'interp-ok',
    bytes: program({ phdrs: [interp('ok'), main6], base: 0x600000, extra: interpData('ok') }),
    interpreter: 'ok',
  },
  {
    name: 'pie-interp-ok',
    bytes: program({
      type: ET_DYN,
      phdrs: [interp('ok'), { ...CODE, vaddr: 0 }],
      entry: CODE_AT,
      extra: interpData('ok'),
    }),
    interpreter: 'ok',
  },
  { name: 'misaligned-offset', bytes: program({ phdrs: [{ ...CODE, offset: 0x10 }] }) },
  { name: 'filesz-over-memsz', bytes: program({ phdrs: [{ ...CODE, memsz: 0x100 }] }) },
  { name: 'vaddr-past-task-size', bytes: program({ phdrs: [{ ...CODE, vaddr: 2 ** 47 }] }) },
  { name: 'entry-past-task-size', bytes: program({ entry: 2n ** 47n }) },
  { name: 'offset-overflow', bytes: program({ phdrs: [{ ...CODE, offset: 2n ** 63n - 0x1000n }] }) },
  { name: 'odd-align', bytes: program({ phdrs: [{ ...CODE, align: 3 }] }) },
  {
    name: 'unsorted-loads',
    bytes: program({
      phdrs: [
        { type: PT_LOAD, flags: PF_R | PF_W, offset: 0x1000, vaddr: 0x500000, filesz: 0x10, memsz: 0x3000 },
        CODE,
      ],
    }),
  },
  { name: 'readonly-bss', bytes: program({ phdrs: [{ ...CODE, memsz: 0x5000 }] }) },
  {
    name: 'execstack',
    bytes: program({ phdrs: [CODE, { type: PT_GNU_STACK, flags: PF_R | PF_W | PF_X }] }),
  },
];
