/**
 * "Did you mean …?" hints for a mistyped name: the names that start with the word or are within two edits of it.
 *
 * @module
 */

/** Levenshtein distance between `a` and `b`. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j] as number;
      row[j] = Math.min(up + 1, (row[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length] as number;
}

/** The names close to `word` (a prefix match, or at most two edits away), in `names` order. */
export function closeNames(word: string, names: readonly string[]): string[] {
  if (word === '') return [];
  return names.filter((n) => n.startsWith(word) || editDistance(word, n) <= 2);
}

/** ` (Did you mean a or b?)` for the names close to `word`, or `''` when none is. */
export function didYouMean(word: string, names: readonly string[]): string {
  const close = closeNames(word, names);
  return close.length > 0 ? ` (Did you mean ${close.join(' or ')}?)` : '';
}
