/**
 * Linux's open flags, seek modes, file-type bits and path limits, as `include/uapi/asm-generic/fcntl.h`,
 * `include/uapi/linux/fs.h`, `include/uapi/linux/stat.h` and `include/uapi/linux/limits.h` define them (x86-64 and
 * RISC-V use the same values).
 *
 * @module
 */

/** Open for reading only. */
export const O_RDONLY = 0;
/** Open for writing only. */
export const O_WRONLY = 0o1;
/** Open for reading and writing. */
export const O_RDWR = 0o2;
/** The access-mode bits of the open flags. */
export const O_ACCMODE = 0o3;
/** Create the file when it does not exist. */
export const O_CREAT = 0o100;
/** With `O_CREAT`: fail with `EEXIST` when the file exists. */
export const O_EXCL = 0o200;
/** Accepted and ignored (no terminals here). */
export const O_NOCTTY = 0o400;
/** Truncate a regular file to length 0 on open. */
export const O_TRUNC = 0o1000;
/** Every write goes to the end of the file. */
export const O_APPEND = 0o2000;
/** Accepted and ignored (nothing here blocks). */
export const O_NONBLOCK = 0o4000;
/** Fail with `ENOTDIR` unless the path names a directory. */
export const O_DIRECTORY = 0o200000;
/** Accepted (there are no symbolic links here). */
export const O_NOFOLLOW = 0o400000;
/** Close on exec: kept in the descriptor table entry. */
export const O_CLOEXEC = 0o2000000;

/** `lseek`: set the position to the offset. */
export const SEEK_SET = 0;
/** `lseek`: add the offset to the position. */
export const SEEK_CUR = 1;
/** `lseek`: add the offset to the file size. */
export const SEEK_END = 2;
/** `lseek`: the next offset at or after `offset` that holds data. */
export const SEEK_DATA = 3;
/** `lseek`: the next hole at or after `offset` (the end of file counts as a hole). */
export const SEEK_HOLE = 4;

/** The file-type bits of a mode. */
export const S_IFMT = 0o170000;
/** A regular file. */
export const S_IFREG = 0o100000;
/** A directory. */
export const S_IFDIR = 0o040000;
/** A character device. */
export const S_IFCHR = 0o020000;

/** Longest path accepted, including its terminating NUL (`PATH_MAX`). */
export const PATH_MAX = 4096;
/** Longest single path component (`NAME_MAX`). */
export const NAME_MAX = 255;

/** The default `RLIMIT_NOFILE` soft limit (Linux's `INR_OPEN_CUR`). */
export const DEFAULT_NOFILE_LIMIT = 1024;

/**
 * The largest file size this filesystem accepts (its `s_maxbytes`): 2^53, the largest integer offset a `number`
 * holds exactly. Linux's tmpfs allows `MAX_LFS_FILESIZE` (2^63 − 1); offsets beyond 2^53 are out of this model's
 * reach and answer as beyond `s_maxbytes` (`EFBIG` for writes and truncation, `EINVAL` for `lseek`).
 */
export const MAX_FILE_SIZE = 2 ** 53;
