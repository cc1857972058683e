/**
 * The contract kit of {@link PageReplacementPolicy}: {@link checkPageReplacementPolicy} plays the reclaimer's part
 * against policies made from your spec and reports which rules of the interface's TSDoc hold.
 *
 * ```ts
 * import { assertContract } from '@pagewright/core/testing';
 * import { checkPageReplacementPolicy } from '@pagewright/reclaim/testing';
 * assertContract(checkPageReplacementPolicy('clock', { name: 'clock' }));
 * ```
 *
 * @module
 */

import { createRng } from '@pagewright/core';
import {
  type ContractReport,
  type ContractRule,
  ensure,
  ensureEqual,
  type KitOptions,
  runContract,
} from '@pagewright/core/testing';
import type { PageReplacementPolicy, ReferenceProbe } from '../page-replacement-policy.js';
import { type PageReplacementSpec, resolvePageReplacementPolicy } from '../policy-registry.js';

/** How the kit gets fresh policies: a built-in name or a factory (called once per policy the kit needs). */
export type PageReplacementKitSubject = Exclude<PageReplacementSpec, PageReplacementPolicy>;

const SEED = 11;

function make(subject: PageReplacementKitSubject, pages: number): PageReplacementPolicy {
  const p = resolvePageReplacementPolicy(subject, { pages, rng: createRng(SEED) });
  ensure(typeof p === 'object' && p !== null, `the spec gave ${String(p)}, not a policy`);
  return p;
}

function throwsRange(f: () => unknown): boolean {
  try {
    f();
  } catch (e) {
    return e instanceof RangeError;
  }
  return false;
}

/** A probe that records its calls and answers from a seeded pattern (or always `answer`). */
function recordingProbe(held: Set<number>, answer: number | 'seeded', calls: number[]): ReferenceProbe {
  const r = createRng(5);
  return (page) => {
    calls.push(page);
    ensure(held.has(page), `probe called with page ${page}, which the policy does not hold`);
    return answer === 'seeded' ? r.nextInt(3) : answer;
  };
}

/** A seeded run of insert / remove / touch / victim calls over `pages` ids; returns the victims. */
function play(policy: PageReplacementPolicy, pages: number, steps: number, seed: number): number[] {
  const r = createRng(seed);
  const held = new Set<number>();
  const calls: number[] = [];
  const probe = recordingProbe(held, 'seeded', calls);
  const victims: number[] = [];
  for (let i = 0; i < steps; i++) {
    const op = r.nextInt(8);
    const page = r.nextInt(pages);
    if (op < 4) {
      if (!held.has(page)) {
        policy.insert(page);
        held.add(page);
      } else policy.touch(page);
    } else if (op < 6) policy.touch(page);
    else if (op === 6) {
      ensureEqual(
        policy.remove(page),
        held.has(page),
        `remove(${page}) of a page ${held.has(page) ? '' : 'not '}held`,
      );
      held.delete(page);
    } else {
      const v = policy.victim(probe);
      if (held.size === 0) ensureEqual(v, -1, 'victim of an empty policy');
      else {
        ensure(held.has(v), `victim ${v} is not a held page`);
        held.delete(v);
      }
      victims.push(v);
    }
    ensureEqual(policy.size, held.size, `size after step ${i}`);
  }
  return victims;
}

