/**
 * `@pagewright/files`: an in-memory filesystem with Linux's answers — inodes, directories, hard links,
 * `/dev/zero`, open file descriptions, a file-descriptor table — over a page cache whose pages are real frames of
 * the machine, and each file's reverse map of its mappings. It knows nothing of VMAs: the process layer builds file
 * mappings on it.
 *
 * @packageDocumentation
 */

export * from './backing-store.js';
export * from './constants.js';
export * from './device-number.js';
export * from './fd-table.js';
export * from './filesystem.js';
export * from './inode.js';
export * from './mapping-tree.js';
export * from './open-file.js';
export * from './page-cache.js';
export * from './stat.js';
