/**
 * End-to-end tests of the visualizer in a real browser: the static site is built with Vite, served from a small
 * node http server on 127.0.0.1, and driven through playwright-core in Debian's Chromium. What the panels show is
 * checked against a `Machine` run in node with the same steps (and, for the walk, against the mapper's lookup and
 * the bytes in physical memory). A screenshot of each panel goes to `apps/web/screenshots/`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import {
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
  type U64Pair,
} from '@pagewright/core';
import { Machine, type Process, runScenario } from '@pagewright/process-vm';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_STEPS, demoContext } from '../src/model/demo.js';
import { DEFAULT_OPTIONS, machineOptions } from '../src/model/options.js';
import { scenarioMachineOptions } from '../src/model/scenario.js';
import { mapsLines } from '../src/model/snapshot.js';

const CHROMIUM = '/usr/bin/chromium';
const APP = resolve(import.meta.dirname, '..');
const SHOTS = join(APP, 'screenshots');
const REPO = resolve(APP, '../..');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Serves the files of `dir` on 127.0.0.1 (an ephemeral port). */
async function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(dir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** The demo's state after `k` steps, on a machine in node. */
function demoInNode(k: number, options = DEFAULT_OPTIONS) {
  const machine = new Machine(machineOptions(options));
  const ctx = demoContext(machine);
  for (let i = 0; i < k; i++) DEMO_STEPS[i]?.act(ctx);
  return { machine, parent: ctx.parent as Process };
}

async function mapsPanel(page: Page): Promise<string[]> {
  return page
    .locator('[data-testid=maps-line]')
    .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.line ?? ''));
}

async function stepStatus(page: Page): Promise<number> {
  return Number(await page.locator('#step-status').getAttribute('data-step'));
}

interface WalkRow {
  level: number;
  table: string;
  index: number;
  pteAddr: string;
  raw: string;
  kind: string;
}

