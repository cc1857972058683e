/**
 * The global plug-in options every command shares (`--allocator`, `--arch`, `--tlb`, `--tlb-policy`, `--vma`,
 * `--placement`, `--ad`, `--flush`, `--seed`, `--aslr`, `--harts`, `--memory`), with the names the library's
 * registries define, and their validation. A plug-in option also takes a module path (`./my-alloc.mjs`) whose
 * default export is the factory; {@link loadPlugInModules} imports them before the machine is built.
 *
 * @module
 */
import { FRAME_ALLOCATOR_NAMES } from '@pagewright/frames';
import { ARCH_NAMES, FLUSH_STRATEGIES } from '@pagewright/process-vm';
import { REPLACEMENT_POLICY_NAMES } from '@pagewright/tlb';
import { PLACEMENTS, VMA_INDEXES } from '@pagewright/vma';
import { InvalidArgumentError, Option } from 'commander';
import { UsageError } from './io.js';
import { isModulePath, loadPluginFactory } from './plugin-module.js';

/** Frame allocators the `Machine` knows (`FRAME_ALLOCATORS` of `@pagewright/frames`). */
export const ALLOCATORS: readonly string[] = FRAME_ALLOCATOR_NAMES;
/** Paging architectures (`ARCHES` of `@pagewright/process-vm`). */
export const ARCHES: readonly string[] = ARCH_NAMES;
/** VMA indexes (`VMA_INDEXES` of `@pagewright/vma`). */
export const VMA_INDEX_NAMES: readonly string[] = Object.keys(VMA_INDEXES);
/** Free-area placement policies (`PLACEMENTS` of `@pagewright/vma`). */
export const PLACEMENT_NAMES: readonly string[] = Object.keys(PLACEMENTS);
/** TLB replacement policies (`BUILTIN_REPLACEMENT_POLICIES` of `@pagewright/tlb`). */
export const TLB_POLICIES: readonly string[] = REPLACEMENT_POLICY_NAMES;
/** A/D-bit policies. */
export const AD_POLICIES = ['svade', 'hardware'] as const;
/**
 * TLB flush strategies after a page-table change (process-vm's names: `shootdown` batches per operation and
 * collapses past a threshold, `page` flushes each page, `full` flushes the address space).
 */
export const FLUSH_NAMES: readonly string[] = FLUSH_STRATEGIES;

/** A plug-in given by module path, loaded: the module's default export. */
export type LoadedFactory = (context: never) => unknown;

/** The plug-in choices given on the command line, already validated (absent = the library's default). */
export interface PlugInOptions {
  /** A built-in name, a module path (before loading) or the loaded factory. */
  allocator?: string | LoadedFactory;
  arch?: string | LoadedFactory;
  tlb?: string;
  tlbPolicy?: string | LoadedFactory;
  vma?: string | LoadedFactory;
  placement?: string | LoadedFactory;
  ad?: (typeof AD_POLICIES)[number];
  flush?: string;
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

/** A plug-in option: one of `names`, or a module path (`./x.mjs`) whose default export is a factory. */
function plugInOption(flags: string, what: string, names: readonly string[], example: string): Option {
  return new Option(
    flags,
    `${what}: ${names.join(', ')}, or FILE.mjs (its default export is a factory)`,
  ).argParser((v: string) => {
    if (names.includes(v) || isModulePath(v)) return v;
    throw new InvalidArgumentError(
      `Allowed choices are ${names.join(', ')}, or a module path like ./${example}.mjs.`,
    );
  });
}

/**
 * The global options as commander `Option`s. `tlbSpecCheck` validates a `--tlb` value (the library's own
 * parser), throwing on a bad one.
 */
export function plugInOptions(tlbSpecCheck: (spec: string) => void): Option[] {
  return [
    plugInOption('--allocator <name|file>', 'frame allocator', ALLOCATORS, 'my-allocator'),
    plugInOption('--arch <name|file>', 'paging architecture', ARCHES, 'my-arch'),
    new Option(
      '--tlb <spec>',
      'TLB geometry and policy per hart: SETSxWAYS[:POLICY], e.g. 16x4:lru, or off',
    ).argParser((v: string) => {
      try {
        tlbSpecCheck(v);
      } catch (e) {
        throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
      }
      return v;
    }),
    plugInOption(
      '--tlb-policy <name|file>',
      'TLB replacement policy (overrides the :POLICY of --tlb)',
      TLB_POLICIES,
      'my-policy',
    ),
    plugInOption('--vma <name|file>', 'VMA index', VMA_INDEX_NAMES, 'my-index'),
    plugInOption('--placement <name|file>', 'free-area placement policy', PLACEMENT_NAMES, 'my-placement'),
    new Option('--ad <policy>', 'accessed/dirty-bit policy').choices(AD_POLICIES),
    new Option('--flush <strategy>', 'TLB flush strategy after a page-table change').choices(FLUSH_NAMES),
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

const PLUG_IN_KEYS = [
  'allocator',
  'arch',
  'tlb',
  'tlbPolicy',
  'vma',
  'placement',
  'ad',
  'flush',
  'seed',
  'aslr',
  'checkTlb',
  'harts',
  'memory',
] as const;

/** Picks the plug-in options out of commander's merged option record. */
export function pickPlugInOptions(all: Record<string, unknown>): PlugInOptions {
  const out: Record<string, unknown> = {};
  for (const k of PLUG_IN_KEYS) if (all[k] !== undefined) out[k] = all[k];
  return out as PlugInOptions;
}

/** The options that may name a module, with their flags (for error messages). */
const MODULE_OPTIONS = [
  ['allocator', '--allocator'],
  ['arch', '--arch'],
  ['tlbPolicy', '--tlb-policy'],
  ['vma', '--vma'],
  ['placement', '--placement'],
] as const;

/**
 * Imports every plug-in option given as a module path and replaces it with its factory, wrapped so that an
 * exception thrown by the user's factory is a usage error naming the option and the file.
 *
 * @throws UsageError for a missing file, a module that fails to load or has no factory as its default export
 */
export async function loadPlugInModules(plugIns: PlugInOptions, cwd?: string): Promise<PlugInOptions> {
  const out: PlugInOptions = { ...plugIns };
  for (const [key, flag] of MODULE_OPTIONS) {
    const value = out[key];
    if (typeof value !== 'string' || !isModulePath(value)) continue;
    const factory = await loadPluginFactory(value, flag, cwd);
    const wrapped = (context: never): unknown => {
      try {
        return factory(context);
      } catch (e) {
        throw new UsageError(
          `${flag} ${value}: the factory threw: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    };
    Object.defineProperty(wrapped, 'name', { value: factory.name });
    out[key] = wrapped;
  }
  return out;
}
