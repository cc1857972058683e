/**
 * A line diff (longest common subsequence), for showing how `/proc/PID/maps` changed between two steps.
 *
 * @module
 */

/** One line of a diff: kept (`' '`), removed (`'-'`) or added (`'+'`). */
export interface DiffLine {
  readonly op: ' ' | '-' | '+';
  readonly text: string;
}

/**
 * The shortest edit turning `before` into `after`, as kept / removed / added lines in order (removals before
 * additions at the same place). O(n·m), fine for the tens of lines of a maps file.
 */
export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  const n = before.length;
  const m = after.length;
  // lcs[i][j] = length of the LCS of before[i..] and after[j..].
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] =
        before[i] === after[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      out.push({ op: ' ', text: before[i]! });
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      out.push({ op: '-', text: before[i]! });
      i++;
    } else {
      out.push({ op: '+', text: after[j]! });
      j++;
    }
  }
  return out;
}
