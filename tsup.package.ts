import { existsSync } from 'node:fs';
import { defineConfig } from 'tsup';

/**
 * The build every layered package shares: `src/index.ts` to ESM + CJS + `.d.ts` (behind the package's `exports`
 * map), for Node 20, with the package's `tsconfig.build.json` (`composite: false`; see docs/ARCHITECTURE.md).
 * A package with contract kits also builds `src/testing/index.ts` to `dist/testing.*` (its `./testing` export).
 * A package's `tsup.config.ts` re-exports it.
 */
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    ...(existsSync('src/testing/index.ts') ? { testing: 'src/testing/index.ts' } : {}),
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
});