/** Every rule of the {@link PageReplacementPolicy} contract, in the order the interface's TSDoc states them. */
export const PAGE_REPLACEMENT_POLICY_RULES: readonly ContractRule<PageReplacementKitSubject>[] = [
  {
    id: 'name',
    text: 'name is a non-empty string',
    check(subject) {
      const p = make(subject, 4);
      ensure(typeof p.name === 'string' && p.name.length > 0, `name is ${String(p.name)}`);
    },
  },
  {
    id: 'attach',
    text: 'attach accepts id ranges of 1 to 4096 pages and starts empty; attaching again forgets everything',
    check(subject) {
      for (const pages of [1, 2, 64, 4096]) {
        const p = make(subject, pages);
        ensureEqual(p.size, 0, `size after attach(${pages})`);
        p.insert(pages - 1);
        p.attach({ pages, rng: createRng(SEED) });
        ensureEqual(p.size, 0, `size after attaching again (${pages})`);
      }
    },
  },
  {
    id: 'insert',
    text: 'insert makes a page held; a held page, an id out of range or not an integer is a RangeError and changes nothing',
    check(subject) {
      const p = make(subject, 16);
      for (let i = 0; i < 10; i++) p.insert(i);
      ensureEqual(p.size, 10, 'size after 10 inserts');
      for (const bad of [3, -1, 16, 1.5, Number.NaN]) {
        ensure(
          throwsRange(() => p.insert(bad)),
          `insert(${bad}) did not throw a RangeError`,
        );
        ensureEqual(p.size, 10, `size after insert(${bad})`);
      }
    },
  },
  {
    id: 'remove',
    text: 'remove of a held page returns true and forgets it; of any other page false, changing nothing',
    check(subject) {
      const p = make(subject, 16);
      for (let i = 0; i < 8; i++) p.insert(i);
      ensureEqual(p.remove(3), true, 'remove(3) of a held page');
      ensureEqual(p.remove(3), false, 'remove(3) again');
      for (const other of [9, -1, 16, 0.5]) ensureEqual(p.remove(other), false, `remove(${other})`);
      ensureEqual(p.size, 7, 'size');
      const seen = new Set<number>();
      for (let k = 0; k < 7; k++) seen.add(p.victim(() => 0));
      ensure(!seen.has(3), 'a removed page came back as a victim');
      ensureEqual(seen.size, 7, 'distinct victims after the remove');
      ensureEqual(
        p.victim(() => 0),
        -1,
        'victim once every page left',
      );
    },
  },
  {
    id: 'victim',
    text:
      'victim returns a held page and stops holding it, -1 exactly when empty, probes only held pages, and drains ' +
      'every held page once with a probe that never reports a reference',
    check(subject) {
      const p = make(subject, 64);
      const held = new Set<number>();
      const calls: number[] = [];
      ensureEqual(p.victim(recordingProbe(held, 0, calls)), -1, 'victim when empty');
      ensureEqual(calls.length, 0, 'probes when empty');
      for (let i = 0; i < 64; i += 3) {
        p.insert(i);
        held.add(i);
      }
      const n = held.size;
      const seen = new Set<number>();
      for (let k = 0; k < n; k++) {
        const v = p.victim(recordingProbe(held, 0, calls));
        ensure(held.has(v), `victim ${v} is not held`);
        ensure(!seen.has(v), `victim ${v} returned twice`);
        seen.add(v);
        held.delete(v);
        ensureEqual(p.size, held.size, 'size after a victim');
      }
      ensureEqual(p.victim(recordingProbe(held, 0, calls)), -1, 'victim after draining');
      p.insert(0);
      ensureEqual(p.size, 1, 'a victim can be inserted again');
    },
  },
  {
    id: 'victim-bounded',
    text: 'victim returns a held page within 8 · size + 8 probes even when every probe reports references',
    check(subject) {
      for (const n of [1, 5, 100]) {
        const p = make(subject, n);
        const held = new Set<number>();
        for (let i = 0; i < n; i++) {
          p.insert(i);
          held.add(i);
        }
        for (let k = n; k > 0; k--) {
          const calls: number[] = [];
          let count = 0;
          const limit = 8 * k + 8;
          const v = p.victim((page) => {
            ensure(++count <= limit, `more than ${limit} probes for one victim of ${k} pages`);
            calls.push(page);
            return 2;
          });
          ensure(held.has(v), `victim ${v} is not held`);
          held.delete(v);
        }
      }
    },
  },
  {
    id: 'touch',
    text: 'touch never throws and never changes which pages are held',
    check(subject) {
      const p = make(subject, 8);
      p.insert(2);
      for (const t of [2, 3, -1, 8, 0.5, Number.NaN]) p.touch(t);
      ensureEqual(p.size, 1, 'size after touches');
      ensureEqual(
        p.victim(() => 0),
        2,
        'the one held page',
      );
    },
  },
  {
    id: 'deterministic',
    text: 'the same calls (and seed) give the same victims',
    check(subject) {
      for (const seed of [1, 2, 3]) {
        const a = play(make(subject, 32), 32, 600, seed);
        const b = play(make(subject, 32), 32, 600, seed);
        ensureEqual(a.join(','), b.join(','), `victims of run ${seed}`);
      }
    },
  },
  {
    id: 'reset',
    text: 'reset returns to the state right after attach',
    check(subject) {
      const p = make(subject, 32);
      play(p, 32, 300, 9);
      p.reset();
      ensureEqual(p.size, 0, 'size after reset');
      ensureEqual(
        p.victim(() => 0),
        -1,
        'victim after reset',
      );
      play(p, 32, 300, 4);
    },
  },
];

/**
 * Runs every rule of the {@link PageReplacementPolicy} contract on policies made from `subject` (a built-in name or
 * a factory `(ctx) => policy`); the report lists the rules broken.
 */
export function checkPageReplacementPolicy(
  subject: PageReplacementKitSubject,
  options: KitOptions = {},
): ContractReport {
  return runContract('PageReplacementPolicy', PAGE_REPLACEMENT_POLICY_RULES, subject, {
    name: options.name ?? (typeof subject === 'string' ? subject : 'subject'),
    ...(options.only !== undefined ? { only: options.only } : {}),
  });
}
