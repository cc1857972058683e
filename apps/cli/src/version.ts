/**
 * The CLI's version, read from its package.json at build time (the bundler inlines the JSON).
 *
 * @module
 */
import packageJson from '../package.json' with { type: 'json' };

/** The `@pagewright/cli` version (`pagewright --version`). */
export const CLI_VERSION: string = packageJson.version;
