import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/lab.ts', 'src/bench.ts', 'src/sweep-worker.ts'],
  format: ['esm'],
  dts: false,
  clean: true,
  sourcemap: true,
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
});
