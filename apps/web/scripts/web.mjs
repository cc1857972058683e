#!/usr/bin/env node
/**
 * The web visualizer's one entry point for the repository root (`pnpm web [COMMAND]`):
 *
 * - no command or `dev`: a dev server with hot reload on http://127.0.0.1:5173;
 * - `build`: writes the static site to apps/web/dist;
 * - `serve`: builds it, then serves apps/web/dist on http://127.0.0.1:4173.
 *
 * Extra arguments: `--port N`.
 */
import { fileURLToPath } from 'node:url';
import { build, createServer, preview } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const command = args[0] && !args[0].startsWith('--') ? args[0] : 'dev';
const portAt = args.indexOf('--port');
const port = portAt >= 0 ? Number(args[portAt + 1]) : undefined;
const server = port === undefined ? {} : { port, strictPort: true };

if (command === 'dev') {
  const dev = await createServer({ root, server });
  await dev.listen();
  dev.printUrls();
} else if (command === 'build') {
  await build({ root });
} else if (command === 'serve') {
  await build({ root });
  const site = await preview({ root, preview: server });
  site.printUrls();
} else {
  console.error(`pnpm web: unknown command "${command}" (dev, build, serve)`);
  process.exit(2);
}
