#!/usr/bin/env python3
"""Runs the system calls of syscalls.json on this Linux host, in a fresh directory on tmpfs (/dev/shm), and writes
what each returned to syscalls.linux.json: a number, an errno name, the bytes read, or a stat summary. The tests
replay the same calls on a FileSystem and FdTable and require the same answers.

Paths are taken inside the fresh directory, except /dev/... (the host's devices). Descriptors are numbered from
the first one this process gets (3 here, 0 in an FdTable), so the lowest-free-descriptor rule is compared too."""
import errno, json, os, platform, shutil, stat, sys

here = os.path.dirname(os.path.abspath(__file__))
ops = json.load(open(os.path.join(here, 'syscalls.json')))
root = f'/dev/shm/pagewright-files-{os.getpid()}'
os.mkdir(root)
base = os.open('/', os.O_RDONLY)  # the lowest free descriptor: FdTable's 0
os.close(base)

def path(p):
    return p if p.startswith('/dev/') else root + p

def fd(n):
    return n if n < 0 else base + n

def summary(st):
    kind = 'reg' if stat.S_ISREG(st.st_mode) else 'dir' if stat.S_ISDIR(st.st_mode) else 'chr' if stat.S_ISCHR(st.st_mode) else '?'
    return {'type': kind, 'size': st.st_size, 'nlink': st.st_nlink, 'perm': st.st_mode & 0o7777}

def run(op):
    name, *a = op
    if name == 'open': return os.open(path(a[0]), a[1], a[2] if len(a) > 2 else 0o644) - base
    if name == 'close': os.close(fd(a[0])); return 0
    if name == 'dup': return os.dup(fd(a[0])) - base
    if name == 'read': return os.read(fd(a[0]), a[1]).decode('latin1')
    if name == 'pread': return os.pread(fd(a[0]), a[1], a[2]).decode('latin1')
    if name == 'write': return os.write(fd(a[0]), a[1].encode('latin1'))
    if name == 'pwrite': return os.pwrite(fd(a[0]), a[1].encode('latin1'), a[2])
    if name == 'lseek': return os.lseek(fd(a[0]), a[1], a[2])
    if name == 'ftruncate': os.ftruncate(fd(a[0]), a[1]); return 0
    if name == 'fsync': os.fsync(fd(a[0])); return 0
    if name == 'fstat': return summary(os.fstat(fd(a[0])))
    if name == 'stat': return summary(os.stat(path(a[0])))
    if name == 'mkdir': os.mkdir(path(a[0]), 0o755); return 0
    if name == 'rmdir': os.rmdir(path(a[0])); return 0
    if name == 'unlink': os.unlink(path(a[0])); return 0
    if name == 'link': os.link(path(a[0]), path(a[1])); return 0
    raise ValueError(name)

results = []
try:
    for op in ops:
        try:
            results.append(run(op))
        except OSError as e:
            results.append(errno.errorcode[e.errno])
finally:
    shutil.rmtree(root, ignore_errors=True)
json.dump({'kernel': platform.release(), 'results': results}, open(os.path.join(here, 'syscalls.linux.json'), 'w'), indent=0)
