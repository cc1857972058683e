/**
 * The plug-in options of the visualized {@link Machine}: every choice `new Machine(options)` takes, their defaults,
 * and their encoding in a URL query (so a state can be shared as a link).
 *
 * @module
 */
import type { MachineOptions } from '@pagewright/process-vm';

/** The choices the visualizer offers (every plug-in option of `MachineOptions`, plus the seed). */
export interface WebOptions {
  allocator: 'stack' | 'bitmap' | 'buddy';
  arch: 'sv39' | 'sv48' | 'x86-64' | 'x86-64-la57';
  harts: number;
  /** `SETSxWAYS[:policy]` or `off`. */
  tlb: string;
  vmaIndex: 'tree' | 'btree' | 'treap' | 'list';
  placement: 'topdown' | 'bottomup';
  flush: 'shootdown' | 'page' | 'full';
  ad: 'hardware' | 'svade';
  aslr: boolean;
  seed: number;
}

/** The machine's own defaults. */
export const DEFAULT_OPTIONS: Readonly<WebOptions> = Object.freeze({
  allocator: 'buddy',
  arch: 'sv39',
  harts: 2,
  tlb: '16x4:lru',
  vmaIndex: 'tree',
  placement: 'topdown',
  flush: 'shootdown',
  ad: 'hardware',
  aslr: false,
  seed: 1,
});

/** The values of each enumerated option, in the order the controls show them. */
export const OPTION_CHOICES = {
  allocator: ['buddy', 'bitmap', 'stack'],
  arch: ['sv39', 'sv48', 'x86-64', 'x86-64-la57'],
  vmaIndex: ['tree', 'btree', 'treap', 'list'],
  placement: ['topdown', 'bottomup'],
  flush: ['shootdown', 'page', 'full'],
  ad: ['hardware', 'svade'],
} as const satisfies { [K in keyof WebOptions]?: readonly WebOptions[K][] };

/** TLB replacement policies of the `:policy` suffix. */
export const TLB_POLICIES = ['lru', 'fifo', 'random', 'plru'] as const;

/** Query-parameter name of each option. */
const PARAM: { [K in keyof WebOptions]: string } = {
  allocator: 'allocator',
  arch: 'arch',
  harts: 'harts',
  tlb: 'tlb',
  vmaIndex: 'vma',
  placement: 'placement',
  flush: 'flush',
  ad: 'ad',
  aslr: 'aslr',
  seed: 'seed',
};

const TLB_SPEC = /^(off|[1-9][0-9]*x[1-9][0-9]*(:(lru|fifo|random|plru))?)$/;

/** True when `spec` is a TLB spec the machine accepts in shape (`16x4:lru`, `8x2`, `off`). */
export function isTlbSpec(spec: string): boolean {
  if (!TLB_SPEC.test(spec)) return false;
  if (spec === 'off') return true;
  const sets = Number(spec.split('x')[0]);
  return (sets & (sets - 1)) === 0 && sets <= 2 ** 20;
}

/** Sets and ways of a TLB spec (`off` is 0 × 0). */
export function tlbGeometry(spec: string): { sets: number; ways: number } {
  if (spec === 'off') return { sets: 0, ways: 0 };
  const [geometry = ''] = spec.split(':');
  const [sets = '0', ways = '0'] = geometry.split('x');
  return { sets: Number(sets), ways: Number(ways) };
}

function pick<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function int(value: string | null, min: number, max: number, fallback: number): number {
  if (value === null || !/^[0-9]+$/.test(value)) return fallback;
  const n = Number(value);
  return n >= min && n <= max ? n : fallback;
}

/** Reads the options from a URL query; a missing or invalid value falls back to the default. */
export function optionsFromQuery(q: URLSearchParams): WebOptions {
  const d = DEFAULT_OPTIONS;
  const tlb = q.get(PARAM.tlb);
  return {
    allocator: pick(q.get(PARAM.allocator), OPTION_CHOICES.allocator, d.allocator),
    arch: pick(q.get(PARAM.arch), OPTION_CHOICES.arch, d.arch),
    harts: int(q.get(PARAM.harts), 1, 8, d.harts),
    tlb: tlb !== null && isTlbSpec(tlb) ? tlb : d.tlb,
    vmaIndex: pick(q.get(PARAM.vmaIndex), OPTION_CHOICES.vmaIndex, d.vmaIndex),
    placement: pick(q.get(PARAM.placement), OPTION_CHOICES.placement, d.placement),
    flush: pick(q.get(PARAM.flush), OPTION_CHOICES.flush, d.flush),
    ad: pick(q.get(PARAM.ad), OPTION_CHOICES.ad, d.ad),
    aslr: q.get(PARAM.aslr) === '1',
    seed: int(q.get(PARAM.seed), 0, 2 ** 31 - 1, d.seed),
  };
}

/** Writes the options that differ from the defaults into `q`. */
export function optionsToQuery(o: WebOptions, q: URLSearchParams): void {
  for (const key of Object.keys(PARAM) as (keyof WebOptions)[]) {
    const value = o[key];
    if (value === DEFAULT_OPTIONS[key]) continue;
    q.set(PARAM[key], typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
}

/** The `MachineOptions` for these choices (256 MiB of RAM, as the CLI). */
export function machineOptions(o: WebOptions): MachineOptions {
  return {
    allocator: o.allocator,
    arch: o.arch,
    harts: o.harts,
    tlb: o.tlb,
    vmaIndex: o.vmaIndex,
    placement: o.placement,
    flush: o.flush,
    // Svade is RISC-V's: an x86-64 CPU always sets A and D in hardware.
    ad: o.arch.startsWith('x86') ? 'hardware' : o.ad,
    aslr: o.aslr,
    seed: o.seed,
  };
}
