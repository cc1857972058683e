/**
 * `/proc/self/…` and `/proc/PID/…`: `maps`, `smaps` and `status` (process-vm's views of the address space, with the
 * task lines of `status` Linux prints before the memory ones) opened as kernel files, and the `exe` link.
 *
 * @module
 */

import { toNegErrno } from '@pagewright/core';
import { O_ACCMODE, O_RDONLY } from '@pagewright/files';
import type { LinuxKernel } from './kernel.js';
import type { Task } from './task.js';

const ENOENT = toNegErrno('ENOENT');

/** Splits `/proc/self/NAME` or `/proc/PID/NAME`: the task and the name, or `null` when not under /proc. */
function procTarget(k: LinuxKernel, t: Task, path: string): { task: Task; name: string } | number | null {
  const m = /^\/proc\/(self|\d+)\/([a-z_]+)$/.exec(path.replace(/\/+/g, '/'));
  if (m === null) return path === '/proc' || path.startsWith('/proc/') ? ENOENT : null;
  const task = m[1] === 'self' ? t : k.task(Number(m[1]));
  if (task === undefined || !task.alive) return ENOENT;
  return { task, name: m[2] as string };
}

/** The `status` text: the task lines, then process-vm's memory lines. */
function statusText(task: Task): string {
  const ppid = task.parent?.pid ?? 0;
  const head =
    `Name:\t${task.exe.split('/').pop()?.slice(0, 15) ?? ''}\n` +
    `State:\tR (running)\n` +
    `Tgid:\t${task.pid}\nPPid:\t${ppid}\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n`;
  return head + task.process.status().replace(/^Pid:\t\d+\n/, '');
}

/**
 * Opens a /proc file for `openat`: a descriptor, `-errno` (`ENOENT` for what is not modelled, `EACCES` for
 * writing), or `null` when `path` is not under /proc.
 */
export function openProc(k: LinuxKernel, t: Task, path: string, flags: number): number | null {
  const target = procTarget(k, t, path);
  if (target === null || typeof target === 'number') return target;
  const { task, name } = target;
  let text: string;
  if (name === 'maps') text = task.process.maps();
  else if (name === 'smaps') text = task.process.smaps();
  else if (name === 'status') text = statusText(task);
  else return ENOENT;
  if ((flags & O_ACCMODE) !== O_RDONLY) return toNegErrno('EACCES');
  try {
    return k.kernelFiles.open(t.process.fds, 'proc', new TextEncoder().encode(text));
  } catch {
    return toNegErrno('EMFILE');
  }
}

/** The target of a /proc link (`exe`), `-ENOENT`, or `null` when `path` is not a /proc link. */
export function procLink(k: LinuxKernel, t: Task, path: string): string | number | null {
  const target = procTarget(k, t, path);
  if (target === null || typeof target === 'number') return target;
  return target.name === 'exe' ? target.task.exe : null;
}
