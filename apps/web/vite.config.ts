import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const packagesDir = `${repoRoot}packages`;

// The layered packages are bundled from their TypeScript source (as the tests import them), so the site always
// shows the working tree's behaviour and its build does not depend on the packages' `dist`.
const alias = readdirSync(packagesDir)
  .filter((d) => existsSync(`${packagesDir}/${d}/src/index.ts`))
  .map((d) => ({ find: new RegExp(`^@pagewright/${d}$`), replacement: `${packagesDir}/${d}/src/index.ts` }));

// A static build: relative asset paths, so `dist/` can be served from any folder.
export default defineConfig({
  base: './',
  resolve: { alias },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  server: { host: '127.0.0.1', fs: { allow: [repoRoot] } },
  preview: { host: '127.0.0.1' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
});
