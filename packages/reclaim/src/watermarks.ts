/**
 * Watermarks: the free-page levels that drive reclaim (Linux `mm/page_alloc.c`, one zone). Below `low` the
 * allocator wakes kswapd, which reclaims until `high`; below `min` only direct reclaim (or the OOM killer) helps.
 *
 * @module
 */

/** The three levels, in frames: `min ≤ low ≤ high`. */
export interface Watermarks {
  readonly min: number;
  readonly low: number;
  readonly high: number;
}

/**
 * Linux's watermarks for a zone of `frames` 4 KiB frames with the default sysctls: `min_free_kbytes =
 * int_sqrt(kbytes · 16)` clamped to [128, 262144] (`calculate_min_free_kbytes`), and `__setup_per_zone_wmarks` with
 * `watermark_scale_factor` 10: `tmp = max(min / 4, frames · 10 / 10000)`, `low = min + tmp`, `high = min + 2 · tmp`.
 * The levels never exceed the zone.
 */
export function linuxWatermarks(frames: number): Watermarks {
  if (!(Number.isInteger(frames) && frames >= 0))
    throw new RangeError(`frame count must be a non-negative integer, got ${String(frames)}`);
  const kbytes = frames * 4;
  const minKbytes = Math.min(262144, Math.max(128, Math.floor(Math.sqrt(kbytes * 16))));
  const min = Math.min(frames, minKbytes >>> 2);
  const tmp = Math.max(min >>> 2, Math.floor((frames * 10) / 10000));
  return { min, low: Math.min(frames, min + tmp), high: Math.min(frames, min + 2 * tmp) };
}

/**
 * Checks `w` (integers, `0 ≤ min ≤ low ≤ high ≤ frames`) and returns it frozen.
 *
 * @throws RangeError naming what is wrong
 */
export function checkWatermarks(w: Watermarks, frames: number): Watermarks {
  const ok = (x: number) => Number.isInteger(x) && x >= 0 && x <= frames;
  if (!(ok(w.min) && ok(w.low) && ok(w.high) && w.min <= w.low && w.low <= w.high))
    throw new RangeError(
      `watermarks must be integers with 0 ≤ min ≤ low ≤ high ≤ ${frames}, got ${w.min}/${w.low}/${w.high}`,
    );
  return Object.freeze({ min: w.min, low: w.low, high: w.high });
}
