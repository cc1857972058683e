/**
 * The global plug-in options every command shares (`--allocator`, `--arch`, `--tlb`, `--vma`, `--placement`,
 * `--ad`, `--flush`, `--seed`, `--aslr`, `--harts`, `--memory`), with the names and values the library uses, and their validation.
 *
 * @module
 */
import { InvalidArgumentError, Option } from 'commander';

/** Frame allocators the `Machine` knows. */
export const ALLOCATORS = ['stack', 'bitmap', 'buddy'] as const;
/** Paging architectures. */
export const ARCHES = ['sv39', 'sv48'] as const;
/** VMA indexes. */
export const VMA_INDEXES = ['tree', 'list'] as const;
/** Free-area placement policies. */
export const PLACEMENTS = ['topdown', 'bottomup'] as const;
/** A/D-bit policies. */
export const AD_POLICIES = ['svade', 'hardware'] as const;
/**
 * TLB flush strategies after a page-table change (process-vm's names: `shootdown` batches per operation and
 * collapses past a threshold, `page` flushes each page, `full` flushes the address space; `batched` and `asid` are
 * accepted as the former names of `shootdown` and `full`).
 */
export const FLUSH_STRATEGIES = ['shootdown', 'page', 'full', 'batched', 'asid'] as const;

/** The plug-in choices given on the command line, already validated (absent = the library's default). */
export interface PlugInOptions {
  allocator?: (typeof ALLOCATORS)[number];
  arch?: (typeof ARCHES)[number];
  tlb?: string;
  vma?: (typeof VMA_INDEXES)[number];
  placement?: (typeof PLACEMENTS)[number];
  ad?: (typeof AD_POLICIES)[number];
  flush?: (typeof FLUSH_STRATEGIES)[number];
  seed?: number;
  aslr?: boolean;
  checkTlb?: boolean;
  harts?: number;
  memory?: number;
}

/** Parses a non-negative integer written in decimal or `0x` hex, below 2^53. */
export function parseInteger(value: string, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(value)) throw new InvalidArgumentError(`${what} must be an integer.`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${what} must be between ${min} and ${max}.`);
  return n;
}

/** A parser for a `--memory` size: a number of MiB (`256`) or with a unit suffix (`64M`, `1G`, `512K`). */
export function parseMemorySize(value: string): number {
  const m = /^([0-9]+)([KMG]i?B?)?$/i.exec(value);
  if (!m) throw new InvalidArgumentError('size must look like 256, 64M or 1G.');
  const unit = (m[2] ?? 'M')[0]!.toUpperCase();
  const bytes = Number(m[1]) * (unit === 'K' ? 1024 : unit === 'G' ? 1024 ** 3 : 1024 ** 2);
  if (bytes < 1024 * 1024 || bytes > 2 ** 40 || bytes % 4096 !== 0)
    throw new InvalidArgumentError('size must be a multiple of 4 KiB between 1 MiB and 1 TiB.');
  return bytes;
}

/**
 * The global options as commander `Option`s. `tlbSpecCheck` validates a `--tlb` value (the library's own
 * parser), throwing on a bad one.
 */
export function plugInOptions(tlbSpecCheck: (spec: string) => void): Option[] {
  return [
    new Option('--allocator <name>', 'frame allocator').choices(ALLOCATORS),
    new Option('--arch <name>', 'paging architecture').choices(ARCHES),
    new Option(
      '--tlb <spec>',
      'TLB geometry and policy per hart: SETSxWAYS[:POLICY], e.g. 16x4:lru',
    ).argParser((v: string) => {
      try {
        tlbSpecCheck(v);
      } catch (e) {
        throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
      }
      return v;
    }),
    new Option('--vma <index>', 'VMA index').choices(VMA_INDEXES),
    new Option('--placement <policy>', 'free-area placement policy').choices(PLACEMENTS),
    new Option('--ad <policy>', 'accessed/dirty-bit policy').choices(AD_POLICIES),
    new Option('--flush <strategy>', 'TLB flush strategy after a page-table change').choices(
      FLUSH_STRATEGIES,
    ),
    new Option('--seed <n>', 'seed of every random choice').argParser((v: string) => parseInteger(v, 'seed')),
    new Option('--harts <n>', 'number of harts').argParser((v: string) => parseInteger(v, 'harts', 1, 64)),
    new Option('--memory <size>', 'physical memory (256, 64M, 1G)').argParser(parseMemorySize),
    new Option('--aslr', 'randomise the stack, mmap base and heap (from the seed)'),
    new Option(
      '--check-tlb',
      'run the stale-TLB detector at every flush point (slower; throws on a stale entry)',
    ),
  ];
}

/** Picks the plug-in options out of commander's merged option record. */
export function pickPlugInOptions(all: Record<string, unknown>): PlugInOptions {
  const out: Record<string, unknown> = {};
  for (const k of [
    'allocator',
    'arch',
    'tlb',
    'vma',
    'placement',
    'ad',
    'flush',
    'seed',
    'aslr',
    'checkTlb',
    'harts',
    'memory',
  ])
    if (all[k] !== undefined) out[k] = all[k];
  return out as PlugInOptions;
}
