/**
 * {@link oldestStamp}: the way with the smallest stamp of a set, shared by the stamp-based policies.
 *
 * @module
 */

/** The way `w` in `[0, ways)` with the smallest `stamps[base + w]` (the first such way on a tie). */
export function oldestStamp(stamps: Float64Array, base: number, ways: number): number {
  let best = 0;
  let bestStamp = stamps[base] as number;
  for (let w = 1; w < ways; w++) {
    const s = stamps[base + w] as number;
    if (s < bestStamp) {
      bestStamp = s;
      best = w;
    }
  }
  return best;
}
