import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MmError } from '@pagewright/core';
import { expect, it } from 'vitest';
import { FdTable, type FileStat, S_IFCHR, S_IFDIR, S_IFMT, S_IFREG } from '../src/index.js';
import { makeFs } from './machine.js';

const dir = join(import.meta.dirname, '..', 'conformance');
type Op = [string, ...(string | number)[]];
const ops = JSON.parse(readFileSync(join(dir, 'syscalls.json'), 'utf8')) as Op[];
const linux = JSON.parse(readFileSync(join(dir, 'syscalls.linux.json'), 'utf8')) as {
  kernel: string;
  results: unknown[];
};

const latin1 = (b: Uint8Array) => String.fromCharCode(...b);
const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const summary = (st: FileStat) => ({
  type:
    (st.mode & S_IFMT) === S_IFREG
      ? 'reg'
      : (st.mode & S_IFMT) === S_IFDIR
        ? 'dir'
        : (st.mode & S_IFMT) === S_IFCHR
          ? 'chr'
          : '?',
  size: st.size,
  nlink: st.nlink,
  perm: st.mode & 0o7777,
});

it(`answers the ${ops.length} recorded system calls as Linux ${linux.kernel} did on tmpfs`, () => {
  expect(linux.results).toHaveLength(ops.length);
  const { fs } = makeFs();
  const fds = new FdTable(fs);
  const run = ([name, ...a]: Op): unknown => {
    const [x, y, z] = a as [never, never, never];
    switch (name) {
      case 'open':
        return fds.open(x, y, z ?? 0o644);
      case 'close':
        fds.close(x);
        return 0;
      case 'dup':
        return fds.dup(x);
      case 'read': {
        const buf = new Uint8Array(y);
        return latin1(buf.subarray(0, fds.read(x, buf)));
      }
      case 'pread': {
        const buf = new Uint8Array(y);
        return latin1(buf.subarray(0, fds.pread(x, buf, z)));
      }
      case 'write':
        return fds.write(x, bytes(y));
      case 'pwrite':
        return fds.pwrite(x, bytes(y), z);
      case 'lseek':
        return fds.lseek(x, y, z);
      case 'ftruncate':
        fds.ftruncate(x, y);
        return 0;
      case 'fsync':
        fds.fsync(x);
        return 0;
      case 'fstat':
        return summary(fds.fstat(x));
      case 'stat':
        return summary(fs.stat(x));
      case 'mkdir':
        fs.mkdir(x);
        return 0;
      case 'rmdir':
        fs.rmdir(x);
        return 0;
      case 'unlink':
        fs.unlink(x);
        return 0;
      case 'link':
        fs.link(x, y);
        return 0;
      default:
        throw new Error(`unknown op ${name}`);
    }
  };
  const got = ops.map((op) => {
    try {
      return run(op);
    } catch (e) {
      if (e instanceof MmError) return e.errno;
      throw e;
    }
  });
  for (const [i, g] of got.entries()) expect([i, ops[i], g]).toEqual([i, ops[i], linux.results[i]]);
});
