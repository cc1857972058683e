import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * One vitest project per workspace package (packages/* and apps/*). Tests import sibling packages from their
 * source (the aliases below), so `vitest` needs no build; the published packages resolve through `dist`.
 */
const root = import.meta.dirname;
const dirs = ['packages', 'apps', 'tests', 'examples'].flatMap((group) =>
  existsSync(join(root, group))
    ? readdirSync(join(root, group))
        .filter((d) => existsSync(join(root, group, d, 'package.json')))
        .map((d) => `${group}/${d}`)
    : [],
);
const layered = existsSync(join(root, 'packages')) ? readdirSync(join(root, 'packages')) : [];

export default defineConfig({
  resolve: {
    // `@pagewright/NAME` → `packages/NAME/src/index.ts`; a subpath export `@pagewright/NAME/SUB` (as `/testing`) →
    // `packages/NAME/src/SUB/index.ts` (or `src/SUB.ts`).
    alias: layered
      .filter((d) => existsSync(join(root, 'packages', d, 'src/index.ts')))
      .flatMap((d) => [
        ...readdirSync(join(root, 'packages', d, 'src'))
          .map((f) => f.replace(/\.ts$/, ''))
          .filter((sub) => sub === 'testing')
          .map((sub) => ({
            find: new RegExp(`^@pagewright/${d}/${sub}$`),
            replacement: existsSync(join(root, 'packages', d, 'src', sub, 'index.ts'))
              ? resolve(root, 'packages', d, 'src', sub, 'index.ts')
              : resolve(root, 'packages', d, 'src', `${sub}.ts`),
          })),
        {
          find: new RegExp(`^@pagewright/${d}$`),
          replacement: resolve(root, 'packages', d, 'src/index.ts'),
        },
      ]),
  },
  test: {
    projects: dirs.map((dir) => ({
      extends: true,
      test: {
        name: dir.split('/')[1] as string,
        root: join(root, dir),
        include: ['src/**/*.test.ts', 'test/**/*.test.ts', '*.test.ts'],
        testTimeout: 60_000,
        hookTimeout: 60_000,
      },
    })),
  },
});
