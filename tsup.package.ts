import { existsSync } from 'node:fs';
import { defineConfig } from 'tsup';

/**
 * The build every layered package shares: `src/index.ts` to ESM + CJS + `.d.ts` (behind the package's `exports`
 * map), for Node 20, with the package's `tsconfig.build.json` (`composite: false`; see docs/ARCHITECTURE.md).
 * A package with contract kits also builds `src/testing/index.ts` to `dist/testing.*` (its `./testing` export);
 * shared modules go to chunks, in CJS as in ESM.
 * A package's `tsup.config.ts` re-exports it.
 */
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    ...(existsSync('src/testing/index.ts') ? { testing: 'src/testing/index.ts' } : {}),
  },
  format: ['esm', 'cjs'],
  // One copy of each module shared by `index` and `testing` in CJS too (so `instanceof` works across the entries).
  splitting: true,
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
});
