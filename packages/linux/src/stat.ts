/**
 * `struct stat` as RISC-V Linux lays it out (include/uapi/asm-generic/stat.h: 128 bytes), and the device-number
 * encoding `new_encode_dev` gives `st_dev`/`st_rdev`.
 *
 * @module
 */

import type { DeviceNumber, FileStat } from '@pagewright/files';

/** `sizeof(struct stat)` on RISC-V 64. */
export const STAT_SIZE = 128;

/** `new_encode_dev` (include/linux/kdev_t.h). */
export function encodeDev(d: DeviceNumber): number {
  return (d.minor & 0xff) | (d.major << 8) | ((d.minor & ~0xff) << 12);
}

/** The 128 bytes of a `struct stat` for `st` (times are 0: the filesystem keeps none). */
export function encodeStat(st: FileStat): Uint8Array {
  const b = new Uint8Array(STAT_SIZE);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, BigInt(encodeDev(st.dev)), true);
  v.setBigUint64(8, BigInt(st.ino), true);
  v.setUint32(16, st.mode, true);
  v.setUint32(20, st.nlink, true);
  v.setBigUint64(32, BigInt(encodeDev(st.rdev)), true);
  v.setBigInt64(48, BigInt(st.size), true);
  v.setInt32(56, st.blksize, true);
  v.setBigInt64(64, BigInt(st.blocks), true);
  return b;
}

/**
 * The stat of an object with no inode in the filesystem's tree: a pipe (`S_IFIFO | 0600` for the standard streams,
 * on the pipe filesystem's device 0:14 with a 4096-byte `st_blksize`), a /proc file or link (`mode` as given).
 */
export function pipeStat(mode: number): Uint8Array {
  return encodeStat({
    dev: { major: 0, minor: 14 },
    ino: 1,
    mode,
    nlink: 1,
    rdev: { major: 0, minor: 0 },
    size: 0,
    blksize: 4096,
    blocks: 0,
  });
}
