/**
 * Device numbers (`dev_t`) as major:minor pairs.
 *
 * @module
 */

/** A device number, as `stat`'s `st_dev`/`st_rdev` and `/proc/PID/maps` show it. */
export interface DeviceNumber {
  /** The major number (12 bits in Linux's `dev_t`). */
  readonly major: number;
  /** The minor number (20 bits in Linux's `dev_t`). */
  readonly minor: number;
}

/** Builds a device number; both parts must be non-negative integers within Linux's `dev_t` widths. */
export function deviceNumber(major: number, minor: number): DeviceNumber {
  if (!(Number.isInteger(major) && major >= 0 && major < 2 ** 12)) throw new RangeError(`bad major ${major}`);
  if (!(Number.isInteger(minor) && minor >= 0 && minor < 2 ** 20)) throw new RangeError(`bad minor ${minor}`);
  return Object.freeze({ major, minor });
}

/**
 * The device as `/proc/PID/maps` prints it: `%02x:%02x` (lower-case hex, at least two digits each), for example
 * `00:1f` or `08:01` (fs/proc/task_mmu.c `show_vma_header_prefix`).
 */
export function formatDeviceNumber(dev: DeviceNumber): string {
  return `${dev.major.toString(16).padStart(2, '0')}:${dev.minor.toString(16).padStart(2, '0')}`;
}

/** The kernel's encoding `new_encode_dev` (as `stat` returns `st_dev` on 64-bit Linux). */
export function encodeDeviceNumber(dev: DeviceNumber): number {
  return (dev.minor & 0xff) + dev.major * 256 + (dev.minor >>> 8) * 2 ** 20;
}