async function walkPanel(page: Page): Promise<{ rows: WalkRow[]; stop: string; pa: string }> {
  const rows = await page.locator('[data-testid=walk-level]').evaluateAll((els) =>
    els.map((e) => {
      const d = (e as HTMLElement).dataset;
      return {
        level: Number(d.level),
        table: d.table ?? '',
        index: Number(d.index),
        pteAddr: d.pteAddr ?? '',
        raw: d.raw ?? '',
        kind: d.kind ?? '',
      };
    }),
  );
  const stop = page.locator('[data-testid=walk-stop]');
  return {
    rows,
    stop: (await stop.getAttribute('data-stop')) ?? '',
    pa: (await stop.getAttribute('data-pa')) ?? '',
  };
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** The walk of `va` in `p` as the test expects it: indices from the arch, PTEs read from memory, the mapper's frame. */
function expectedWalk(p: Process, va: number) {
  const { arch, memory } = p.machine;
  const vpn = Math.floor(va / PAGE_SIZE);
  const rows: WalkRow[] = [];
  let table = p.vm.pageTable.root;
  const pair: U64Pair = { lo: 0, hi: 0 };
  for (let level = arch.levels - 1; level >= 0; level--) {
    const index = arch.indexAt(vpn, level);
    const pteAddr = table * PAGE_SIZE + index * 8;
    memory.read64(pteAddr, pair);
    const raw = `0x${(pair.hi >>> 0).toString(16).padStart(8, '0')}${(pair.lo >>> 0).toString(16).padStart(8, '0')}`;
    rows.push({
      level,
      table: hex(table),
      index,
      pteAddr: hex(pteAddr),
      raw,
      kind: level === 0 ? 'leaf' : 'table',
    });
    table = arch.ppn(pair.lo, pair.hi);
  }
  const pfn = p.vm.pageTable.lookup(vpn);
  return { rows, stop: 'leaf', pa: hex(pfn * PAGE_SIZE + (va % PAGE_SIZE)) };
}

describe('the web visualizer in Chromium', () => {
  let server: Server;
  let base = '';
  let context: BrowserContext;
  let page: Page;
  let outDir = '';
  let profile = '';

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `Chromium is missing at ${CHROMIUM}: run \`node apps/web/scripts/ensure-chromium.mjs\` (it installs Debian's chromium with apt-get)`,
      );
    outDir = mkdtempSync(join(tmpdir(), 'pagewright-web-'));
    await build({ root: APP, configFile: join(APP, 'vite.config.ts'), logLevel: 'warn', build: { outDir } });
    ({ server, url: base } = await serve(outDir));
    profile = mkdtempSync(join(tmpdir(), 'pagewright-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1440, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    mkdirSync(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
    if (outDir) rmSync(outDir, { recursive: true, force: true });
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('steps the demo, walks an address, steps back and reloads the same state from the URL', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base);
    expect(await stepStatus(page)).toBe(0);

    // Forward by mouse three times, then once from the keyboard.
    for (let i = 0; i < 3; i++) await page.click('#step-forward');
    await page.focus('#step-forward');
    await page.keyboard.press('Enter');
    expect(await stepStatus(page)).toBe(4);
    // → and ← step too (the focus is on a button, not in a field).
    await page.keyboard.press('ArrowRight');
    expect(await stepStatus(page)).toBe(5);
    await page.keyboard.press('ArrowLeft');
    expect(await stepStatus(page)).toBe(4);
    const four = demoInNode(4);
    expect(await mapsPanel(page)).toEqual(mapsLines(four.parent));

    // The heap's first page was stored to in step 3: walk it from its maps line.
    const heap = mapsLines(four.parent).find((l) => l.endsWith('[heap]'));
    expect(heap).toBeDefined();
    const heapStart = Number.parseInt((heap as string).split('-')[0] as string, 16);
    await page.click(`[data-testid=maps-line][data-line="${heap}"] button.addr`);
    const shown = await walkPanel(page);
    const expected = expectedWalk(four.parent, heapStart);
    expect(shown.rows).toHaveLength(four.machine.arch.levels);
    expect(shown).toEqual(expected);

    // Back one step: the state after 3 steps.
    await page.click('#step-back');
    expect(await stepStatus(page)).toBe(3);
    const three = demoInNode(3);
    expect(await mapsPanel(page)).toEqual(mapsLines(three.parent));
    expect(page.url()).toContain('step=3');
    const walkAtThree = await walkPanel(page);
    expect(walkAtThree).toEqual(expectedWalk(three.parent, heapStart));

    // A reload from the URL shows exactly the same state.
    await page.reload();
    expect(await stepStatus(page)).toBe(3);
    expect(await mapsPanel(page)).toEqual(mapsLines(three.parent));
    expect(await walkPanel(page)).toEqual(walkAtThree);

    // Screenshots at the fork's COW break (step 9), with the heap's walk shown.
    await page.goto(`${base}?src=demo&step=9&walk=${hex(heapStart)}`);
    expect(await mapsPanel(page)).toEqual(mapsLines(demoInNode(9).parent));
    for (const id of [
      'panel-maps',
      'panel-walk',
      'panel-pagetable',
      'panel-tlb',
      'panel-frames',
      'panel-events',
    ])
      await page.locator(`#${id}`).screenshot({ path: join(SHOTS, `${id.replace('panel-', '')}.png`) });
    await page.locator('.toolbar').screenshot({ path: join(SHOTS, 'controls.png') });
    await page.screenshot({ path: join(SHOTS, 'app.png') });
    expect(errors).toEqual([]);
  });

  it('runs typed calls as scenario lines and matches the same calls on a machine in node', async () => {
    await page.goto(base);
    await page.selectOption('#source-select', 'empty');
    for (const line of [
      'mmap +0 0x3000 rw- PRIVATE|ANONYMOUS|FIXED',
      'store +0x1000 7',
      'mprotect +0x1000 0x1000 r--',
    ]) {
      await page.fill('#syscall-input', line);
      await page.press('#syscall-input', 'Enter');
    }
    expect(await stepStatus(page)).toBe(3);
    expect(await page.locator('[data-testid=step-result]').textContent()).toBe(
      '{"i":3,"op":"mprotect","ret":"0"}',
    );

    // The same calls straight on a Process (the scenario region starts at 0x2000000000; glibc's first sbrk).
    const machine = new Machine(scenarioMachineOptions(machineOptions(DEFAULT_OPTIONS)));
    const p = machine.spawn();
    p.brk(p.vm.brk + 0x21000);
    const base0 = 0x2000000000;
    expect(p.mmap(base0, 0x3000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)).toBe(
      base0,
    );
    expect(p.store8(base0 + 0x1000, 7)).toBe(0);
    expect(p.mprotect(base0 + 0x1000, 0x1000, PROT_READ)).toBe(0);
    expect(await mapsPanel(page)).toEqual(mapsLines(p));

    // An unknown call is refused with a message and changes nothing.
    await page.fill('#syscall-input', 'mmapp +0 0x1000 rw- PRIVATE');
    await page.press('#syscall-input', 'Enter');
    await expect.poll(() => page.locator('.syscall-bar .error').textContent()).toContain('unknown call');
    expect(await stepStatus(page)).toBe(3);

    // The typed session survives a reload (its lines are in the URL).
    await page.reload();
    expect(await stepStatus(page)).toBe(3);
    expect(await mapsPanel(page)).toEqual(mapsLines(p));
  });

  it('steps a bundled conformance scenario to its end with the oracle-format results of runScenario', async () => {
    const name = 'p10-fork-cow';
    const text = readFileSync(join(REPO, 'packages/process-vm/conformance', `${name}.scn`), 'utf8');
    const out = runScenario(text, { machine: scenarioMachineOptions(machineOptions(DEFAULT_OPTIONS)) });
    await page.goto(base);
    await page.selectOption('#source-select', name);
    await page.click('#step-last');
    const last = out.at(-1) as string;
    expect(await stepStatus(page)).toBe(JSON.parse(last).i);
    expect(await page.locator('[data-testid=step-result]').textContent()).toBe(last);
  });

  it('takes every plug-in option from the URL: Sv48 walks four levels', async () => {
    await page.goto(
      `${base}?arch=sv48&allocator=stack&harts=3&tlb=8x2:fifo&vma=list&placement=bottomup&flush=page&ad=svade&seed=7&src=demo&step=4`,
    );
    expect(await page.locator('#opt-arch').inputValue()).toBe('sv48');
    expect(await page.locator('#opt-tlb-ways').inputValue()).toBe('2');
    expect(await page.locator('[data-testid=tlb]').count()).toBe(3);
    const options = {
      ...DEFAULT_OPTIONS,
      arch: 'sv48',
      allocator: 'stack',
      harts: 3,
      tlb: '8x2:fifo',
      vmaIndex: 'list',
      placement: 'bottomup',
      flush: 'page',
      ad: 'svade',
      seed: 7,
    } as const;
    const node = demoInNode(4, options);
    expect(await mapsPanel(page)).toEqual(mapsLines(node.parent));
    const heap = mapsLines(node.parent).find((l) => l.endsWith('[heap]')) as string;
    await page.click(`[data-testid=maps-line][data-line="${heap}"] button.addr`);
    const shown = await walkPanel(page);
    expect(shown.rows).toHaveLength(4);
    expect(shown).toEqual(expectedWalk(node.parent, Number.parseInt(heap.split('-')[0] as string, 16)));
  });
});
